"""The delivery log (filters, failures, a retry action) and the webhook endpoints, in the admin."""

from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from civic311.notify import deliveries
from civic311.notify.models import Delivery, PeriodicJob, WebhookEndpoint


@admin.action(description=_("Send again now (failed or paused)"))
def retry_deliveries(modeladmin, request, queryset) -> None:
    n = deliveries.retry(queryset)
    modeladmin.message_user(
        request,
        ngettext("%(n)d delivery will be sent again.", "%(n)d deliveries will be sent again.", n) % {"n": n},
        messages.SUCCESS if n else messages.WARNING,
    )


@admin.register(Delivery)
class DeliveryAdmin(admin.ModelAdmin):
    list_display = ["created_at", "channel", "kind", "address", "status", "attempts", "sent_at", "error"]
    list_filter = ["status", "channel", "kind"]
    search_fields = ["address", "key"]
    date_hierarchy = "created_at"
    actions = [retry_deliveries]
    readonly_fields = [f.name for f in Delivery._meta.fields]
    list_select_related = ["event"]

    @admin.display(description=_("last error"))
    def error(self, obj: Delivery) -> str:
        return obj.last_error[:120]

    def has_add_permission(self, request) -> bool:
        return False


@admin.register(WebhookEndpoint)
class WebhookEndpointAdmin(admin.ModelAdmin):
    list_display = ["url", "active", "event_kinds", "created_by", "created_at"]
    list_filter = ["active"]
    readonly_fields = ["created_by", "created_at"]

    def save_model(self, request, obj, form, change) -> None:
        if not change:
            obj.created_by = request.user
        super().save_model(request, obj, form, change)


@admin.register(PeriodicJob)
class PeriodicJobAdmin(admin.ModelAdmin):
    list_display = ["name", "last_run_at", "next_run_at"]
    readonly_fields = ["name", "last_run_at"]
