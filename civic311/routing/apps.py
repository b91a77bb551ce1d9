from django.apps import AppConfig


class RoutingConfig(AppConfig):
    name = "civic311.routing"
    verbose_name = "Routing, teams and SLAs"
