from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin

from allmende.accounts.models import Skill, User


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    fieldsets = (
        *(BaseUserAdmin.fieldsets or ()),
        ("Profile", {"fields": ("display_name", "bio", "profile_visibility")}),
    )


@admin.register(Skill)
class SkillAdmin(admin.ModelAdmin):
    list_display = ["slug", "name_de", "name_en"]
