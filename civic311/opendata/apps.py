from django.apps import AppConfig


class OpenDataConfig(AppConfig):
    """Imports (importers/), the open-data API and page under /data/, the daily snapshots."""

    name = "civic311.opendata"
    verbose_name = "Open data: imports and exports"

    def ready(self) -> None:
        from civic311.analytics import rollups
        from civic311.notify import schedule
        from civic311.opendata import snapshots
        from civic311.routing import estimates

        # Hourly: a day's files are written soon after the city's midnight, and a missed run catches up.
        schedule.every("opendata.snapshots", 3600, snapshots.write_due)
        # Every minute: the figures' rollups built where they are not, and folded up to the last events.
        schedule.every("analytics.rollups", 60, rollups.keep_up)
        # Daily: the typical times to close residents are told (routing/estimates.py), from history.
        schedule.every("routing.estimates", 24 * 3600, estimates.refresh_all)
