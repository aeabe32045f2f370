"""Each role against each view that changes a service request."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import pytest
from django.test import Client

from allmende.accounts.models import User
from allmende.knowledge.models import AccessState, ServiceRequest
from allmende.organizations.models import Membership
from tests.accounts.factories import StaffFactory, UserFactory
from tests.conftest import client_for
from tests.knowledge.factories import editor, make_service_request, reviewer
from tests.organizations.factories import MembershipFactory

pytestmark = pytest.mark.django_db

ROLES = [
    "anonymous",
    "registered",
    "org_member",
    "org_admin",
    "other_org_admin",
    "editor",
    "reviewer",
    "staff",
]


def _actor(role: str, request: ServiceRequest) -> User | None:
    organization = request.organization
    if role == "anonymous":
        return None
    if role == "org_member":
        return MembershipFactory(organization=organization).user
    if role == "org_admin":
        return MembershipFactory(
            organization=organization, role=Membership.Role.ADMIN
        ).user
    if role == "other_org_admin":
        return MembershipFactory(role=Membership.Role.ADMIN).user
    return {
        "registered": UserFactory,
        "editor": editor,
        "reviewer": reviewer,
        "staff": StaffFactory,
    }[role]()


def _in(state: str) -> Callable[[], ServiceRequest]:
    def setup() -> ServiceRequest:
        request = make_service_request()
        ServiceRequest.objects.filter(pk=request.pk).update(state=state)
        request.refresh_from_db()
        return request

    return setup


@dataclass(frozen=True)
class Action:
    source: str
    target: str
    allowed: frozenset[str]
    data: tuple[tuple[str, str], ...] = ()


ACTIONS = [
    Action(AccessState.REQUESTED, AccessState.APPROVED, frozenset({"staff"})),
    Action(
        AccessState.REQUESTED,
        AccessState.DECLINED,
        frozenset({"staff"}),
        (("reason", "Nicht gemeinnützig."),),
    ),
    Action(AccessState.REQUESTED, AccessState.ENDED, frozenset({"org_admin"})),
    Action(
        AccessState.PROVISIONING,
        AccessState.ACTIVE,
        frozenset({"staff"}),
        (("access_details", "Raum 1"),),
    ),
    Action(AccessState.ACTIVE, AccessState.SUSPENDED, frozenset({"staff"})),
    Action(AccessState.SUSPENDED, AccessState.ACTIVE, frozenset({"staff"})),
    Action(AccessState.ACTIVE, AccessState.ENDED, frozenset({"staff", "org_admin"})),
]


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize(
    "action", ACTIONS, ids=lambda action: f"{action.source}-{action.target}"
)
def test_each_role_moves_a_request_only_as_the_table_allows(
    role: str, action: Action, settings: object
) -> None:
    request = _in(action.source)()
    client: Client = client_for(_actor(role, request))
    status = client.post(
        f"/services/requests/{request.pk}/to/{action.target}/", dict(action.data)
    ).status_code
    state = ServiceRequest.objects.get(pk=request.pk).state
    if role in action.allowed:
        assert status == 302
        assert state == action.target
    else:
        assert status in (302, 403)
        if role == "anonymous":
            assert status == 302
        assert state == action.source


@pytest.mark.parametrize("role", ROLES)
def test_only_organization_admins_open_the_request_form(role: str) -> None:
    request = make_service_request()
    status = (
        client_for(_actor(role, request))
        .get(f"/services/{request.service.slug}/request/")
        .status_code
    )
    admin = role in {"org_admin", "other_org_admin"}
    assert status == (200 if admin else 302 if role == "anonymous" else 403)
