from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from civic311.servicerequests import actions
from civic311.servicerequests.models import Comment, Event, Media, ServiceRequest


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


@admin.action(description=_("Approve: show on the tracking page"))
def approve_comments(modeladmin, request, queryset):
    for comment in queryset:
        actions.moderate_comment(comment, request.user, approve=True)


@admin.action(description=_("Reject: hide from the tracking page"))
def reject_comments(modeladmin, request, queryset):
    for comment in queryset:
        actions.moderate_comment(comment, request.user, approve=False)


@admin.register(Comment)
class CommentAdmin(admin.ModelAdmin):
    """Moderation of residents' comments: held ones first; approve or reject, never edit or delete."""

    list_display = ["created_at", "request", "short_text", "name", "status", "held_because"]
    list_filter = ["status"]
    search_fields = ["text", "request__service_request_id"]
    list_select_related = ["request"]
    actions = [approve_comments, reject_comments]
    ordering = ["-created_at"]

    @admin.display(description=_("Text"))
    def short_text(self, obj: Comment) -> str:
        return obj.text[:80]

    def get_readonly_fields(self, request, obj=None):
        return [f.name for f in self.model._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
