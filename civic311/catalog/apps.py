from django.apps import AppConfig


class CatalogConfig(AppConfig):
    name = "civic311.catalog"
    verbose_name = "Catalog: jurisdictions, departments, services"
