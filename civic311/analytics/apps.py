from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AnalyticsConfig(AppConfig):
    """The figures of how the city works (analytics/figures.py, answers.py, rollups.py): what
    /data/stats.json, the dashboard and the staff analytics all show, computed in one place."""

    name = "civic311.analytics"
    verbose_name = _("Analytics")

    def ready(self) -> None:
        from django.db.models.signals import post_save, pre_save

        from civic311.analytics import signals
        from civic311.catalog.models import Service

        pre_save.connect(signals.remember_privacy, sender=Service, dispatch_uid="analytics.remember_privacy")
        post_save.connect(signals.rebuild_on_privacy_change, sender=Service, dispatch_uid="analytics.privacy")
