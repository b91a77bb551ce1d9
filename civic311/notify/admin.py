"""The delivery log (filters, failures, a retry action and button) and the webhook endpoints, in the admin."""

import secrets
from urllib.parse import urlsplit

from django import forms
from django.contrib import admin, messages
from django.http import HttpResponseRedirect
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from civic311.notify import deliveries
from civic311.notify.models import (
    AreaAlert,
    Delivery,
    DeliveryStatus,
    EmailBounce,
    PeriodicJob,
    SurveyResponse,
    TextOptOut,
    WebhookEndpoint,
)
from civic311.servicerequests.choices import EventKind

RETRY_BUTTON = "_retry"


def _retried(modeladmin, request, n: int) -> None:
    modeladmin.message_user(
        request,
        ngettext("%(n)d delivery will be sent again.", "%(n)d deliveries will be sent again.", n) % {"n": n}
        if n
        else _("Only failed or paused deliveries can be sent again."),
        messages.SUCCESS if n else messages.WARNING,
    )


@admin.action(description=_("Send again now (failed or paused)"))
def retry_deliveries(modeladmin, request, queryset) -> None:
    _retried(modeladmin, request, deliveries.retry(queryset))


@admin.register(Delivery)
class DeliveryAdmin(admin.ModelAdmin):
    list_display = ["created_at", "channel", "kind", "address", "status", "attempts", "sent_at", "error"]
    list_filter = ["status", "channel", "kind"]
    search_fields = ["address", "key"]
    date_hierarchy = "created_at"
    actions = [retry_deliveries]
    readonly_fields = [*(f.name for f in Delivery._meta.fields), "retry"]
    list_select_related = ["event"]

    @admin.display(description=_("last error"))
    def error(self, obj: Delivery) -> str:
        return obj.last_error[:120]

    @admin.display(description=_("Retry"))
    def retry(self, obj: Delivery) -> str:
        if obj.status not in (DeliveryStatus.FAILED, DeliveryStatus.PAUSED):
            return "—"
        # a button of the change form itself: response_change sees it
        return format_html('<input type="submit" name="{}" value="{}">', RETRY_BUTTON, _("Send again now"))

    def response_change(self, request, obj):
        if RETRY_BUTTON in request.POST:
            _retried(self, request, deliveries.retry(Delivery.objects.filter(pk=obj.pk)))
            return HttpResponseRedirect(request.path)
        return super().response_change(request, obj)

    def has_add_permission(self, request) -> bool:
        return False


class WebhookEndpointForm(forms.ModelForm):
    event_kinds = forms.MultipleChoiceField(
        choices=EventKind.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("None ticked: every public event."),
    )

    class Meta:
        model = WebhookEndpoint
        fields = ["url", "secret", "event_kinds", "active"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if not self.instance.pk and not self.initial.get("secret"):
            self.initial["secret"] = secrets.token_urlsafe(32)

    def clean_url(self) -> str:
        url = self.cleaned_data["url"]
        if urlsplit(url).scheme not in ("http", "https"):
            raise forms.ValidationError(_("An http:// or https:// address."))
        return url

    def clean_secret(self) -> str:
        secret = self.cleaned_data["secret"]
        if len(secret) < 16:
            raise forms.ValidationError(_("At least 16 characters: it signs every message."))
        return secret


@admin.register(WebhookEndpoint)
class WebhookEndpointAdmin(admin.ModelAdmin):
    form = WebhookEndpointForm
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


@admin.register(AreaAlert)
class AreaAlertAdmin(admin.ModelAdmin):
    list_display = [
        "email",
        "district",
        "radius_m",
        "frequency",
        "new_requests",
        "closures",
        "confirmed",
        "active",
    ]
    list_filter = ["frequency", "confirmed", "active", "new_requests", "closures"]
    search_fields = ["email"]
    raw_id_fields = ["district"]
    filter_horizontal = ["services"]


@admin.register(SurveyResponse)
class SurveyResponseAdmin(admin.ModelAdmin):
    """Residents' satisfaction with closed requests: read-only, it is their answer."""

    list_display = ["request", "score", "language", "created_at", "updated_at"]
    list_filter = ["score", "language"]
    search_fields = ["request__service_request_id", "comment"]

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False


@admin.register(EmailBounce)
class EmailBounceAdmin(admin.ModelAdmin):
    list_display = ["email", "error", "created_at"]
    search_fields = ["email"]


@admin.register(TextOptOut)
class TextOptOutAdmin(admin.ModelAdmin):
    """Numbers that said STOP. Deleting one sends it texts again: only when its owner asked (START does)."""

    list_display = ["phone", "created_at"]
    search_fields = ["phone"]
