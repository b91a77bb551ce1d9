from django.apps import AppConfig


class ConsoleConfig(AppConfig):
    name = "civic311.console"
    verbose_name = "Staff console and call-centre intake"
