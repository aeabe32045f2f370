"""Experience reports: drafted by members, published by the organization's
administrators, taken down by staff, voted helpful once per person."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction

from allmende.core.search import site_search
from allmende.knowledge import selectors
from allmende.knowledge.models import Report, ReportState, ReportVote, ToolUse
from allmende.knowledge.services import reports as services
from allmende.notifications.models import Notification
from allmende.organizations.models import Membership
from tests.accounts.factories import StaffFactory, UserFactory
from tests.conftest import client_for
from tests.knowledge.factories import make_report, make_tool, report_data
from tests.organizations.factories import MembershipFactory

pytestmark = pytest.mark.django_db


def test_a_member_drafts_and_only_an_admin_publishes() -> None:
    member = MembershipFactory()
    report = services.report_create(
        actor=member.user,
        organization=member.organization,
        data=report_data(),
        tools=[make_tool()],
    )
    assert report.state == ReportState.DRAFT
    with pytest.raises(PermissionDenied):
        services.report_transition(
            actor=member.user, report=report, target=ReportState.PUBLISHED
        )
    admin = MembershipFactory(
        organization=member.organization, role=Membership.Role.ADMIN
    )
    report = services.report_transition(
        actor=admin.user, report=report, target=ReportState.PUBLISHED
    )
    assert report.state == ReportState.PUBLISHED
    assert report.published_at is not None
    assert list(selectors.published_reports()) == [report]


def test_a_draft_is_seen_only_by_its_organization_and_staff() -> None:
    report = make_report()
    member = MembershipFactory(organization=report.organization).user
    assert client_for(None).get(report.get_absolute_url()).status_code == 404
    assert client_for(UserFactory()).get(report.get_absolute_url()).status_code == 404
    assert client_for(member).get(report.get_absolute_url()).status_code == 200
    assert client_for(StaffFactory()).get(report.get_absolute_url()).status_code == 200


def test_staff_take_a_report_down_with_a_reason_and_admins_are_told(
    django_capture_on_commit_callbacks: Any,
) -> None:
    report = make_report(published=True)
    staff = StaffFactory()
    with pytest.raises(ValidationError):
        services.report_transition(
            actor=staff, report=report, target=ReportState.UNPUBLISHED
        )
    with django_capture_on_commit_callbacks(execute=True):
        report = services.report_transition(
            actor=staff,
            report=report,
            target=ReportState.UNPUBLISHED,
            reason="Enthält Namen von Kindern.",
        )
    assert report.state == ReportState.UNPUBLISHED
    admins = report.organization.memberships.filter(role=Membership.Role.ADMIN)
    assert Notification.objects.filter(
        recipient=admins.get().user, type="knowledge.report_taken_down"
    ).exists()
    assert not selectors.published_reports().exists()


def test_a_published_report_cannot_be_edited_until_it_is_a_draft_again() -> None:
    report = make_report(published=True)
    member = MembershipFactory(organization=report.organization).user
    with pytest.raises(PermissionDenied):
        services.report_update(
            actor=member, report=report, data=report_data(title="Neu"), tools=[]
        )


def test_one_helpful_vote_per_person_and_the_most_helpful_first() -> None:
    first = make_report(published=True, title="Erster Bericht")
    second = make_report(published=True, title="Zweiter Bericht")
    reader, other = UserFactory(), UserFactory()
    assert services.report_vote(actor=reader, report=second)
    assert not services.report_vote(actor=reader, report=second)
    assert services.report_vote(actor=other, report=second)
    second.refresh_from_db()
    assert second.helpful_count == 2 == ReportVote.objects.filter(report=second).count()
    ordered = list(selectors.report_list(filters=selectors.ReportFilters()))
    assert ordered == [second, first]
    with pytest.raises(IntegrityError), transaction.atomic():
        ReportVote.objects.create(report=second, user=reader)


def test_a_draft_cannot_be_voted_for() -> None:
    report = make_report()
    with pytest.raises(PermissionDenied):
        services.report_vote(actor=UserFactory(), report=report)


def test_the_tool_page_lists_reports_and_organizations_using_it() -> None:
    tool = make_tool()
    published = make_report(published=True, tools=[tool], title="Gute Erfahrung")
    make_report(tools=[tool], title="Noch ein Entwurf")
    admin = MembershipFactory(role=Membership.Role.ADMIN)
    services.tool_use_set(
        actor=admin.user, organization=admin.organization, tool=tool, used=True
    )
    page = client_for(None).get(tool.get_absolute_url()).content.decode()
    assert "Gute Erfahrung" in page
    assert "Noch ein Entwurf" not in page
    assert published.organization.name in page
    assert admin.organization.name in page
    using = selectors.organizations_using(tool=tool)
    assert set(using) == {published.organization, admin.organization}


def test_a_member_who_is_not_admin_cannot_mark_a_tool_as_used() -> None:
    tool = make_tool()
    member = MembershipFactory()
    with pytest.raises(PermissionDenied):
        services.tool_use_set(
            actor=member.user, organization=member.organization, tool=tool, used=True
        )
    response = client_for(member.user).post(
        f"/tools/{tool.slug}/use/",
        {"organization": member.organization.pk, "used": "1"},
    )
    assert response.status_code == 403
    assert not ToolUse.objects.exists()


def test_a_broken_organization_number_is_not_found() -> None:
    tool = make_tool()
    response = client_for(UserFactory()).post(
        f"/tools/{tool.slug}/use/", {"organization": "abc", "used": "1"}
    )
    assert response.status_code == 404


def test_markdown_with_a_script_is_rendered_harmless() -> None:
    report = make_report(
        published=True, tips="<script>alert(1)</script> [x](javascript:alert(2))"
    )
    page = client_for(None).get(report.get_absolute_url()).content.decode()
    assert "<script>alert(1)" not in page
    assert "javascript:alert" not in page


def test_published_reports_are_found_by_the_site_search_and_drafts_are_not() -> None:
    make_report(published=True, title="Videokonferenz im Sportverein")
    make_report(title="Videokonferenz im Entwurf")
    found = site_search(query="Videokonferenz", viewer=AnonymousUser())
    titles = [str(hit.title) for hit in found[0:10]]
    assert any("Sportverein" in title for title in titles)
    assert not any("Entwurf" in title for title in titles)


def test_the_start_page_shows_new_reports() -> None:
    make_report(published=True, title="Newsletter mit Listmonk")
    page = client_for(None).get("/").content.decode()
    assert "Newsletter mit Listmonk" in page


def test_the_list_page_and_forms_answer_in_both_languages() -> None:
    make_report(published=True, title="Bericht eins")
    member = MembershipFactory().user
    client = client_for(member)
    assert "Bericht eins" in client.get("/reports/").content.decode()
    assert client.get("/reports/?tool=nope&sort=zzz").status_code == 200
    page = client.get("/reports/new/", HTTP_ACCEPT_LANGUAGE="de").content.decode()
    assert "Bericht schreiben" in page
    page = client.get("/reports/new/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Write a report" in page


def test_a_member_writes_a_report_through_the_form() -> None:
    member = MembershipFactory()
    tool = make_tool()
    response = client_for(member.user).post(
        "/reports/new/",
        {
            "organization": member.organization.pk,
            "title": "Unser Weg zu Nextcloud",
            "language": "de",
            "summary": "Kurz gesagt: es lohnt sich.",
            "tools": [tool.pk],
            "submission_key": "2f0a3e1e-8d5e-4a57-9a43-4f1f1d2c9b10",
        },
    )
    assert response.status_code == 302
    report = Report.objects.get()
    assert list(report.tools.all()) == [tool]
    assert report.author == member.user
