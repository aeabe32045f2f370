"""Organizations ask for verification; staff verify or decline with a reason."""

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
from allmende.organizations import selectors, services
from allmende.organizations.models import (
    VERIFICATION_TRANSITIONS,
    Membership,
    Organization,
    VerificationRequest,
    VerificationState,
)
from tests.accounts.factories import StaffFactory, UserFactory
from tests.conftest import client_for
from tests.organizations.factories import MembershipFactory, OrganizationFactory

pytestmark = pytest.mark.django_db


def test_admin_asks_and_staff_verify_and_the_admins_are_notified(
    organization: Organization,
    org_admin: User,
    staff: User,
    django_capture_on_commit_callbacks: Any,
) -> None:
    request = services.verification_request(organization=organization, actor=org_admin)
    assert request.state == VerificationState.OPEN
    assert list(selectors.verification_queue()) == [request]

    with django_capture_on_commit_callbacks(execute=True):
        services.verification_decide(
            request=request, verified=True, reason="", actor=staff
        )

    organization.refresh_from_db()
    assert organization.is_verified
    assert organization.verified_by == staff
    assert list(selectors.verification_queue()) == []
    [verified] = Notification.objects.all()
    assert (verified.recipient, verified.type) == (org_admin, "organizations.verified")
    assert verified.message == f"{organization.name} has been verified."
    assert AuditLogEntry.objects.filter(action="organization.verified").exists()


def test_declining_needs_a_reason_which_the_notification_carries(
    organization: Organization,
    org_admin: User,
    staff: User,
    django_capture_on_commit_callbacks: Any,
) -> None:
    request = services.verification_request(organization=organization, actor=org_admin)
    with pytest.raises(ValidationError):
        services.verification_decide(
            request=request, verified=False, reason="  ", actor=staff
        )
    with django_capture_on_commit_callbacks(execute=True):
        services.verification_decide(
            request=request,
            verified=False,
            reason="Bitte ergänzen Sie das Impressum.",
            actor=staff,
        )
    organization.refresh_from_db()
    assert not organization.is_verified
    [declined] = Notification.objects.all()
    assert declined.recipient == org_admin
    assert "Bitte ergänzen Sie das Impressum." in declined.message
    assert AuditLogEntry.objects.filter(
        action="organization.verification_declined"
    ).exists()
    # A declined request is closed: the organization may ask again.
    again = services.verification_request(organization=organization, actor=org_admin)
    assert again.is_open


def test_an_organization_has_at_most_one_open_request(
    organization: Organization, org_admin: User
) -> None:
    services.verification_request(organization=organization, actor=org_admin)
    with pytest.raises(ValidationError):
        services.verification_request(organization=organization, actor=org_admin)
    with pytest.raises(IntegrityError), transaction.atomic():
        VerificationRequest.objects.create(organization=organization)
    assert VerificationRequest.objects.count() == 1


def test_the_database_refuses_a_declined_request_without_reason(
    organization: Organization,
) -> None:
    from django.utils import timezone

    with pytest.raises(IntegrityError), transaction.atomic():
        VerificationRequest.objects.create(
            organization=organization,
            state=VerificationState.DECLINED,
            decided_at=timezone.now(),
        )


def test_an_answered_request_cannot_be_answered_again(
    organization: Organization, org_admin: User, staff: User
) -> None:
    request = services.verification_request(organization=organization, actor=org_admin)
    services.verification_decide(request=request, verified=True, reason="", actor=staff)
    with pytest.raises(ValidationError):
        services.verification_decide(
            request=request, verified=False, reason="Doch nicht", actor=staff
        )
    assert ("verified", "declined") not in VERIFICATION_TRANSITIONS


def test_only_admins_ask_and_only_staff_decide(
    organization: Organization, org_admin: User, org_member: User
) -> None:
    with pytest.raises(PermissionDenied):
        services.verification_request(organization=organization, actor=org_member)
    request = services.verification_request(organization=organization, actor=org_admin)
    with pytest.raises(PermissionDenied):
        services.verification_decide(
            request=request, verified=True, reason="", actor=org_admin
        )


def test_verifying_directly_answers_the_open_request(
    organization: Organization, org_admin: User, staff: User
) -> None:
    request = services.verification_request(organization=organization, actor=org_admin)
    services.organization_set_verified(
        actor=staff, organization=organization, verified=True
    )
    request.refresh_from_db()
    assert request.state == VerificationState.VERIFIED
    assert list(selectors.verification_queue()) == []


def test_the_profile_tells_admins_the_decision_and_its_reason(
    organization: Organization, org_admin: User, org_member: User, staff: User
) -> None:
    url = organization.get_absolute_url()
    page = client_for(org_admin).get(url).content.decode()
    assert "Ask for verification" in page
    member_page = client_for(org_member).get(url).content.decode()
    assert "Ask for verification" not in member_page
    request = services.verification_request(organization=organization, actor=org_admin)
    page = client_for(org_admin).get(url).content.decode()
    assert "Ask for verification" not in page
    assert "You asked for verification" in page
    services.verification_decide(
        request=request, verified=False, reason="Satzung fehlt", actor=staff
    )
    page = client_for(org_admin).get(url).content.decode()
    assert "Satzung fehlt" in page
    assert "Satzung fehlt" not in client_for(None).get(url).content.decode()


def test_admin_withdraws_an_open_request_which_leaves_the_queue(
    organization: Organization, org_admin: User, staff: User
) -> None:
    request = services.verification_request(organization=organization, actor=org_admin)
    services.verification_request_withdraw(actor=org_admin, request=request)

    request.refresh_from_db()
    assert request.state == VerificationState.WITHDRAWN
    assert request.decided_by == org_admin
    assert list(selectors.verification_queue()) == []
    assert AuditLogEntry.objects.filter(
        action="organization.verification_withdrawn"
    ).exists()
    queue_page = client_for(staff).get("/organizations/-/verification/")
    assert organization.name not in queue_page.content.decode()
    # The staff can no longer answer it, and the organization may ask again.
    with pytest.raises(ValidationError):
        services.verification_decide(
            request=request, verified=True, reason="", actor=staff
        )
    assert services.verification_request(organization=organization, actor=org_admin)


def test_an_answered_request_cannot_be_withdrawn(
    organization: Organization, org_admin: User, staff: User
) -> None:
    request = services.verification_request(organization=organization, actor=org_admin)
    services.verification_decide(
        request=request, verified=False, reason="Satzung fehlt", actor=staff
    )
    with pytest.raises(ValidationError):
        services.verification_request_withdraw(actor=org_admin, request=request)
    request.refresh_from_db()
    assert request.state == VerificationState.DECLINED


def test_the_profile_offers_the_admin_to_withdraw_the_open_request(
    organization: Organization, org_admin: User, org_member: User
) -> None:
    request = services.verification_request(organization=organization, actor=org_admin)
    url = organization.get_absolute_url()
    withdraw = f"/organizations/{organization.slug}/verification/{request.pk}/withdraw/"
    page = client_for(org_admin).get(url).content.decode()
    assert withdraw in page
    assert withdraw not in client_for(org_member).get(url).content.decode()
    response = client_for(org_admin).post(withdraw, follow=True)
    page = response.content.decode()
    assert "Your request for verification was withdrawn." in page
    assert withdraw not in page
    assert "Ask for verification" in page


# Each role against each view that changes verification.

ROLES = ["anonymous", "registered", "member", "admin", "other_org_admin", "staff"]


@dataclass
class World:
    organization: Organization
    admin: User
    member: User

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
    return World(organization, admin, member)


def _ask(client: Client, w: World) -> int:
    return client.post(
        f"/organizations/{w.organization.slug}/verification/"
    ).status_code


def _open_request(w: World) -> VerificationRequest:
    return services.verification_request(organization=w.organization, actor=w.admin)


def _withdraw(client: Client, w: World) -> int:
    pk = _open_request(w).pk
    return client.post(
        f"/organizations/{w.organization.slug}/verification/{pk}/withdraw/"
    ).status_code


def _decide(decision: str) -> Callable[[Client, World], int]:
    def request(client: Client, w: World) -> int:
        pk = _open_request(w).pk
        return client.post(
            f"/organizations/-/verification/{pk}/",
            {"decision": decision, "reason": "Angaben fehlen"},
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
        "ask for verification",
        {"admin"},
        _ask,
        lambda w: VerificationRequest.objects.filter(
            organization=w.organization
        ).exists(),
    ),
    Action(
        "withdraw the request",
        {"admin"},
        _withdraw,
        lambda w: VerificationRequest.objects.filter(
            organization=w.organization, state=VerificationState.WITHDRAWN
        ).exists(),
    ),
    Action(
        "verify",
        {"staff"},
        _decide("verify"),
        lambda w: Organization.objects.get(pk=w.organization.pk).is_verified,
    ),
    Action(
        "decline",
        {"staff"},
        _decide("decline"),
        lambda w: VerificationRequest.objects.filter(
            state=VerificationState.DECLINED, reason="Angaben fehlen"
        ).exists(),
    ),
]


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("action", ACTIONS, ids=lambda a: a.name)
def test_verification_permission_matrix(
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


@pytest.mark.parametrize("role", ROLES)
def test_only_staff_see_the_verification_queue(world: World, role: str) -> None:
    _open_request(world)
    response = client_for(world.actor(role)).get("/organizations/-/verification/")
    if role == "staff":
        assert response.status_code == 200
        assert "Verein am See" in response.content.decode()
    elif role == "anonymous":
        assert response.status_code == 302
    else:
        assert response.status_code == 403


def test_verification_queue_needs_few_queries_for_many_requests(
    staff: User, django_assert_max_num_queries: Any
) -> None:
    for _ in range(15):
        admin = MembershipFactory(role="admin")
        services.verification_request(organization=admin.organization, actor=admin.user)
    client = client_for(staff)
    with django_assert_max_num_queries(12):
        response = client.get("/organizations/-/verification/")
    assert response.content.decode().count("Verify Verein") == 15


def test_staff_queue_snippet_renders_the_queue(
    organization: Organization, org_admin: User
) -> None:
    from django.template.loader import render_to_string

    services.verification_request(organization=organization, actor=org_admin)
    html = render_to_string(
        "organizations/_staff_queue.html",
        {"verification_queue": selectors.verification_queue()},
    )
    assert organization.name in html
    assert "/organizations/-/verification/" in html
