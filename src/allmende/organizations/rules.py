"""Who may do what with organizations.

Every permission check in views, templates and services asks
``user.has_perm("organizations.<permission>", organization)``; the answers are
decided here and nowhere else.
"""

from __future__ import annotations

import rules
from django.contrib.auth.models import AnonymousUser

from allmende.accounts.models import User as Person
from allmende.organizations.models import Membership, Organization

User = Person | AnonymousUser


@rules.predicate
def is_staff(user: User) -> bool:
    return bool(user.is_authenticated and getattr(user, "is_staff", False))


@rules.predicate
def is_member(user: User, organization: Organization | None) -> bool:
    if organization is None or not user.is_authenticated:
        return False
    return Membership.objects.filter(organization=organization, user=user).exists()


@rules.predicate
def is_admin(user: User, organization: Organization | None) -> bool:
    if organization is None or not user.is_authenticated:
        return False
    return Membership.objects.filter(
        organization=organization, user=user, role=Membership.Role.ADMIN
    ).exists()


is_authenticated = rules.is_authenticated

rules.add_perm("organizations.add_organization", is_authenticated)
rules.add_perm("organizations.change_organization", is_admin | is_staff)
rules.add_perm("organizations.manage_members", is_admin | is_staff)
rules.add_perm("organizations.invite_members", is_admin | is_staff)
rules.add_perm("organizations.view_member_details", is_member | is_staff)
rules.add_perm("organizations.verify_organization", is_staff)
rules.add_perm("organizations.leave_organization", is_member)


@rules.predicate
def is_unverified(user: User, organization: Organization | None) -> bool:
    return organization is not None and not organization.is_verified


rules.add_perm("organizations.request_verification", is_admin & is_unverified)
rules.add_perm("organizations.view_verification_queue", is_staff)
rules.add_perm("organizations.view_verification", is_admin)
rules.add_perm("organizations.withdraw_verification", is_admin)

# Anyone logged in who is not a member yet may ask to join; the organization's
# administrators (and the staff, who may manage any organization's members)
# answer.
rules.add_perm("organizations.request_membership", is_authenticated & ~is_member)
rules.add_perm("organizations.decide_join_request", is_admin | is_staff)
