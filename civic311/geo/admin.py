from django.contrib import admin

from civic311.geo.models import Address, District


@admin.register(District)
class DistrictAdmin(admin.ModelAdmin):
    list_display = ["name", "kind", "code", "population", "jurisdiction", "updated_at"]
    list_filter = ["jurisdiction", "kind"]
    search_fields = ["name", "code"]
    exclude = ["geometry"]  # megabytes of coordinates: imported, not typed


@admin.register(Address)
class AddressAdmin(admin.ModelAdmin):
    list_display = ["address", "zipcode", "lat", "long", "address_id"]
    list_filter = ["jurisdiction"]
    search_fields = ["normalized", "address_id"]
    readonly_fields = ["normalized", "street", "number"]
