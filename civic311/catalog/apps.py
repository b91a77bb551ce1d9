from django.apps import AppConfig


class CatalogConfig(AppConfig):
    name = "civic311.catalog"
    verbose_name = "Catalog: jurisdictions, departments, services"

    def ready(self) -> None:
        from django.db.models.signals import post_delete, post_save

        from civic311.catalog import cache

        for model in ("catalog.Jurisdiction", "catalog.Service"):
            post_save.connect(cache.clear, sender=model, dispatch_uid=f"cache-save-{model}")
            post_delete.connect(cache.clear, sender=model, dispatch_uid=f"cache-delete-{model}")
