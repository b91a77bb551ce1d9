from django.apps import AppConfig
from django.contrib.admin import apps as admin_apps


class AccountsConfig(AppConfig):
    name = "civic311.accounts"
    verbose_name = "Staff accounts and roles"
    default = True

    def ready(self) -> None:
        from civic311.accounts import login_limits  # noqa: F401  (connects its signal receivers)
        from civic311.lib import versioned

        versioned.follow("accounts.ApiKey")  # the process's copy of the active keys (ApiKey.objects.find)


class AdminConfig(admin_apps.AdminConfig):
    """django.contrib.admin with our site as admin.site: behind the console's sign-in and second factor
    (accounts/admin_site.py). In INSTALLED_APPS in place of "django.contrib.admin"."""

    default = False
    default_site = "civic311.accounts.admin_site.SecondFactorAdminSite"
