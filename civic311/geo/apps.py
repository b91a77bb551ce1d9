from django.apps import AppConfig


class GeoConfig(AppConfig):
    name = "civic311.geo"
    verbose_name = "Geography: districts and addresses"

    def ready(self) -> None:
        from civic311.lib import versioned

        versioned.follow("geo.District")
