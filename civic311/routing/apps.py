from django.apps import AppConfig


class RoutingConfig(AppConfig):
    name = "civic311.routing"
    verbose_name = "Routing, teams and SLAs"

    def ready(self) -> None:
        from civic311.lib import versioned

        versioned.follow(
            "routing.RoutingRule", "routing.SlaTarget", "routing.WorkCalendar", "routing.Holiday"
        )
