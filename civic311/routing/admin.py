from django.contrib import admin

from civic311.routing.models import Holiday, RoutingRule, SlaTarget, Team, WorkCalendar


@admin.register(Team)
class TeamAdmin(admin.ModelAdmin):
    list_display = ["name", "department", "assignment", "supervisor", "active"]
    list_filter = ["department", "assignment", "active"]
    search_fields = ["name", "code"]
    filter_horizontal = ["members"]
    prepopulated_fields = {"code": ["name"]}


@admin.register(RoutingRule)
class RoutingRuleAdmin(admin.ModelAdmin):
    """Rules are tried in `order`; the first whose every set condition matches decides."""

    list_display = ["order", "name", "department", "use_service_department", "team", "priority", "active"]
    list_display_links = ["name"]
    list_editable = ["order", "active"]
    list_filter = ["active", "department", "jurisdiction"]
    search_fields = ["name", "keywords", "service_groups"]
    filter_horizontal = ["services", "districts"]
    fieldsets = [
        (None, {"fields": ["jurisdiction", "name", "order", "active"]}),
        (
            "When (conditions left empty match anything)",
            {
                "fields": [
                    "services",
                    "service_groups",
                    "districts",
                    "keywords",
                    ("attribute_code", "attribute_value"),
                    "channels",
                    "weekdays",
                    ("time_from", "time_to"),
                ]
            },
        ),
        (
            "Then",
            {
                "fields": [
                    "use_service_department",
                    "department",
                    "team",
                    "priority",
                    ("sla_hours", "sla_clock"),
                ]
            },
        ),
    ]


class HolidayInline(admin.TabularInline):
    model = Holiday
    extra = 1


@admin.register(WorkCalendar)
class WorkCalendarAdmin(admin.ModelAdmin):
    list_display = ["name", "jurisdiction", "is_default"]
    inlines = [HolidayInline]


@admin.register(SlaTarget)
class SlaTargetAdmin(admin.ModelAdmin):
    list_display = ["__str__", "service", "priority", "hours", "clock"]
    list_filter = ["clock", "jurisdiction"]
    search_fields = ["service__service_name"]
    autocomplete_fields = ["service"]
