from django.contrib import admin, messages
from django.contrib.admin.models import LogEntry
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import UserAdmin

from civic311.accounts.models import ApiKey, RolePolicy, StaffProfile

User = get_user_model()


class StaffProfileInline(admin.StackedInline):
    model = StaffProfile
    can_delete = False
    fields = ["role", "department", "phone"]
    verbose_name_plural = "Staff profile (role and department)"


admin.site.unregister(User)


@admin.register(User)
class StaffUserAdmin(UserAdmin):
    """Users with their staff role and department on the same page."""

    inlines = [StaffProfileInline]
    list_display = [
        "username",
        "email",
        "first_name",
        "last_name",
        "staff_role",
        "staff_department",
        "is_active",
    ]
    list_filter = ["is_active", "is_staff", "staff__role", "staff__department"]
    list_select_related = ["staff__department"]

    @admin.display(description="Role")
    def staff_role(self, user):
        return user.staff.get_role_display() if hasattr(user, "staff") else "—"

    @admin.display(description="Department")
    def staff_department(self, user):
        profile = getattr(user, "staff", None)
        return profile.department if profile and profile.department else "—"


@admin.register(RolePolicy)
class RolePolicyAdmin(admin.ModelAdmin):
    list_display = ["role", "require_totp"]
    list_editable = ["require_totp"]


@admin.register(LogEntry)
class ChangeLogAdmin(admin.ModelAdmin):
    """Who changed what in the administration, and when (Django records every admin save and delete)."""

    list_display = ["action_time", "user", "content_type", "object_repr", "action_flag", "change_message"]
    list_filter = ["action_flag", "content_type", "user"]
    search_fields = ["object_repr", "change_message", "user__username"]
    date_hierarchy = "action_time"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(ApiKey)
class ApiKeyAdmin(admin.ModelAdmin):
    list_display = ["name", "prefix", "contact", "created_at", "last_used_at", "revoked_at"]
    search_fields = ["name", "prefix", "contact"]
    readonly_fields = ["prefix", "created_at", "last_used_at"]
    fields = ["name", "contact", "prefix", "created_at", "last_used_at", "revoked_at"]
    actions = ["revoke"]

    def save_model(self, request, obj, form, change):
        if change:
            super().save_model(request, obj, form, change)
            return
        key, raw = ApiKey.create(obj.name, obj.contact)
        obj.pk, obj.key_hash, obj.prefix, obj.created_at = key.pk, key.key_hash, key.prefix, key.created_at
        # Shown once: only the hash is stored.
        messages.warning(request, f"The new key is {raw} — copy it now; it will not be shown again.")

    def has_delete_permission(self, request, obj=None):
        return False  # revoke instead: requests keep pointing at the client that filed them

    @admin.action(description="Revoke the selected keys")
    def revoke(self, request, queryset):
        for key in queryset.active():
            key.revoke()
