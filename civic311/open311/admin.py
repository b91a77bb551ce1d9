from django.contrib import admin, messages

from civic311.open311.models import ApiKey


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
