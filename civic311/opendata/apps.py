from django.apps import AppConfig


class OpenDataConfig(AppConfig):
    name = "civic311.opendata"
    verbose_name = "Open data: imports and exports"
