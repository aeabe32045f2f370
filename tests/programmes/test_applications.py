from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from allmende.accounts.models import User
from allmende.core.models import AuditLogEntry
from allmende.notifications.models import Notification
from allmende.organizations.models import Organization
from allmende.programmes import services
from allmende.programmes.models import Application, ApplicationState, Call, FieldKind
from tests.conftest import client_for
from tests.programmes.conftest import GOOD_ANSWERS

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n1 0 obj << >> endobj\ntrailer << >>\n%%EOF\n"


def _save(user: User, application: Application, data: dict[str, Any]) -> Any:
    return client_for(user).post(
        f"/calls/applications/{application.pk}/save/", data, HTTP_HX_REQUEST="true"
    )


def _submit(user: User, application: Application, key: uuid.UUID | None = None) -> Any:
    return client_for(user).post(
        f"/calls/applications/{application.pk}/submit/",
        {"submission_key": str(key or uuid.uuid4())},
    )


def test_member_starts_an_application_once_even_when_clicking_twice(
    call: Call, org_member: User, organization: Organization
) -> None:
    client = client_for(org_member)
    data = {"submission_key": str(uuid.uuid4()), "organization": str(organization.pk)}
    first = client.post(f"/calls/{call.slug}/apply/", data)
    second = client.post(f"/calls/{call.slug}/apply/", data)
    application = Application.objects.get()
    assert first.status_code == second.status_code == 302
    assert first["Location"] == second["Location"] == application.get_absolute_url()
    assert application.state == ApplicationState.DRAFT
    assert application.form_version.number == 1


def test_autosave_keeps_answers_and_reports_errors_per_field(
    application: Application, org_member: User
) -> None:
    response = _save(
        org_member, application, {"title": "Luftdaten", "amount": "zwölf Euro"}
    )
    assert response.status_code == 200
    body = response.content.decode()
    assert 'id="errors-amount" hx-swap-oob="true"' in body
    assert "Please enter an amount in euros" in body
    # A heading holds no answer and has no message box to fill.
    assert 'id="errors-intro"' not in body
    application.refresh_from_db()
    # What was typed is kept, even what does not pass yet.
    assert application.answers["title"] == "Luftdaten"
    assert application.answers["amount"] == "zwölf Euro"


def test_draft_is_resumed_with_its_answers(
    application: Application, org_member: User
) -> None:
    _save(
        org_member,
        application,
        {"title": "Luftdaten", "budget-0-item": "Sensoren", "budget-0-amount": "500"},
    )
    page = client_for(org_member).get(application.get_absolute_url())
    assert page.status_code == 200
    body = page.content.decode()
    assert 'value="Luftdaten"' in body
    assert 'value="Sensoren"' in body
    assert application.__class__.objects.get().answers["budget"] == [
        {"item": "Sensoren", "amount": "500"}
    ]


def test_answer_longer_than_its_limit_is_kept_but_blocks_submission(
    application: Application, org_member: User
) -> None:
    too_long = " ".join(["Wort"] * 25)
    response = _save(org_member, application, {**GOOD_ANSWERS, "summary": too_long})
    assert "at most 20 words (it has 25)" in response.content.decode()
    response = _submit(org_member, application)
    assert response.status_code == 400
    assert "at most 20 words" in response.content.decode()
    application.refresh_from_db()
    assert application.state == ApplicationState.DRAFT
    assert application.answers["summary"] == too_long


def test_submission_checks_required_answers(
    application: Application, org_member: User
) -> None:
    response = _submit(org_member, application)
    assert response.status_code == 400
    assert "Please answer this question." in response.content.decode()
    application.refresh_from_db()
    assert application.state == ApplicationState.DRAFT


def test_submission_sends_the_receipt_and_makes_the_application_read_only(
    application: Application,
    org_member: User,
    django_capture_on_commit_callbacks: Any,
) -> None:
    _save(org_member, application, GOOD_ANSWERS)
    with django_capture_on_commit_callbacks(execute=True):
        response = _submit(org_member, application)
    assert response.status_code == 302
    application.refresh_from_db()
    assert application.state == ApplicationState.SUBMITTED
    assert application.submitted_at is not None
    notification = Notification.objects.get(recipient=org_member)
    assert notification.type == "programmes.application_received"
    assert AuditLogEntry.objects.filter(action="application.submitted").exists()
    # Read-only now: saving is refused and changes nothing.
    response = _save(org_member, application, {"title": "Anders"})
    assert response.status_code == 409
    application.refresh_from_db()
    assert application.answers["title"] == GOOD_ANSWERS["title"]
    page = client_for(org_member).get(application.get_absolute_url()).content.decode()
    assert 'id="application-form"' not in page
    assert "Received" in page


def test_receipt_is_a_mandatory_notification(
    application: Application, org_member: User, django_capture_on_commit_callbacks: Any
) -> None:
    _save(org_member, application, GOOD_ANSWERS)
    with django_capture_on_commit_callbacks(execute=True):
        _submit(org_member, application)
    # Mandatory: it goes out by e-mail whatever the person chose.
    from allmende.notifications import registry

    kind = registry.get("programmes.application_received")
    assert kind is not None and kind.mandatory


def test_double_submission_submits_once(
    application: Application, org_member: User
) -> None:
    _save(org_member, application, GOOD_ANSWERS)
    key = uuid.uuid4()
    first = _submit(org_member, application, key)
    second = _submit(org_member, application, key)
    assert first.status_code == second.status_code == 302
    assert second["Location"] == application.get_absolute_url()
    assert AuditLogEntry.objects.filter(action="application.submitted").count() == 1


def test_submission_one_second_late_is_refused_and_the_draft_kept(
    application: Application, org_member: User, call: Call
) -> None:
    _save(org_member, application, GOOD_ANSWERS)
    late = call.closes_at + timedelta(seconds=1)
    with pytest.raises(services.DeadlinePassed) as caught:
        services.application_submit(actor=org_member, application=application, now=late)
    assert "closed on" in caught.value.messages[0]
    application.refresh_from_db()
    assert application.state == ApplicationState.DRAFT
    assert application.answers["title"] == GOOD_ANSWERS["title"]


def test_deadline_passing_while_editing_keeps_what_was_typed(
    application: Application, org_member: User, call: Call
) -> None:
    _save(org_member, application, GOOD_ANSWERS)
    Call.objects.filter(pk=call.pk).update(
        closes_at=timezone.now() - timedelta(seconds=1),
        opens_at=timezone.now() - timedelta(days=30),
    )
    response = client_for(org_member).post(
        f"/calls/applications/{application.pk}/submit/",
        {
            **GOOD_ANSWERS,
            "title": "Letzte Änderung",
            "submission_key": str(uuid.uuid4()),
        },
        follow=True,
    )
    assert "Applications can no longer be submitted; your draft is kept." in (
        response.content.decode()
    )
    application.refresh_from_db()
    assert application.state == ApplicationState.DRAFT
    assert application.answers["title"] == "Letzte Änderung"


def test_html_in_answers_is_shown_as_text(
    application: Application, org_member: User, staff: User
) -> None:
    _save(
        org_member,
        application,
        {**GOOD_ANSWERS, "summary": '<script>alert("x")</script> <b>fett</b>'},
    )
    _submit(org_member, application)
    page = client_for(staff).get(application.get_absolute_url()).content.decode()
    assert '<script>alert("x")</script>' not in page
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in page
    assert "<b>fett</b>" not in page


def _upload(user: User, application: Application, name: str, content: bytes) -> Any:
    return client_for(user).post(
        f"/calls/applications/{application.pk}/upload/",
        {"upload": "plan", "plan": SimpleUploadedFile(name, content)},
    )


def test_pdf_upload_is_kept_under_a_name_the_platform_chose(
    application: Application, org_member: User
) -> None:
    response = _upload(org_member, application, "plan.pdf", PDF)
    assert response.status_code == 302
    application.refresh_from_db()
    stored = application.files.get()
    assert application.answers["plan"] == stored.pk
    assert stored.original_name == "plan.pdf"
    assert "plan" not in stored.file.name
    download = client_for(org_member).get(
        f"/calls/applications/{application.pk}/files/{stored.pk}/"
    )
    assert download.status_code == 200
    assert download["Content-Disposition"].startswith("attachment")
    assert download["X-Content-Type-Options"] == "nosniff"


def test_file_of_the_wrong_type_is_refused_with_the_allowed_types(
    application: Application, org_member: User
) -> None:
    response = _upload(org_member, application, "plan.pdf", b"<html><script></script>")
    assert response.status_code == 400
    assert "This type of file is not allowed here. Allowed: PDF." in (
        response.content.decode()
    )
    assert not application.files.exists()


def test_file_over_the_limit_is_refused_naming_the_limit(
    application: Application, org_member: User
) -> None:
    response = _upload(org_member, application, "plan.pdf", PDF + b"0" * (1024 * 1024))
    assert response.status_code == 400
    assert "This file is too large: at most 1.0\xa0MB are allowed." in (
        response.content.decode()
    )
    assert not application.files.exists()


def test_withdrawal_before_the_decision(
    application: Application, org_member: User
) -> None:
    _save(org_member, application, GOOD_ANSWERS)
    _submit(org_member, application)
    response = client_for(org_member).post(
        f"/calls/applications/{application.pk}/withdraw/"
    )
    assert response.status_code == 302
    application.refresh_from_db()
    assert application.state == ApplicationState.WITHDRAWN


def _submitted(application: Application, user: User) -> Application:
    _save(user, application, GOOD_ANSWERS)
    _submit(user, application)
    application.refresh_from_db()
    return application


def test_staff_ask_for_more_information_and_reopen_chosen_fields(
    application: Application,
    org_member: User,
    staff: User,
    django_capture_on_commit_callbacks: Any,
) -> None:
    _submitted(application, org_member)
    client = client_for(staff)
    client.post(
        f"/calls/applications/{application.pk}/move/",
        {"target": "screening", "state": "submitted"},
    )
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            f"/calls/applications/{application.pk}/move/",
            {
                "target": "more_information",
                "state": "screening",
                "question": "Wie viele Sensoren?",
                "reopen": ["summary"],
            },
        )
    assert response.status_code == 302
    application.refresh_from_db()
    assert application.state == ApplicationState.MORE_INFORMATION
    assert application.reopened_fields == ["summary"]
    assert Notification.objects.get(
        recipient=org_member, type="programmes.application_question"
    )
    # Only the reopened answer can be changed.
    _save(org_member, application, {"summary": "Zwanzig Sensoren.", "title": "Neu"})
    application.refresh_from_db()
    assert application.answers["summary"] == "Zwanzig Sensoren."
    assert application.answers["title"] == GOOD_ANSWERS["title"]
    page = client_for(org_member).get(application.get_absolute_url()).content.decode()
    assert "Question for you" in page
    assert "Wie viele Sensoren?" in page
    # Answering after the closing time is allowed: staff asked.
    _submit(org_member, application)
    application.refresh_from_db()
    assert application.state == ApplicationState.SUBMITTED
    assert application.reopened_fields == []


def test_staff_decide_with_a_message_and_the_applicant_is_told(
    application: Application,
    org_member: User,
    staff: User,
    django_capture_on_commit_callbacks: Any,
) -> None:
    _submitted(application, org_member)
    client = client_for(staff)
    for source, target in [
        ("submitted", "screening"),
        ("screening", "in_review"),
        ("in_review", "ready_for_decision"),
    ]:
        client.post(
            f"/calls/applications/{application.pk}/move/",
            {"target": target, "state": source},
        )
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            f"/calls/applications/{application.pk}/move/",
            {
                "target": "decision",
                "state": "ready_for_decision",
                "decision": "accepted",
                "message": "Herzlichen Glückwunsch!",
            },
        )
    application.refresh_from_db()
    assert application.state == ApplicationState.ACCEPTED
    assert application.decided_at is not None
    assert Notification.objects.get(
        recipient=org_member, type="programmes.application_decided"
    )
    page = client_for(org_member).get(application.get_absolute_url()).content.decode()
    assert "Approved" in page and "Herzlichen Glückwunsch!" in page
    # Decided: no withdrawal any more.
    response = client_for(org_member).post(
        f"/calls/applications/{application.pk}/withdraw/"
    )
    application.refresh_from_db()
    assert application.state == ApplicationState.ACCEPTED
    assert response.status_code == 302


def test_staff_acting_on_a_state_that_changed_meanwhile_get_a_message(
    application: Application, org_member: User, staff: User
) -> None:
    _submitted(application, org_member)
    services.application_transition(
        actor=staff, application=application, target="screening"
    )
    response = client_for(staff).post(
        f"/calls/applications/{application.pk}/move/",
        {"target": "screening", "state": "submitted"},
        follow=True,
    )
    assert "Someone else has changed this application meanwhile" in (
        response.content.decode()
    )


def test_every_transition_of_the_table_names_known_states_and_roles() -> None:
    from allmende.programmes.models.applications import TRANSITIONS

    states = {choice.value for choice in ApplicationState}
    for (source, target), roles in TRANSITIONS.items():
        assert source in states and target in states
        assert roles <= {"applicant", "staff", "system"}
    # The applicant can withdraw from every undecided state but the decided ones.
    withdrawable = {s for (s, t), r in TRANSITIONS.items() if t == "withdrawn"}
    assert withdrawable == states - {"accepted", "rejected", "withdrawn"}


def test_changing_a_form_in_use_creates_a_new_version(
    application: Application, staff: User, call: Call, org_admin: User
) -> None:
    services.form_field_update(
        actor=staff,
        call=call,
        key="title",
        data={
            "kind": FieldKind.SHORT_TEXT,
            "label_de": "Neuer Titel",
            "label_en": "New title",
            "help_de": "",
            "help_en": "",
            "required": True,
            "max_chars": 80,
            "max_words": None,
            "choices": [],
            "allowed_types": [],
            "max_bytes": None,
            "columns": [],
        },
    )
    assert call.form_versions.count() == 2
    application.refresh_from_db()
    assert application.form_version.number == 1
    assert application.form_version.fields.get(key="title").label_en == "Title"
    newest = services.form_current_version(call)
    assert newest.fields.get(key="title").label_en == "New title"
    assert newest.fields.count() == application.form_version.fields.count()
    # A second change goes into the new version: nobody started on it yet.
    services.form_field_delete(actor=staff, call=call, key="people")
    assert call.form_versions.count() == 2
    # The old application is still shown with its own questions.
    page = client_for(application.applicant).get(application.get_absolute_url())
    assert "People" in page.content.decode()


def test_in_screening_staff_can_only_reject(
    application: Application, org_member: User, staff: User
) -> None:
    _submitted(application, org_member)
    services.application_transition(
        actor=staff, application=application, target="screening"
    )
    client = client_for(staff)
    page = client.get(application.get_absolute_url()).content.decode()
    assert 'value="rejected"' in page and 'value="accepted"' not in page
    response = client.post(
        f"/calls/applications/{application.pk}/move/",
        {
            "target": "decision",
            "state": "screening",
            "decision": "accepted",
            "message": "Ja",
        },
    )
    assert response.status_code == 400
    application.refresh_from_db()
    assert application.state == ApplicationState.SCREENING


def test_the_pages_speak_german(
    application: Application, org_member: User, settings: Any
) -> None:
    settings.LANGUAGE_CODE = "de"
    client = client_for(org_member)
    listing = client.get("/calls/", HTTP_ACCEPT_LANGUAGE="de").content.decode()
    assert "Offene und kommende Ausschreibungen" in listing
    assert 'data-module="calls"' in listing and "Ausschreibungen</" in listing
    page = client.get(
        application.get_absolute_url(), HTTP_ACCEPT_LANGUAGE="de"
    ).content.decode()
    assert "Antrag einreichen" in page and "Entwurf" in page


def test_a_new_file_replaces_the_old_one(
    application: Application,
    org_member: User,
    django_capture_on_commit_callbacks: Any,
) -> None:
    _upload(org_member, application, "one.pdf", PDF)
    first = application.files.get()
    name = first.file.name
    storage = first.file.storage
    with django_capture_on_commit_callbacks(execute=True):
        _upload(org_member, application, "two.pdf", PDF)
    assert [f.original_name for f in application.files.all()] == ["two.pdf"]
    assert not storage.exists(name)


def test_a_person_applies_on_their_own_where_the_call_allows_it(user: User) -> None:
    from tests.programmes.factories import CallFactory

    call = CallFactory(individuals_allowed=True)
    client = client_for(user)
    page = client.get(call.get_absolute_url()).content.decode()
    assert "Myself, as a person" in page
    data = {"submission_key": str(uuid.uuid4()), "organization": ""}
    assert client.post(f"/calls/{call.slug}/apply/", data).status_code == 302
    application = Application.objects.get(applicant=user)
    assert application.organization is None
    again = {"submission_key": str(uuid.uuid4()), "organization": ""}
    response = client.post(f"/calls/{call.slug}/apply/", again, follow=True)
    assert "There is already an application to this call" in response.content.decode()
    assert Application.objects.filter(applicant=user).count() == 1


def test_a_person_who_left_the_organization_can_no_longer_change_its_application(
    application: Application, org_member: User, organization: Organization
) -> None:
    _save(org_member, application, GOOD_ANSWERS)
    organization.memberships.filter(user=org_member).delete()
    assert _save(org_member, application, {"title": "Anders"}).status_code == 403
    assert _submit(org_member, application).status_code == 403
    response = client_for(org_member).post(
        f"/calls/applications/{application.pk}/withdraw/"
    )
    assert response.status_code == 403
    application.refresh_from_db()
    assert application.state == ApplicationState.DRAFT
    assert application.answers["title"] == GOOD_ANSWERS["title"]


def test_submission_is_refused_when_the_organization_is_no_longer_eligible(
    application: Application, org_member: User, call: Call
) -> None:
    _save(org_member, application, GOOD_ANSWERS)
    call.regions = ["BY"]
    call.save(update_fields=["regions"])
    with pytest.raises(ValidationError) as caught:
        services.application_submit(actor=org_member, application=application)
    assert "no longer meets the conditions of this call" in caught.value.messages[0]
    application.refresh_from_db()
    assert application.state == ApplicationState.DRAFT


def test_notifications_name_the_call_in_the_readers_language(
    application: Application,
    org_member: User,
    staff: User,
    call: Call,
    django_capture_on_commit_callbacks: Any,
) -> None:
    from django.utils import translation

    call.title_de = "Datenlabor"
    call.title_en = "Data lab"
    call.save(update_fields=["title_de", "title_en"])
    _save(org_member, application, GOOD_ANSWERS)
    with django_capture_on_commit_callbacks(execute=True):
        services.application_submit(actor=org_member, application=application)
    with django_capture_on_commit_callbacks(execute=True):
        services.application_transition(
            actor=staff, application=application, target=ApplicationState.SCREENING
        )
    notifications = Notification.objects.filter(recipient=org_member)
    assert notifications.count() == 2
    for notification in notifications:
        with translation.override("de"):
            assert "Datenlabor" in notification.message, notification.type
        with translation.override("en"):
            assert "Data lab" in notification.message, notification.type
