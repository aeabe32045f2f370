"""Staff edit the categories (with their agents) and canned answers here."""

from django.contrib import admin

from allmende.helpdesk.models import CannedAnswer, Category


@admin.register(Category)
class CategoryAdmin(admin.ModelAdmin):
    list_display = ["slug", "name_de", "name_en", "order"]
    prepopulated_fields = {"slug": ["name_de"]}
    filter_horizontal = ["agents"]


@admin.register(CannedAnswer)
class CannedAnswerAdmin(admin.ModelAdmin):
    list_display = ["title", "category"]
    list_filter = ["category"]
