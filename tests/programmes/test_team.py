"""Co-applicants: invitations, their roles, and two editors at one answer."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from allmende.accounts.models import User
from allmende.notifications.models import Notification
from allmende.organizations.models import Organization
from allmende.programmes import services
from allmende.programmes.models import Application, CoApplicant
from tests.conftest import client_for
from tests.organizations.factories import MembershipFactory, OrganizationFactory

pytestmark = pytest.mark.django_db


def _colleague(organization: Organization) -> User:
    return MembershipFactory(organization=organization).user


def _join(application: Application, person: User, role: str) -> CoApplicant:
    place = services.co_applicant_invite(
        actor=application.applicant,
        application=application,
        email=person.email,
        role=role,
    )
    return services.co_applicant_answer(actor=person, place=place, accept=True)


def test_applicant_invites_a_colleague_who_is_notified_and_accepts(
    application: Application,
    organization: Organization,
    django_capture_on_commit_callbacks: Any,
) -> None:
    colleague = _colleague(organization)
    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(application.applicant).post(
            f"/calls/applications/{application.pk}/team/",
            {"email": colleague.email.upper(), "role": "edit"},
        )
    assert response.status_code == 302
    place = CoApplicant.objects.get(application=application)
    assert place.user == colleague and place.role == "edit"
    note = Notification.objects.get(
        recipient=colleague, type="programmes.co_applicant_invited"
    )
    assert note.url == f"/calls/invitations/{place.pk}/"
    # Not in the application before accepting.
    client = client_for(colleague)
    assert client.get(application.get_absolute_url()).status_code == 404
    page = client.get(note.url)
    assert page.status_code == 200
    assert client.post(note.url, {"answer": "accept"}).status_code == 302
    assert client.get(application.get_absolute_url()).status_code == 200
    assert client.get("/calls/my/").content.decode().count(application.call.title)


def test_only_members_and_where_allowed_partners_can_be_invited(
    application: Application,
) -> None:
    outsider = MembershipFactory(organization=OrganizationFactory()).user
    with pytest.raises(ValidationError, match="Only members"):
        services.co_applicant_invite(
            actor=application.applicant,
            application=application,
            email=outsider.email,
            role="read",
        )
    application.call.partners_allowed = True
    application.call.save()
    place = services.co_applicant_invite(
        actor=application.applicant,
        application=application,
        email=outsider.email,
        role="read",
    )
    assert place.organization == outsider.memberships.get().organization
    with pytest.raises(ValidationError, match="already invited"):
        services.co_applicant_invite(
            actor=application.applicant,
            application=application,
            email=outsider.email,
            role="edit",
        )
    with pytest.raises(ValidationError, match="Nobody is registered"):
        services.co_applicant_invite(
            actor=application.applicant,
            application=application,
            email="nobody@example.org",
            role="read",
        )


def test_an_expired_invitation_cannot_be_accepted_but_can_be_renewed(
    application: Application, organization: Organization
) -> None:
    colleague = _colleague(organization)
    place = services.co_applicant_invite(
        actor=application.applicant,
        application=application,
        email=colleague.email,
        role="read",
    )
    later = timezone.now() + timedelta(days=15)
    with pytest.raises(ValidationError, match="expired"):
        services.co_applicant_answer(
            actor=colleague, place=place, accept=True, now=later
        )
    renewed = services.co_applicant_invite(
        actor=application.applicant,
        application=application,
        email=colleague.email,
        role="read",
        now=later,
    )
    assert renewed.pk != place.pk
    place.refresh_from_db()
    assert place.revoked_at is not None


@pytest.mark.parametrize(
    ("role", "can_comment", "can_edit"),
    [("read", False, False), ("comment", True, False), ("edit", True, True)],
)
def test_each_role_allows_what_it_names(
    application: Application,
    organization: Organization,
    role: str,
    can_comment: bool,
    can_edit: bool,
) -> None:
    person = _colleague(organization)
    _join(application, person, role)
    client = client_for(person)
    base = f"/calls/applications/{application.pk}"
    page = client.get(application.get_absolute_url())
    assert page.status_code == 200
    # Only the applicant withdraws: no button for anyone else.
    assert "/withdraw/" not in page.content.decode()
    comment = client.post(f"{base}/comment/", {"text": "Gute Idee"})
    assert comment.status_code == (302 if can_comment else 403)
    assert application.comments.exists() is can_comment
    save = client.post(f"{base}/save/", {"title": "Von mir"})
    assert save.status_code == (302 if can_edit else 403)
    application.refresh_from_db()
    assert (application.answers.get("title") == "Von mir") is can_edit
    # Nobody but the applicant manages the team or withdraws.
    invite = client.post(f"{base}/team/", {"email": "x@example.org", "role": "read"})
    assert invite.status_code == 403


def test_a_co_applicant_who_leaves_the_organization_loses_access(
    application: Application, organization: Organization
) -> None:
    person = _colleague(organization)
    _join(application, person, "edit")
    person.memberships.all().delete()
    assert client_for(person).get(application.get_absolute_url()).status_code == 404


def test_two_editors_at_one_answer_see_a_conflict_with_both_versions(
    application: Application, organization: Organization
) -> None:
    editor = _colleague(organization)
    _join(application, editor, "edit")
    url = f"/calls/applications/{application.pk}/save/"
    # Both pages read the answer when it had been saved 0 times.
    first = client_for(application.applicant).post(
        url, {"title": "Erste Fassung", "stamp-title": "0"}, HTTP_HX_REQUEST="true"
    )
    assert first.status_code == 200
    assert 'id="stamp-title" value="1" hx-swap-oob="true"' in first.content.decode()
    second = client_for(editor).post(
        url, {"title": "Zweite Fassung", "stamp-title": "0"}, HTTP_HX_REQUEST="true"
    )
    body = second.content.decode()
    assert "Erste Fassung" in body and "Zweite Fassung" in body
    # The page keeps its old count, so typing on does not overwrite either.
    assert 'id="stamp-title"' not in body
    application.refresh_from_db()
    assert application.answers["title"] == "Erste Fassung"
    # After a reload (the current count), the editor's change is saved.
    client_for(editor).post(
        url, {"title": "Zusammen", "stamp-title": "1"}, HTTP_HX_REQUEST="true"
    )
    application.refresh_from_db()
    assert application.answers["title"] == "Zusammen"
    assert application.answer_stamps["title"] == 2


def test_applicant_removes_a_co_applicant(
    application: Application, organization: Organization
) -> None:
    person = _colleague(organization)
    place = _join(application, person, "read")
    response = client_for(application.applicant).post(
        f"/calls/applications/{application.pk}/team/{place.pk}/remove/"
    )
    assert response.status_code == 302
    assert client_for(person).get(application.get_absolute_url()).status_code == 404
