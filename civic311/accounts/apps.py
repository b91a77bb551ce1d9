from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "civic311.accounts"
    verbose_name = "Staff accounts and roles"
