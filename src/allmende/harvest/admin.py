"""Harvesting in the admin, read only: changes go through the harvesting pages."""

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from allmende.harvest.models import HarvestedRecord, HarvestRun, HarvestSource


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(HarvestSource)
class HarvestSourceAdmin(ReadOnlyAdmin):
    list_display = ["name", "kind", "url", "organization", "is_active"]


@admin.register(HarvestRun)
class HarvestRunAdmin(ReadOnlyAdmin):
    list_display = ["source", "status", "queued_at", "created", "updated", "skipped"]
    list_filter = ["status"]


@admin.register(HarvestedRecord)
class HarvestedRecordAdmin(ReadOnlyAdmin):
    list_display = ["remote_id", "source", "dataset", "synced_at", "withdrawn_at"]
