"""Each role against each view that changes an organization.

For every pair the test checks both the answer and the effect: a forbidden
request must change nothing, an allowed one must do what it says.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import pytest
from django.test import Client

from allmende.accounts.models import User
from allmende.organizations.models import Invitation, Membership, Organization
from allmende.organizations.services import invitation_create
from tests.accounts.factories import StaffFactory, UserFactory
from tests.conftest import client_for
from tests.organizations.factories import MembershipFactory, OrganizationFactory

pytestmark = pytest.mark.django_db

ROLES = ["anonymous", "registered", "member", "admin", "other_org_admin", "staff"]


@dataclass
class World:
    organization: Organization
    admin: User
    member: User
    target: Membership  # a second member whom actions are aimed at
    invitation: Invitation

    def actor(self, role: str) -> User | None:
        if role == "anonymous":
            return None
        if role == "registered":
            return UserFactory()
        if role == "member":
            return self.member
        if role == "admin":
            return self.admin
        if role == "other_org_admin":
            return MembershipFactory(role=Membership.Role.ADMIN).user
        if role == "staff":
            return StaffFactory()
        raise ValueError(role)


@pytest.fixture
def world() -> World:
    organization = OrganizationFactory(name="Verein am See", city="Kiel")
    admin = MembershipFactory(organization=organization, role="admin").user
    member = MembershipFactory(organization=organization).user
    target = MembershipFactory(organization=organization)
    invitation, _ = invitation_create(
        actor=admin, organization=organization, email="neu@example.org", role="member"
    )
    return World(organization, admin, member, target, invitation)


@dataclass(frozen=True)
class Action:
    name: str
    allowed: set[str]
    request: Callable[[Client, World], int]
    happened: Callable[[World], bool]


def _edit(client: Client, w: World) -> int:
    return client.post(
        f"/organizations/{w.organization.slug}/edit/",
        {"name": "Neuer Name", "legal_form": "ev", "region": "SH", "city": "Kiel"},
    ).status_code


def _verify(client: Client, w: World) -> int:
    return client.post(
        f"/organizations/{w.organization.slug}/verify/", {"verified": "1"}
    ).status_code


def _invite(client: Client, w: World) -> int:
    return client.post(
        f"/organizations/{w.organization.slug}/invite/",
        {"email": "zweite@example.org", "role": "member"},
    ).status_code


def _promote(client: Client, w: World) -> int:
    return client.post(
        f"/organizations/{w.organization.slug}/members/{w.target.pk}/role/",
        {"role": "admin"},
    ).status_code


def _remove(client: Client, w: World) -> int:
    return client.post(
        f"/organizations/{w.organization.slug}/members/{w.target.pk}/remove/"
    ).status_code


def _revoke(client: Client, w: World) -> int:
    return client.post(
        f"/organizations/{w.organization.slug}/invitations/{w.invitation.pk}/revoke/"
    ).status_code


def _create(client: Client, w: World) -> int:
    return client.post(
        "/organizations/new/",
        {
            "name": "Ganz neuer Verein",
            "legal_form": "ev",
            "region": "BE",
            "submission_key": "6c0a3e1e-8d5e-4a57-9a43-4f1f1d2c9b10",
        },
    ).status_code


ACTIONS = [
    Action(
        "edit profile",
        {"admin", "staff"},
        _edit,
        lambda w: Organization.objects.filter(name="Neuer Name").exists(),
    ),
    Action(
        "verify",
        {"staff"},
        _verify,
        lambda w: Organization.objects.get(pk=w.organization.pk).is_verified,
    ),
    Action(
        "invite",
        {"admin", "staff"},
        _invite,
        lambda w: Invitation.objects.filter(email="zweite@example.org").exists(),
    ),
    Action(
        "change role",
        {"admin", "staff"},
        _promote,
        lambda w: Membership.objects.get(pk=w.target.pk).role == "admin",
    ),
    Action(
        "remove member",
        {"admin", "staff"},
        _remove,
        lambda w: not Membership.objects.filter(pk=w.target.pk).exists(),
    ),
    Action(
        "withdraw invitation",
        {"admin", "staff"},
        _revoke,
        lambda w: Invitation.objects.get(pk=w.invitation.pk).revoked_at is not None,
    ),
    Action(
        "create organization",
        set(ROLES) - {"anonymous"},
        _create,
        lambda w: Organization.objects.filter(name="Ganz neuer Verein").exists(),
    ),
]


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("action", ACTIONS, ids=lambda a: a.name)
def test_permission_matrix(world: World, action: Action, role: str) -> None:
    actor = world.actor(role)
    status = action.request(client_for(actor), world)
    if role in action.allowed:
        assert status == 302, f"{role} should be allowed to {action.name}"
        assert action.happened(world), f"{action.name} by {role} had no effect"
    else:
        expected = {302} if role == "anonymous" else {403}
        assert status in expected, f"{role} should not be allowed to {action.name}"
        assert not action.happened(world), f"{action.name} by {role} took effect"


@pytest.mark.parametrize("role", ROLES)
def test_edit_form_is_shown_only_to_those_who_may_edit(world: World, role: str) -> None:
    actor = world.actor(role)
    response = client_for(actor).get(f"/organizations/{world.organization.slug}/edit/")
    if role in {"admin", "staff"}:
        assert response.status_code == 200
    elif role == "anonymous":
        assert response.status_code == 302
        assert response["Location"].startswith("/accounts/login/")
    else:
        assert response.status_code == 403


def test_profile_page_offers_actions_only_to_those_who_may_use_them(
    world: World,
) -> None:
    url = world.organization.get_absolute_url()
    member_page = client_for(world.member).get(url).content.decode()
    admin_page = client_for(world.admin).get(url).content.decode()
    staff_page = client_for(StaffFactory()).get(url).content.decode()
    assert "/edit/" not in member_page and "/verify/" not in member_page
    assert "/edit/" in admin_page and "/verify/" not in admin_page
    assert "/verify/" in staff_page
