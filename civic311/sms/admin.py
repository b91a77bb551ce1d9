from django.contrib import admin

from civic311.sms.models import Conversation, Message


@admin.register(Conversation)
class ConversationAdmin(admin.ModelAdmin):
    list_display = ["phone", "step", "language", "updated_at"]
    list_filter = ["step", "language"]
    search_fields = ["phone"]


@admin.register(Message)
class MessageAdmin(admin.ModelAdmin):
    list_display = ["sid", "phone", "created_at", "request_number"]
    search_fields = ["phone", "sid", "request_number"]
    readonly_fields = [
        "sid",
        "phone",
        "body",
        "num_media",
        "reply",
        "request_number",
        "created_at",
    ]
