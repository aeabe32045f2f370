from django.contrib import admin

from allmende.catalog.models import Dataset, DatasetTheme, Resource, ResourceVersion


class ThemeInline(admin.TabularInline):
    model = DatasetTheme
    extra = 0


@admin.register(Dataset)
class DatasetAdmin(admin.ModelAdmin):
    list_display = ["slug", "organization", "status", "is_private", "modified_at"]
    list_filter = ["status", "is_private"]
    search_fields = ["slug", "title_de", "title_en"]
    raw_id_fields = ["organization", "created_by"]
    inlines = [ThemeInline]


class VersionInline(admin.TabularInline):
    model = ResourceVersion
    extra = 0
    fields = ["number", "filename", "status", "row_count", "loaded_at"]
    readonly_fields = ["number", "filename", "status", "row_count", "loaded_at"]


@admin.register(Resource)
class ResourceAdmin(admin.ModelAdmin):
    list_display = ["pk", "dataset", "kind", "format", "current_version"]
    raw_id_fields = ["dataset", "current_version"]
    inlines = [VersionInline]
