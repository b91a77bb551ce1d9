from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AnalyticsConfig(AppConfig):
    """The figures of how the city works (analytics/figures.py): what /data/stats.json, the dashboard and
    the staff analytics all show, computed in one place."""

    name = "civic311.analytics"
    verbose_name = _("Analytics")
