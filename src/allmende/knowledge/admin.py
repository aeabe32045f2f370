from django.contrib import admin

from allmende.knowledge.models import Category


@admin.register(Category)
class CategoryAdmin(admin.ModelAdmin):
    """Staff keep the vocabulary of categories; tools are edited on the site,
    through the services with their audit log."""

    list_display = ["name_de", "name_en", "slug"]
    search_fields = ["name_de", "name_en"]
