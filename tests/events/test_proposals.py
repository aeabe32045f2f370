"""Organizations that do not host events propose them; staff publish or decline."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.test import Client
from django.utils import timezone

from allmende.accounts.models import User
from allmende.core.models import AuditLogEntry
from allmende.events import selectors
from allmende.events.models import Event, EventProposal, EventStatus, ProposalState
from allmende.events.selectors import EventFilters
from allmende.events.services import proposals as services
from allmende.notifications.models import Notification
from allmende.organizations.models import Membership, Organization
from tests.accounts.factories import StaffFactory, UserFactory
from tests.conftest import client_for
from tests.organizations.factories import MembershipFactory, OrganizationFactory

pytestmark = pytest.mark.django_db


def _form(organization: Organization, title: str = "Vereinsrecht kompakt") -> dict:
    start = timezone.localtime() + timedelta(days=10)
    return {
        "title_de": title,
        "organization": organization.pk,
        "event_type": "workshop",
        "format": "in_person",
        "level": "beginner",
        "language": "de",
        "status": "published",
        "starts_at": start.strftime("%Y-%m-%dT%H:%M"),
        "ends_at": (start + timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M"),
        "capacity": 12,
        "offer_hours": 24,
        "reminder_minutes": "1440, 60",
    }


def _propose(admin: User, organization: Organization, title: str = "Vortrag") -> Event:
    start = timezone.now() + timedelta(days=5)
    return services.event_propose(
        actor=admin,
        organization=organization,
        title_de=title,
        starts_at=start,
        ends_at=start + timedelta(hours=1),
        capacity=10,
    )


def test_admin_proposes_an_event_that_stays_hidden_until_staff_publish_it(
    organization: Organization,
    org_admin: User,
    staff: User,
    django_capture_on_commit_callbacks: Any,
) -> None:
    response = client_for(org_admin).post("/events/new/", _form(organization))
    assert response.status_code == 302, response.content.decode()[-2000:]
    event = organization.events.get()
    # The status asked for in the form does not publish a proposal.
    assert event.status == EventStatus.DRAFT
    assert event.proposal.state == ProposalState.PROPOSED
    assert event.proposal.proposed_by == org_admin
    assert list(selectors.event_list(filters=EventFilters())) == []
    assert client_for(None).get(event.get_absolute_url()).status_code == 404
    page = client_for(org_admin).get(event.get_absolute_url()).content.decode()
    assert "This event is a proposal" in page
    profile = client_for(org_admin).get(organization.get_absolute_url())
    assert "Vereinsrecht kompakt" in profile.content.decode()
    assert list(selectors.event_proposal_queue()) == [event.proposal]

    with django_capture_on_commit_callbacks(execute=True):
        services.event_proposal_decide(
            proposal=event.proposal, publish=True, reason="", actor=staff
        )

    event.refresh_from_db()
    assert event.status == EventStatus.PUBLISHED
    assert list(selectors.event_list(filters=EventFilters())) == [event]
    assert client_for(None).get(event.get_absolute_url()).status_code == 200
    [published] = Notification.objects.all()
    assert (published.recipient, published.type) == (
        org_admin,
        "events.proposal_published",
    )
    assert AuditLogEntry.objects.filter(action="event.proposal_published").exists()
    assert list(selectors.event_proposal_queue()) == []


def test_staff_decline_with_a_reason_that_the_organization_reads(
    organization: Organization,
    org_admin: User,
    staff: User,
    django_capture_on_commit_callbacks: Any,
) -> None:
    event = _propose(org_admin, organization)
    with pytest.raises(ValidationError):
        services.event_proposal_decide(
            proposal=event.proposal, publish=False, reason="", actor=staff
        )
    with django_capture_on_commit_callbacks(execute=True):
        services.event_proposal_decide(
            proposal=event.proposal,
            publish=False,
            reason="Der Termin überschneidet sich mit dem Jahrestreffen.",
            actor=staff,
        )
    event.refresh_from_db()
    assert event.status == EventStatus.DRAFT
    [declined] = Notification.objects.all()
    assert declined.recipient == org_admin
    assert "Jahrestreffen" in declined.message
    for url in (event.get_absolute_url(), organization.get_absolute_url()):
        assert "Jahrestreffen" in client_for(org_admin).get(url).content.decode()
    with pytest.raises(ValidationError):
        services.event_proposal_decide(
            proposal=event.proposal, publish=True, reason="", actor=staff
        )


def test_the_database_refuses_a_declined_proposal_without_reason(
    organization: Organization, org_admin: User
) -> None:
    event = _propose(org_admin, organization)
    with pytest.raises(IntegrityError), transaction.atomic():
        EventProposal.objects.filter(pk=event.proposal.pk).update(
            state=ProposalState.DECLINED, decided_at=timezone.now()
        )


def test_only_the_organizations_admins_propose_and_only_staff_decide(
    organization: Organization, org_admin: User, org_member: User
) -> None:
    with pytest.raises(PermissionDenied):
        _propose(org_member, organization)
    other_admin = MembershipFactory(role=Membership.Role.ADMIN).user
    with pytest.raises(PermissionDenied):
        _propose(other_admin, organization)
    event = _propose(org_admin, organization)
    with pytest.raises(PermissionDenied):
        services.event_proposal_decide(
            proposal=event.proposal, publish=True, reason="", actor=org_admin
        )


def _edit_form(title: str) -> dict:
    start = timezone.localtime() + timedelta(days=12)
    return {
        "title_de": title,
        "event_type": "workshop",
        "format": "in_person",
        "level": "beginner",
        "language": "de",
        # Staff edit proposals in the full form, which asks for the status.
        "status": "draft",
        "starts_at": start.strftime("%Y-%m-%dT%H:%M"),
        "ends_at": (start + timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M"),
        "capacity": 20,
        "offer_hours": 24,
        "reminder_minutes": "1440, 60",
    }


def test_any_admin_of_the_organization_edits_a_pending_proposal(
    organization: Organization, org_admin: User
) -> None:
    event = _propose(org_admin, organization, "Erster Entwurf")
    second_admin = MembershipFactory(organization=organization, role="admin").user
    page = client_for(second_admin).get(event.get_absolute_url()).content.decode()
    assert f"/events/{event.slug}/edit/" in page
    form = client_for(second_admin).get(f"/events/{event.slug}/edit/")
    assert form.status_code == 200
    assert 'name="status"' not in form.content.decode()

    response = client_for(second_admin).post(
        f"/events/{event.slug}/edit/",
        {**_edit_form("Zweiter Entwurf"), "status": "published"},
    )

    assert response.status_code == 302
    event.refresh_from_db()
    assert event.title_de == "Zweiter Entwurf"
    assert event.capacity == 20
    # Editing never publishes: the proposal still waits for the staff.
    assert event.status == EventStatus.DRAFT
    assert event.proposal.state == ProposalState.PROPOSED
    entry = AuditLogEntry.objects.get(action="event.proposal_updated")
    assert "title_de" in entry.data["fields"]


@pytest.mark.parametrize("publish", [True, False], ids=["published", "declined"])
def test_an_answered_proposal_can_no_longer_be_edited(
    organization: Organization, org_admin: User, staff: User, publish: bool
) -> None:
    event = _propose(org_admin, organization, "Beantwortet")
    services.event_proposal_decide(
        proposal=event.proposal, publish=publish, reason="Passt nicht", actor=staff
    )
    with pytest.raises(ValidationError) as refused:
        services.event_proposal_update(actor=org_admin, event=event, title_de="Neu")
    assert refused.value.code == "proposal_closed"

    client = client_for(org_admin)
    response = client.post(
        f"/events/{event.slug}/edit/", _edit_form("Neu"), follow=True
    )
    page = response.content.decode()
    expected = "already published" if publish else "has declined this proposal"
    assert expected in page
    assert response.redirect_chain[-1][0] == event.get_absolute_url()
    assert client.get(f"/events/{event.slug}/edit/").status_code == 302
    event.refresh_from_db()
    assert event.title_de == "Beantwortet"
    assert (
        f"/events/{event.slug}/edit/"
        not in client.get(event.get_absolute_url()).content.decode()
    )


def test_organization_page_queries_do_not_grow_with_its_content(
    organization: Organization, org_admin: User
) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from tests.catalog.factories import PublishedDatasetFactory
    from tests.events.factories import EventFactory

    client = client_for(org_admin)

    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert client.get(organization.get_absolute_url()).status_code == 200
        return len(queries)

    EventFactory(organization=organization)
    PublishedDatasetFactory(organization=organization)
    _propose(org_admin, organization, "Erster Vorschlag")
    few = count()
    for number in range(8):
        EventFactory(organization=organization)
        PublishedDatasetFactory(organization=organization)
        _propose(org_admin, organization, f"Vorschlag {number}")
    assert count() == few


# Each role against each view that changes proposals.

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


def _propose_view(client: Client, w: World) -> int:
    return client.post("/events/new/", _form(w.organization, "Vorschlag")).status_code


def _edit_view(client: Client, w: World) -> int:
    event = _propose(w.admin, w.organization, "Entwurf")
    return client.post(
        f"/events/{event.slug}/edit/", _edit_form("Geänderter Entwurf")
    ).status_code


def _decide(decision: str) -> Callable[[Client, World], int]:
    def request(client: Client, w: World) -> int:
        proposal = _propose(w.admin, w.organization, "Zu entscheiden").proposal
        return client.post(
            f"/events/proposals/{proposal.pk}/",
            {"decision": decision, "reason": "Passt nicht ins Programm"},
        ).status_code

    return request


@dataclass(frozen=True)
class Action:
    name: str
    allowed: set[str]
    request: Callable[[Client, World], int]
    happened: Callable[[World], bool]
    # Roles that may open the form but not for this organization: the form
    # answers with an error (200) and nothing happens.
    form_error: frozenset[str] = frozenset()
    # Roles that cannot see the event at all (404).
    hidden: frozenset[str] = frozenset()


ACTIONS = [
    Action(
        "propose event",
        {"admin"},
        _propose_view,
        lambda w: EventProposal.objects.filter(event__title_de="Vorschlag").exists(),
        frozenset({"other_org_admin", "staff"}),
    ),
    Action(
        "edit proposal",
        {"admin", "staff"},
        _edit_view,
        lambda w: Event.objects.filter(title_de="Geänderter Entwurf").exists(),
        hidden=frozenset({"registered", "member", "other_org_admin"}),
    ),
    Action(
        "publish proposal",
        {"staff"},
        _decide("publish"),
        lambda w: Event.objects.filter(
            title_de="Zu entscheiden", status=EventStatus.PUBLISHED
        ).exists(),
    ),
    Action(
        "decline proposal",
        {"staff"},
        _decide("decline"),
        lambda w: EventProposal.objects.filter(
            state=ProposalState.DECLINED, reason="Passt nicht ins Programm"
        ).exists(),
    ),
]


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("action", ACTIONS, ids=lambda a: a.name)
def test_proposal_permission_matrix(world: World, action: Action, role: str) -> None:
    actor = world.actor(role)
    status = action.request(client_for(actor), world)
    if role in action.allowed:
        assert status == 302, f"{role} should be allowed to {action.name}"
        assert action.happened(world), f"{action.name} by {role} had no effect"
        return
    if role == "anonymous":
        expected = 302
    elif role in action.form_error:
        expected = 200
    elif role in action.hidden:
        expected = 404
    else:
        expected = 403
    assert status == expected, f"{role} should not be allowed to {action.name}"
    assert not action.happened(world), f"{action.name} by {role} took effect"


@pytest.mark.parametrize("role", ROLES)
def test_only_staff_see_the_proposal_queue(world: World, role: str) -> None:
    _propose(world.admin, world.organization, "Wartet")
    response = client_for(world.actor(role)).get("/events/proposals/")
    if role == "staff":
        assert response.status_code == 200
        assert "Wartet" in response.content.decode()
    elif role == "anonymous":
        assert response.status_code == 302
    else:
        assert response.status_code == 403


def test_proposal_queue_needs_few_queries_for_many_proposals(
    staff: User, django_assert_max_num_queries: Any
) -> None:
    for number in range(15):
        admin = MembershipFactory(role="admin")
        _propose(admin.user, admin.organization, f"Vorschlag {number}")
    client = client_for(staff)
    with django_assert_max_num_queries(12):
        response = client.get("/events/proposals/")
    assert response.content.decode().count("Publish “Vorschlag") == 15


def test_proposal_queue_snippet_renders_the_queue(
    organization: Organization, org_admin: User
) -> None:
    from django.template.loader import render_to_string

    _propose(org_admin, organization, "Für das Dashboard")
    html = render_to_string(
        "events/_proposal_queue.html",
        {"proposal_queue": selectors.event_proposal_queue()},
    )
    assert "Für das Dashboard" in html
    assert "/events/proposals/" in html
