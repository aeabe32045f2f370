from django.contrib import admin

from allmende.legal.models import AccessibilityFeedback, LegalText


@admin.register(LegalText)
class LegalTextAdmin(admin.ModelAdmin):
    """Read-only: versions are made by the edit page, which keeps the history."""

    list_display = ["page", "version", "created_at", "created_by"]
    list_filter = ["page"]

    def has_add_permission(self, request):  # type: ignore[no-untyped-def]
        return False

    def has_change_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False

    def has_delete_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False


@admin.register(AccessibilityFeedback)
class AccessibilityFeedbackAdmin(admin.ModelAdmin):
    list_display = ["created_at", "name", "email", "page_url"]
    search_fields = ["message", "name", "email", "page_url"]
    readonly_fields = ["created_at", "user", "name", "email", "page_url", "message"]

    def has_add_permission(self, request):  # type: ignore[no-untyped-def]
        return False
