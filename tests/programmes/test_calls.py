from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import timezone

from allmende.accounts.models import User
from allmende.core.models import AuditLogEntry
from allmende.organizations.models import Organization
from allmende.programmes import services
from allmende.programmes.models import (
    Call,
    CallState,
    FieldKind,
    FormField,
    FormVersion,
)
from allmende.programmes.models.calls import CALL_TRANSITIONS
from allmende.programmes.rules import may_apply
from tests.conftest import client_for
from tests.programmes.factories import CallFactory, add_field

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n1 0 obj << >> endobj\ntrailer << >>\n%%EOF\n"


def _form(title: str = "Datenlabor 2027", **extra: Any) -> dict[str, Any]:
    return {
        "title_de": title,
        "title_en": "Data lab 2027",
        "description_de": "Wir fördern **Datenprojekte**.",
        "description_en": "We fund data projects.",
        "eligibility": "verified",
        "legal_forms": ["ev"],
        "regions": ["SN", "TH"],
        "individuals_allowed": "",
        "opens_at": "2027-01-10T09:00",
        "closes_at": "2027-03-31T23:59",
        "budget": "50000",
        "expected_projects": "5",
        "contact_name": "Alex Beispiel",
        "contact_email": "alex@example.org",
        **extra,
    }


def test_staff_create_a_call_with_its_pdf_and_times_in_berlin(staff: User) -> None:
    response = client_for(staff).post(
        "/calls/new/",
        {**_form(), "attachment": SimpleUploadedFile("call.pdf", PDF)},
    )
    assert response.status_code == 302
    call = Call.objects.get()
    assert call.state == CallState.DRAFT
    assert call.closes_at == datetime(
        2027, 3, 31, 23, 59, tzinfo=ZoneInfo("Europe/Berlin")
    )
    assert call.legal_forms == ["ev"] and call.regions == ["SN", "TH"]
    assert call.attachment.name.endswith(".pdf")
    assert call.form_versions.get().number == 1
    assert AuditLogEntry.objects.filter(action="call.created").exists()
    download = client_for(staff).get(f"/calls/{call.slug}/call.pdf")
    assert download.status_code == 200
    assert b"".join(download.streaming_content).startswith(b"%PDF")  # type: ignore[attr-defined]


def test_an_attachment_that_is_not_a_pdf_is_refused(staff: User) -> None:
    response = client_for(staff).post(
        "/calls/new/",
        {**_form(), "attachment": SimpleUploadedFile("call.pdf", b"<html>no</html>")},
    )
    assert response.status_code == 400
    assert "This file is not a PDF." in response.content.decode()
    assert not Call.objects.exists()


def test_a_call_must_close_after_it_opens(staff: User) -> None:
    response = client_for(staff).post(
        "/calls/new/", _form(closes_at="2027-01-01T09:00")
    )
    assert response.status_code == 400
    assert "The call must close after it opens." in response.content.decode()


def test_call_state_machine_follows_its_table(staff: User) -> None:
    call = CallFactory(state=CallState.DRAFT)
    with pytest.raises(ValidationError):
        # No question yet: nothing to publish.
        services.call_transition(actor=staff, call=call, target="published")
    add_field(call, "title")
    services.call_transition(actor=staff, call=call, target="published")
    with pytest.raises(ValidationError):
        services.call_transition(actor=staff, call=call, target="archived")
    services.call_transition(actor=staff, call=call, target="closed")
    services.call_transition(actor=staff, call=call, target="archived")
    assert Call.objects.get(pk=call.pk).state == "archived"
    assert AuditLogEntry.objects.filter(action="call.state_changed").count() == 3
    for roles in CALL_TRANSITIONS.values():
        assert roles <= {"staff", "system"}


def test_a_call_with_applications_cannot_go_back_to_draft(
    staff: User, org_member: User, organization: Organization
) -> None:
    call = CallFactory()
    add_field(call, "title")
    services.application_start(actor=org_member, call=call, organization=organization)
    with pytest.raises(ValidationError) as caught:
        services.call_transition(actor=staff, call=call, target="draft")
    assert "already has applications" in caught.value.messages[0]
    assert Call.objects.get(pk=call.pk).state == CallState.PUBLISHED
    other = CallFactory()
    services.call_transition(actor=staff, call=other, target="draft")
    assert Call.objects.get(pk=other.pk).state == CallState.DRAFT


def test_publishing_needs_a_question_in_the_current_form_version(
    staff: User,
) -> None:
    call = CallFactory(state=CallState.DRAFT)
    add_field(call, "title")
    # The newest version, the one applicants would get, has only a heading.
    version = FormVersion.objects.create(call=call, number=2)
    FormField.objects.create(
        version=version,
        key="part",
        kind=FieldKind.HEADING,
        position=1,
        label_de="Teil",
    )
    with pytest.raises(ValidationError) as caught:
        services.call_transition(actor=staff, call=call, target="published")
    assert "at least one question" in caught.value.messages[0]
    assert Call.objects.get(pk=call.pk).state == CallState.DRAFT
    add_field(call, "summary")
    services.call_transition(actor=staff, call=call, target="published")
    assert Call.objects.get(pk=call.pk).state == CallState.PUBLISHED


def test_editing_logs_the_changed_fields_and_keeps_a_state_changed_meanwhile(
    staff: User,
) -> None:
    call = CallFactory(title_de="Alt")
    # The edit form's instance: loaded before, and changed as a form does.
    stale = Call.objects.get(pk=call.pk)
    services.call_transition(actor=staff, call=call, target="closed")
    stale.title_de = "Neu"
    data = {name: getattr(stale, name) for name in services.CallData.__annotations__}
    services.call_update(actor=staff, call=stale, data=data)  # type: ignore[arg-type]
    stored = Call.objects.get(pk=call.pk)
    assert stored.title_de == "Neu"
    assert stored.state == CallState.CLOSED
    entry = AuditLogEntry.objects.get(action="call.changed")
    assert entry.data == {"fields": ["title_de"]}


def test_the_edit_page_logs_what_changed(staff: User) -> None:
    call = CallFactory(title_de="Alt")
    response = client_for(staff).post(
        f"/calls/{call.slug}/edit/", _form("Neu", individuals_allowed="on")
    )
    assert response.status_code == 302
    fields = AuditLogEntry.objects.get(action="call.changed").data["fields"]
    assert "title_de" in fields and "individuals_allowed" in fields


def test_the_system_closes_calls_after_their_closing_time() -> None:
    due = CallFactory(closes_at=timezone.now() - timedelta(seconds=1))
    running = CallFactory()
    assert services.calls_close_due() == 1
    assert Call.objects.get(pk=due.pk).state == "closed"
    assert Call.objects.get(pk=running.pk).state == "published"
    # A second run finds nothing left to do.
    assert services.calls_close_due() == 0
    entry = AuditLogEntry.objects.get(action="call.state_changed")
    assert entry.actor is None and entry.data["role"] == "system"


def test_closing_is_a_periodic_job() -> None:
    from allmende.core import scheduler

    scheduler.autodiscover()
    assert "programmes.close_due_calls" in {job.name for job in scheduler.jobs()}


def test_list_shows_open_and_upcoming_first_then_past(client: Client) -> None:
    now = timezone.now()
    past = CallFactory(
        title_en="Past call",
        closes_at=now - timedelta(days=1),
        opens_at=now - timedelta(days=30),
        state="closed",
    )
    upcoming = CallFactory(
        title_en="Upcoming call",
        opens_at=now + timedelta(days=3),
        closes_at=now + timedelta(days=40),
    )
    open_call = CallFactory(title_en="Open call")
    CallFactory(title_en="Draft call", state="draft")
    body = client.get("/calls/").content.decode()
    assert "Draft call" not in body
    assert (
        body.index("Open call") < body.index("Upcoming call") < body.index("Past call")
    )
    only_past = client.get("/calls/?state=past").content.decode()
    assert "Past call" in only_past and "Open call" not in only_past
    only_open = client.get("/calls/?state=open").content.decode()
    assert "Open call" in only_open and "Upcoming call" not in only_open
    assert past and upcoming and open_call


def test_closing_time_is_shown_in_berlin_with_a_countdown_in_the_last_days(
    client: Client,
) -> None:
    closes = timezone.now() + timedelta(days=2, hours=3)
    call = CallFactory(closes_at=closes)
    body = client.get(call.get_absolute_url()).content.decode()
    berlin = closes.astimezone(ZoneInfo("Europe/Berlin"))
    assert f"{berlin:%H:%M}" in body
    assert "(German time)" in body
    assert "2\xa0days, 3\xa0hours left" in body or "2\xa0days, 2\xa0hours left" in body
    later = CallFactory(closes_at=timezone.now() + timedelta(days=20))
    assert "left</strong>" not in client.get(later.get_absolute_url()).content.decode()


def test_description_is_rendered_as_safe_markdown(client: Client) -> None:
    call = CallFactory(description_en="**Bold** <script>alert(1)</script>")
    body = client.get(call.get_absolute_url()).content.decode()
    assert "<strong>Bold</strong>" in body
    assert "<script>alert(1)</script>" not in body


def test_calls_are_found_by_the_site_search(staff: User) -> None:
    call = services.call_create(
        actor=staff,
        data={
            "title_de": "Feinstaubmessung",
            "title_en": "Particulate matter",
            "description_de": "Sensoren",
            "description_en": "",
            "eligibility": "any",
            "legal_forms": [],
            "regions": [],
            "individuals_allowed": False,
            "opens_at": timezone.now(),
            "closes_at": timezone.now() + timedelta(days=3),
            "budget": None,
            "expected_projects": None,
            "contact_name": "",
            "contact_email": "",
        },
    )
    add_field(call, "title")
    url = call.get_absolute_url()
    assert url not in Client().get("/search/?q=Feinstaub").content.decode()
    services.call_transition(actor=staff, call=call, target="published")
    assert url in Client().get("/search/?q=Feinstaub").content.decode()


def test_eligibility_by_verification_legal_form_and_region(
    organization: Organization, org_member: User
) -> None:
    call = CallFactory(eligibility="verified")
    assert not may_apply(org_member, call)
    Organization.objects.filter(pk=organization.pk).update(
        is_verified=True, verified_at=timezone.now()
    )
    assert may_apply(org_member, call)
    call.legal_forms = ["foundation"]
    assert not may_apply(org_member, call)
    call.legal_forms = ["ev"]
    call.regions = ["BY"]
    assert not may_apply(org_member, call)
    call.regions = ["SN"]
    assert may_apply(org_member, call)


def test_start_page_shows_open_calls_and_dashboard_my_applications(
    client: Client, org_member: User, organization: Organization
) -> None:
    call = CallFactory(title_en="Open data lab")
    add_field(call, "title")
    assert (
        "Open data lab" in client.get("/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    )
    services.application_start(actor=org_member, call=call, organization=organization)
    dashboard = client_for(org_member).get("/dashboard/").content.decode()
    assert "My applications" in dashboard and "Open data lab" in dashboard


def test_staff_queue_lists_submitted_applications(
    staff: User, org_member: User, organization: Organization
) -> None:
    call = CallFactory(title_en="Queue call")
    add_field(call, "title")
    application = services.application_start(
        actor=org_member, call=call, organization=organization
    )
    services.application_submit(actor=org_member, application=application)
    dashboard = client_for(staff).get("/dashboard/").content.decode()
    assert "Applications waiting for screening" in dashboard
    assert application.get_absolute_url() in dashboard


def test_form_editor_adds_moves_and_deletes_questions(staff: User) -> None:
    call = CallFactory()
    client = client_for(staff)
    for label in ("Erste", "Zweite"):
        response = client.post(
            f"/calls/{call.slug}/form/new/",
            {"kind": "long_text", "label_de": label, "label_en": "", "max_words": "50"},
        )
        assert response.status_code == 302
    response = client.post(
        f"/calls/{call.slug}/form/new/",
        {"kind": "single_choice", "label_de": "Wahl", "choices": "Nur eine"},
    )
    assert response.status_code == 400
    assert "at least two options" in response.content.decode()
    keys = list(FormField.objects.order_by("position").values_list("key", flat=True))
    client.post(f"/calls/{call.slug}/form/{keys[1]}/move/", {"direction": "up"})
    assert list(
        FormField.objects.order_by("position").values_list("key", flat=True)
    ) == [keys[1], keys[0]]
    client.post(f"/calls/{call.slug}/form/{keys[0]}/delete/")
    assert list(FormField.objects.values_list("key", flat=True)) == [keys[1]]
    editor = client.get(f"/calls/{call.slug}/form/").content.decode()
    assert "Zweite" in editor and "at most 50 words" in editor
