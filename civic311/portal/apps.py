from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PortalConfig(AppConfig):
    name = "civic311.portal"
    verbose_name = _("Resident web app")
