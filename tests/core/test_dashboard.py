"""The personal dashboard, the page after login."""

from __future__ import annotations

from datetime import timedelta

import pytest
from allauth.account.models import EmailAddress
from django.test import Client
from django.utils import timezone

from allmende.accounts.models import User
from allmende.events.models import EventStatus
from allmende.events.models.registrations import RegistrationState as S
from allmende.events.services import registrations as event_services
from allmende.organizations.models import Membership
from tests.accounts.factories import UserFactory
from tests.conftest import client_for
from tests.events.factories import EventFactory
from tests.organizations.factories import MembershipFactory, OrganizationFactory

pytestmark = pytest.mark.django_db


def test_dashboard_requires_login(client: Client) -> None:
    response = client.get("/dashboard/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_login_leads_to_the_dashboard(client: Client) -> None:
    user = UserFactory(username="ada")
    user.set_password("a long enough passphrase")
    user.save()
    response = client.post(
        "/accounts/login/", {"login": "ada", "password": "a long enough passphrase"}
    )
    assert response.status_code == 302
    assert response["Location"] == "/dashboard/"


def test_dashboard_lists_my_organizations_with_my_role(user: User) -> None:
    MembershipFactory(
        user=user,
        organization=OrganizationFactory(name="Flussretter", description_de="Text"),
        role=Membership.Role.ADMIN,
    )
    MembershipFactory(user=user, organization=OrganizationFactory(name="Tafel"))
    MembershipFactory(organization=OrganizationFactory(name="Fremder Verein"))
    html = client_for(user).get("/dashboard/").content.decode()
    assert "Flussretter" in html
    assert "your role: Administrator" in html
    assert "Tafel" in html
    assert "your role: Member" in html
    assert "Fremder Verein" not in html


def test_admin_is_asked_to_add_a_missing_description(user: User) -> None:
    organization = OrganizationFactory(name="Ohne Text", description_de="")
    MembershipFactory(user=user, organization=organization, role="admin")
    html = client_for(user).get("/dashboard/").content.decode()
    assert "The profile of Ohne Text is missing a description." in html
    assert f"/organizations/{organization.slug}/edit/" in html
    member = MembershipFactory(organization=organization).user
    assert b"missing a description" not in client_for(member).get("/dashboard/").content


def test_unconfirmed_address_is_asked_for_first(user: User) -> None:
    EmailAddress.objects.create(user=user, email="new@example.org", verified=False)
    html = client_for(user).get("/dashboard/").content.decode()
    assert "Confirm your e-mail address" in html
    assert "new@example.org" in html
    assert html.index("Confirm your e-mail address") < html.index("My organizations")


def test_dashboard_lists_my_upcoming_registrations(user: User) -> None:
    coming = EventFactory(title_en="Data cafe")
    event_services.registration_create(event=coming, actor=user)
    past = EventFactory(
        title_en="Old meetup",
        starts_at=timezone.now() - timedelta(days=3),
        ends_at=timezone.now() - timedelta(days=3, hours=-2),
    )
    past.registrations.create(
        user=user, email=user.email, name="x", state=S.CONFIRMED, nonce="n"
    )
    cancelled = EventFactory(title_en="Cancelled by me")
    cancelled.registrations.create(
        user=user, email=user.email, name="x", state=S.CANCELLED, nonce="n"
    )
    draft = EventFactory(title_en="Secret draft", status=EventStatus.DRAFT)
    draft.registrations.create(
        user=user, email=user.email, name="x", state=S.CONFIRMED, nonce="n"
    )
    html = client_for(user).get("/dashboard/").content.decode()
    assert "Data cafe" in html
    assert "Confirmed" in html
    for hidden in ("Old meetup", "Cancelled by me", "Secret draft"):
        assert hidden not in html


def test_dashboard_queries_do_not_grow_with_data(
    user: User, django_assert_max_num_queries: object
) -> None:
    client = client_for(user)

    def add(count: int) -> None:
        for _ in range(count):
            organization = OrganizationFactory(description_de="")
            MembershipFactory(user=user, organization=organization, role="admin")
            event = EventFactory(organization=organization)
            event_services.registration_create(event=event, actor=user)

    add(2)
    client.get("/dashboard/")
    # Session, person, groups and permissions, the bell, then a query or two
    # per module's section (knowledge, events, programmes: applications,
    # reviews, projects, mentorships; helpdesk: questions and whether the
    # person answers a category; campaigns; organizations), however much there
    # is to show.
    with django_assert_max_num_queries(21) as small:  # type: ignore[operator]
        client.get("/dashboard/")
    add(12)
    with django_assert_max_num_queries(len(small.captured_queries)):  # type: ignore[operator]
        response = client.get("/dashboard/")
    assert response.status_code == 200


def test_staff_see_the_verification_and_proposal_queues_first(
    staff: User, user: User, django_assert_max_num_queries: object
) -> None:
    from allmende.events.services import proposals as events_services
    from allmende.organizations import services as organization_services

    def ask_and_propose(name: str) -> None:
        organization = OrganizationFactory(name=name, description_de="Text")
        admin = UserFactory()
        MembershipFactory(user=admin, organization=organization, role="admin")
        organization_services.verification_request(
            organization=organization, actor=admin
        )
        start = timezone.now() + timedelta(days=5)
        events_services.event_propose(
            actor=admin,
            organization=organization,
            title_de=f"Vorschlag {name}",
            starts_at=start,
            ends_at=start + timedelta(hours=1),
            capacity=10,
        )

    ask_and_propose("Wartender Verein")
    staff_client, member_client = client_for(staff), client_for(user)
    with django_assert_max_num_queries(40) as few:  # type: ignore[operator]
        html = staff_client.get("/dashboard/").content.decode()
    assert "Organizations waiting for verification" in html
    assert "Wartender Verein" in html
    assert "Vorschlag Wartender Verein" in html
    # Urgent sections come before the person's own.
    assert html.index("Wartender Verein") < html.index("My organizations")

    for number in range(5):
        ask_and_propose(f"Verein {number}")
    with django_assert_max_num_queries(len(few.captured_queries)):  # type: ignore[operator]
        staff_client.get("/dashboard/")

    member_html = member_client.get("/dashboard/").content.decode()
    assert "Organizations waiting for verification" not in member_html
    assert "Wartender Verein" not in member_html


def test_demo_data_fills_the_staffs_queues(staff: User) -> None:
    from io import StringIO

    from django.core.management import call_command

    from allmende.legal.selectors import privacy_notice_version

    call_command("demo", stdout=StringIO())
    # The staff member has read the demo's privacy notice (else it comes first).
    staff.privacy_notice_version = privacy_notice_version()
    staff.save()
    html = client_for(staff).get("/dashboard/").content.decode()
    assert "Organizations waiting for verification" in html
    assert "Events proposed by organizations" in html
    assert "No organization is waiting for verification." not in html
    assert "No proposed event is waiting." not in html
