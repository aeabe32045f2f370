"""Who hears about verification and accepted invitations, and in which words."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from typing import Any

import pytest
from django.utils import translation

from allmende.accounts.models import User
from allmende.notifications.models import Notification
from allmende.notifications.registry import Channel
from allmende.organizations import services
from allmende.organizations.models import Organization
from tests.accounts.factories import StaffFactory, UserFactory
from tests.organizations.factories import MembershipFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def committed(
    django_capture_on_commit_callbacks: Any,
) -> Callable[[], AbstractContextManager[None]]:
    """Run the block's after-commit work (the notifications) at its end."""

    @contextmanager
    def block() -> Iterator[None]:
        with django_capture_on_commit_callbacks(execute=True):
            yield

    return block


def _in(notification: Notification, language: str) -> str:
    with translation.override(language):
        return notification.message


def test_a_verification_request_reaches_the_staff_but_not_the_asker(
    committed: Any, organization: Organization, org_admin: User, staff: User
) -> None:
    asking_staff = StaffFactory()
    MembershipFactory(organization=organization, user=asking_staff, role="admin")
    UserFactory()  # not staff: not told
    with committed():
        services.verification_request(organization=organization, actor=asking_staff)
    [request] = Notification.objects.all()
    assert request.recipient == staff
    assert request.type == "organizations.verification_requested"
    assert request.actor == asking_staff
    assert request.channel == Channel.IMMEDIATE
    assert request.url == "/organizations/-/verification/"
    assert request.object_id == organization.pk
    assert _in(request, "en") == f"{organization.name} asks to be verified."
    assert _in(request, "de") == f"{organization.name} möchte verifiziert werden."


def test_the_decision_reaches_every_administrator_but_no_member(
    committed: Any,
    organization: Organization,
    org_admin: User,
    org_member: User,
    staff: User,
) -> None:
    second_admin = UserFactory()
    MembershipFactory(organization=organization, user=second_admin, role="admin")
    request = services.verification_request(organization=organization, actor=org_admin)
    Notification.objects.all().delete()
    with committed():
        services.verification_decide(
            request=request, verified=False, reason="Impressum fehlt.", actor=staff
        )
    told = Notification.objects.order_by("recipient_id")
    assert [n.recipient for n in told] == [org_admin, second_admin]
    declined = told[0]
    assert declined.type == "organizations.verification_declined"
    assert declined.actor == staff
    assert declined.url == organization.get_absolute_url()
    assert _in(declined, "en") == (
        f"The verification of {organization.name} was declined: Impressum fehlt."
    )
    assert _in(declined, "de") == (
        f"Die Verifizierung von {organization.name} wurde abgelehnt: Impressum fehlt."
    )

    request = services.verification_request(organization=organization, actor=org_admin)
    Notification.objects.all().delete()
    with committed():
        services.verification_decide(
            request=request, verified=True, reason="", actor=staff
        )
    verified = Notification.objects.filter(recipient=org_admin).get()
    assert verified.type == "organizations.verified"
    assert _in(verified, "de") == f"{organization.name} wurde verifiziert."
    assert not Notification.objects.filter(recipient=org_member).exists()


def test_verifying_without_a_request_tells_the_administrators(
    committed: Any, organization: Organization, org_admin: User, staff: User
) -> None:
    with committed():
        services.organization_set_verified(
            actor=staff, organization=organization, verified=True
        )
    [verified] = Notification.objects.all()
    assert (verified.recipient, verified.type) == (org_admin, "organizations.verified")


def test_an_accepted_invitation_tells_the_person_who_invited(
    committed: Any, organization: Organization, org_admin: User
) -> None:
    other_admin = UserFactory()
    MembershipFactory(organization=organization, user=other_admin, role="admin")
    _invitation, token = services.invitation_create(
        actor=org_admin,
        organization=organization,
        email="ada@example.org",
        role="member",
    )
    ada = UserFactory(email="ada@example.org", display_name="Ada Lovelace")
    with committed():
        services.invitation_accept(actor=ada, token=token)
    [accepted] = Notification.objects.all()
    assert accepted.recipient == org_admin, "not the other admins, not Ada"
    assert accepted.type == "organizations.invitation_accepted"
    assert accepted.actor == ada
    assert accepted.channel == Channel.APP
    assert _in(accepted, "en") == (
        f"Ada Lovelace has accepted your invitation and joined {organization.name}."
    )
    assert _in(accepted, "de") == (
        f"Ada Lovelace hat Ihre Einladung angenommen und ist {organization.name} "
        "beigetreten."
    )
    Notification.objects.all().delete()
    with committed():
        services.invitation_accept(actor=ada, token=token)  # a second click
    assert not Notification.objects.exists()
