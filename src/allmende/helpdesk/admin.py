"""Staff edit the categories (with their agents) and canned answers here."""

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from allmende.helpdesk.models import CannedAnswer, Category


class StaffEditable(admin.ModelAdmin):
    """Every staff member may edit these, without model permissions."""

    def has_module_permission(self, request: HttpRequest) -> bool:
        return bool(request.user.has_perm("helpdesk.manage"))

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self.has_module_permission(request)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return self.has_module_permission(request)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self.has_module_permission(request)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self.has_module_permission(request)


@admin.register(Category)
class CategoryAdmin(StaffEditable):
    list_display = ["slug", "name_de", "name_en", "order"]
    prepopulated_fields = {"slug": ["name_de"]}
    filter_horizontal = ["agents"]


@admin.register(CannedAnswer)
class CannedAnswerAdmin(StaffEditable):
    list_display = ["title", "category"]
    list_filter = ["category"]
