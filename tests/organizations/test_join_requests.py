"""People ask to join an organization; its administrators accept or decline."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.test import Client

from allmende.accounts.models import User
from allmende.core.models import AuditLogEntry
from allmende.notifications.models import Notification
from allmende.organizations import services
from allmende.organizations.models import (
    JoinRequest,
    JoinRequestState,
    Membership,
    Organization,
)
from tests.accounts.factories import StaffFactory, UserFactory
from tests.conftest import client_for
from tests.organizations.factories import MembershipFactory, OrganizationFactory

pytestmark = pytest.mark.django_db


def test_a_person_asks_to_join_and_an_admin_accepts(
    organization: Organization,
    org_admin: User,
    django_capture_on_commit_callbacks: Any,
) -> None:
    person = UserFactory(display_name="Ada Beispiel")
    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(person).post(f"/organizations/{organization.slug}/join/")
    assert response.status_code == 302
    join_request = JoinRequest.objects.get()
    assert join_request.user == person
    assert join_request.state == JoinRequestState.OPEN
    told = Notification.objects.get(type="organizations.join_requested")
    assert told.recipient == org_admin
    assert told.url == organization.get_absolute_url()
    assert told.message == f"Ada Beispiel asks to join {organization.name}."
    assert AuditLogEntry.objects.filter(action="membership.requested").exists()

    own_page = client_for(person).get(organization.get_absolute_url()).content.decode()
    assert "You asked to join" in own_page
    assert "Ask to join" not in own_page
    admin_page = client_for(org_admin).get(organization.get_absolute_url())
    assert "Accept Ada Beispiel" in admin_page.content.decode()

    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(org_admin).post(
            f"/organizations/{organization.slug}/join-requests/{join_request.pk}/accept/"
        )
    assert response.status_code == 302
    membership = Membership.objects.get(organization=organization, user=person)
    assert membership.role == Membership.Role.MEMBER
    join_request.refresh_from_db()
    assert join_request.state == JoinRequestState.ACCEPTED
    assert join_request.decided_by == org_admin
    admin_page = client_for(org_admin).get(organization.get_absolute_url())
    assert "Accept Ada Beispiel" not in admin_page.content.decode()
    assert AuditLogEntry.objects.filter(action="membership.request_accepted").exists()
    accepted = Notification.objects.get(type="organizations.join_accepted")
    assert accepted.recipient == person
    assert accepted.message == f"You are now a member of {organization.name}."


def test_asking_twice_keeps_one_request(organization: Organization) -> None:
    person = UserFactory()
    client = client_for(person)
    for _ in range(2):
        assert (
            client.post(f"/organizations/{organization.slug}/join/").status_code == 302
        )
    first = services.join_request_create(actor=person, organization=organization)
    assert JoinRequest.objects.get() == first
    # The database itself refuses a second open request.
    with pytest.raises(IntegrityError), transaction.atomic():
        JoinRequest.objects.create(organization=organization, user=person)


def test_a_declined_person_is_no_member_and_may_ask_again(
    organization: Organization, org_admin: User
) -> None:
    person = UserFactory()
    join_request = services.join_request_create(actor=person, organization=organization)
    services.join_request_decide(
        actor=org_admin, join_request=join_request, accept=False
    )
    assert not Membership.objects.filter(user=person).exists()
    with pytest.raises(ValidationError):
        services.join_request_decide(
            actor=org_admin, join_request=join_request, accept=True
        )
    assert not Membership.objects.filter(user=person).exists()
    again = services.join_request_create(actor=person, organization=organization)
    assert again.pk != join_request.pk and again.is_open


def test_members_cannot_ask_and_only_admins_answer(
    organization: Organization, org_admin: User, org_member: User
) -> None:
    with pytest.raises(PermissionDenied):
        services.join_request_create(actor=org_member, organization=organization)
    join_request = services.join_request_create(
        actor=UserFactory(), organization=organization
    )
    with pytest.raises(PermissionDenied):
        services.join_request_decide(
            actor=org_member, join_request=join_request, accept=True
        )
    member_page = client_for(org_member).get(organization.get_absolute_url())
    assert "/join-requests/" not in member_page.content.decode()
    assert "Ask to join" not in member_page.content.decode()


def test_the_admins_dashboard_counts_the_people_who_want_to_join(
    organization: Organization, org_admin: User, org_member: User
) -> None:
    dashboard = client_for(org_admin).get("/dashboard/").content.decode()
    assert "want to join" not in dashboard and "wants to join" not in dashboard
    services.join_request_create(actor=UserFactory(), organization=organization)
    dashboard = client_for(org_admin).get("/dashboard/").content.decode()
    assert f"1 person wants to join {organization.name}." in dashboard
    services.join_request_create(actor=UserFactory(), organization=organization)
    dashboard = client_for(org_admin).get("/dashboard/").content.decode()
    assert f"2 people want to join {organization.name}." in dashboard
    assert f"{organization.get_absolute_url()}#join-requests" in dashboard
    member_dashboard = client_for(org_member).get("/dashboard/").content.decode()
    assert "want to join" not in member_dashboard


def test_the_data_export_lists_the_persons_requests_to_join(
    organization: Organization,
) -> None:
    from allmende.accounts.services import user_export_data

    person = UserFactory()
    services.join_request_create(actor=person, organization=organization)
    exported = user_export_data(user=person)
    assert exported["requests_to_join"][0]["organization"] == organization.name
    assert exported["requests_to_join"][0]["state"] == "open"


def test_demo_data_has_a_request_to_join_for_an_admin() -> None:
    from io import StringIO

    from django.core.management import call_command

    call_command("demo", "--organizations=3", "--people=8", stdout=StringIO())
    join_request = JoinRequest.objects.get()
    assert join_request.is_open
    admin = Membership.objects.filter(
        organization=join_request.organization, role=Membership.Role.ADMIN
    ).first()
    assert admin is not None
    assert not Membership.objects.filter(
        organization=join_request.organization, user=join_request.user
    ).exists()
    from allmende.organizations.selectors import join_request_counts

    assert [o.waiting for o in join_request_counts(admin=admin.user)] == [1]


# Each role against each view that changes requests to join.

ROLES = ["anonymous", "registered", "member", "admin", "other_org_admin", "staff"]


@dataclass
class World:
    organization: Organization
    admin: User
    member: User
    applicant: User

    def actor(self, role: str) -> User | None:
        return {
            "anonymous": lambda: None,
            "registered": UserFactory,
            "member": lambda: self.member,
            "admin": lambda: self.admin,
            "other_org_admin": lambda: (
                MembershipFactory(role=Membership.Role.ADMIN).user
            ),
            "staff": StaffFactory,
        }[role]()


@pytest.fixture
def world() -> World:
    organization = OrganizationFactory(name="Verein am See")
    admin = MembershipFactory(organization=organization, role="admin").user
    member = MembershipFactory(organization=organization).user
    return World(organization, admin, member, UserFactory())


def _join(client: Client, w: World) -> int:
    return client.post(f"/organizations/{w.organization.slug}/join/").status_code


def _joined_by_actor(w: World) -> bool:
    return JoinRequest.objects.exclude(user=w.applicant).exists()


def _answer(decision: str) -> Callable[[Client, World], int]:
    def request(client: Client, w: World) -> int:
        pk = services.join_request_create(
            actor=w.applicant, organization=w.organization
        ).pk
        return client.post(
            f"/organizations/{w.organization.slug}/join-requests/{pk}/{decision}/"
        ).status_code

    return request


@dataclass(frozen=True)
class Action:
    name: str
    allowed: set[str]
    request: Callable[[Client, World], int]
    happened: Callable[[World], bool]


ACTIONS = [
    Action(
        "ask to join",
        # Anyone logged in who is not a member yet.
        {"registered", "other_org_admin", "staff"},
        _join,
        _joined_by_actor,
    ),
    Action(
        "accept",
        {"admin", "staff"},
        _answer("accept"),
        lambda w: Membership.objects.filter(
            organization=w.organization, user=w.applicant
        ).exists(),
    ),
    Action(
        "decline",
        {"admin", "staff"},
        _answer("decline"),
        lambda w: JoinRequest.objects.filter(
            user=w.applicant, state=JoinRequestState.DECLINED
        ).exists(),
    ),
]


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("action", ACTIONS, ids=lambda a: a.name)
def test_join_request_permission_matrix(
    world: World, action: Action, role: str
) -> None:
    actor = world.actor(role)
    status = action.request(client_for(actor), world)
    if role in action.allowed:
        assert status == 302, f"{role} should be allowed to {action.name}"
        assert action.happened(world), f"{action.name} by {role} had no effect"
    else:
        expected = {302} if role == "anonymous" else {403}
        assert status in expected, f"{role} should not be allowed to {action.name}"
        assert not action.happened(world), f"{action.name} by {role} took effect"
