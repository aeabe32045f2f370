from django.contrib import admin

from allmende.organizations.models import (
    Invitation,
    JoinRequest,
    Membership,
    Organization,
)


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    raw_id_fields = ["user"]


@admin.register(Organization)
class OrganizationAdmin(admin.ModelAdmin):
    list_display = ["name", "legal_form", "region", "city", "is_verified"]
    list_filter = ["is_verified", "legal_form", "region"]
    search_fields = ["name", "city"]
    readonly_fields = ["slug", "verified_at", "verified_by", "created_at", "updated_at"]
    inlines = [MembershipInline]


@admin.register(Invitation)
class InvitationAdmin(admin.ModelAdmin):
    list_display = ["email", "organization", "role", "created_at", "accepted_at"]
    readonly_fields = ["token_hash"]
    search_fields = ["email", "organization__name"]


@admin.register(JoinRequest)
class JoinRequestAdmin(admin.ModelAdmin):
    list_display = ["user", "organization", "state", "requested_at", "decided_at"]
    list_filter = ["state"]
    raw_id_fields = ["user", "organization", "decided_by"]
    search_fields = ["user__username", "organization__name"]
