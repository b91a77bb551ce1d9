from django.apps import AppConfig


class ServiceRequestsConfig(AppConfig):
    name = "civic311.servicerequests"
    verbose_name = "Service requests"

    def ready(self) -> None:
        from django.db.models.signals import post_save

        from civic311.servicerequests.signals import sync_request_privacy

        post_save.connect(sync_request_privacy, sender="catalog.Service", dispatch_uid="sync_request_privacy")
