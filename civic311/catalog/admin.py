from django.contrib import admin

from civic311.catalog.models import AttributeValue, Department, Jurisdiction, Service, ServiceAttribute


@admin.register(Jurisdiction)
class JurisdictionAdmin(admin.ModelAdmin):
    list_display = ["name", "jurisdiction_id", "time_zone", "is_default"]
    search_fields = ["name", "jurisdiction_id"]


@admin.register(Department)
class DepartmentAdmin(admin.ModelAdmin):
    list_display = ["name", "code", "jurisdiction", "email", "phone"]
    list_filter = ["jurisdiction"]
    search_fields = ["name", "code"]


class ServiceAttributeInline(admin.StackedInline):
    model = ServiceAttribute
    extra = 0
    fields = [("code", "order", "datatype", "required", "variable"), "description", "datatype_description"]
    show_change_link = True


@admin.register(Service)
class ServiceAdmin(admin.ModelAdmin):
    list_display = [
        "service_name",
        "service_code",
        "group",
        "department",
        "active",
        "private",
        "anonymous_allowed",
    ]
    list_filter = ["jurisdiction", "group", "active", "private", "department"]
    search_fields = ["service_name", "service_code", "keywords", "description"]
    list_select_related = ["department"]
    inlines = [ServiceAttributeInline]


class AttributeValueInline(admin.TabularInline):
    model = AttributeValue
    extra = 1


@admin.register(ServiceAttribute)
class ServiceAttributeAdmin(admin.ModelAdmin):
    list_display = ["code", "service", "datatype", "required", "order"]
    list_filter = ["datatype", "required"]
    search_fields = ["code", "description", "service__service_name"]
    inlines = [AttributeValueInline]
