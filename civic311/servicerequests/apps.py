from django.apps import AppConfig


class ServiceRequestsConfig(AppConfig):
    name = "civic311.servicerequests"
    verbose_name = "Service requests"
