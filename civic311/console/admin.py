from django.contrib import admin

from civic311.console.models import ResponseTemplate


@admin.register(ResponseTemplate)
class ResponseTemplateAdmin(admin.ModelAdmin):
    list_display = ["title", "service", "status"]
    list_filter = ["status", "jurisdiction"]
    search_fields = ["title", "text", "service__service_name"]
    autocomplete_fields = ["service"]
