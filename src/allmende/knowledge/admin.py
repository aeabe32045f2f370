from django.contrib import admin

from allmende.knowledge.models import Book, Category, Chapter


@admin.register(Category)
class CategoryAdmin(admin.ModelAdmin):
    """Staff keep the vocabulary of categories; tools are edited on the site,
    through the services with their audit log."""

    list_display = ["name_de", "name_en", "slug"]
    search_fields = ["name_de", "name_en"]


class ChapterInline(admin.TabularInline):
    model = Chapter
    extra = 1


@admin.register(Book)
class BookAdmin(admin.ModelAdmin):
    """Staff set up books and their chapters; pages are written on the site,
    where every save keeps a revision and goes through review."""

    list_display = ["title", "language", "position"]
    prepopulated_fields = {"slug": ["title"]}
    inlines = [ChapterInline]
