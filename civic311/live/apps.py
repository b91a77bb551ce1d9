from django.apps import AppConfig


class LiveConfig(AppConfig):
    name = "civic311.live"
    verbose_name = "Live updates"
