from django.apps import AppConfig


class CatalogConfig(AppConfig):
    name = "civic311.catalog"
    verbose_name = "Catalog: jurisdictions, departments, services"

    def ready(self) -> None:
        from civic311.lib import versioned

        versioned.follow(
            "catalog.Jurisdiction",
            "catalog.Department",
            "catalog.Service",
            "catalog.ServiceAttribute",
            "catalog.AttributeValue",
        )
