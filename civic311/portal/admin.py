from django.contrib import admin

from civic311.portal.models import Submission


@admin.register(Submission)
class SubmissionAdmin(admin.ModelAdmin):
    list_display = ["draft_key", "request", "me_too", "created_at"]
    search_fields = ["draft_key", "request__service_request_id"]
    raw_id_fields = ["request"]
    readonly_fields = ["draft_key", "request", "me_too", "created_at"]
