from django.contrib import admin

from civic311.servicerequests.models import Event, Media, ServiceRequest


class EventInline(admin.TabularInline):
    model = Event
    extra = 0
    can_delete = False
    fields = ("created_at", "kind", "status_code", "public", "channel", "actor", "api_client", "note")
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False  # history is written by the domain functions only


class MediaInline(admin.TabularInline):
    model = Media
    extra = 0
    can_delete = False
    fields = ["created_at", "file", "url", "public"]
    readonly_fields = ["created_at", "file", "url"]

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(ServiceRequest)
class ServiceRequestAdmin(admin.ModelAdmin):
    """Read-only here: staff change requests in the console, through the domain functions."""

    list_display = [
        "service_request_id",
        "service",
        "status_code",
        "department",
        "channel",
        "requested_datetime",
    ]
    list_filter = ["status", "status_code", "channel", "department", "service__group"]
    search_fields = ["service_request_id", "address", "description"]
    list_select_related = ["service", "department"]
    date_hierarchy = "requested_datetime"
    inlines = [EventInline, MediaInline]
    show_full_result_count = False  # COUNT(*) over a million rows on every page is wasted time

    def get_readonly_fields(self, request, obj=None):
        return [f.name for f in self.model._meta.fields] + ["districts"]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
