"""Decision letters from templates, in the applicant's language, one or many."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.exceptions import ValidationError

from allmende.accounts.models import User
from allmende.notifications.models import Notification, NotificationSetting
from allmende.programmes import decision_services, services
from allmende.programmes.models import Application, Call, DecisionTemplate
from allmende.programmes.models.reviews import Review
from tests.conftest import client_for
from tests.organizations.factories import MembershipFactory
from tests.programmes.conftest import GOOD_ANSWERS
from tests.programmes.factories import in_review

pytestmark = pytest.mark.django_db

LETTER_DE = (
    "Liebe {applicant}, {organization} wird im Programm {call} gefördert.\n{comments}"
)
LETTER_EN = "Dear {applicant}, {organization} is funded in {call}.\n{comments}"


def _template(call: Call, staff: User, outcome: str = "accepted") -> DecisionTemplate:
    return decision_services.decision_template_add(
        actor=staff,
        call=call,
        data={
            "outcome": outcome,
            "name": f"Standard {outcome}",
            "body_de": LETTER_DE,
            "body_en": LETTER_EN,
        },
    )


def _ready(application: Application, staff: User) -> Application:
    # Letters go out in the applicant's language.
    User.objects.filter(pk=application.applicant_id).update(language="de")
    in_review(application, staff, GOOD_ANSWERS)
    services.application_transition(
        actor=staff, application=application, target="ready_for_decision"
    )
    application.refresh_from_db()
    return application


def _more_ready(call: Call, staff: User, count: int) -> list[Application]:
    made = []
    for _ in range(count):
        membership = MembershipFactory()
        made.append(
            _ready(
                services.application_start(
                    actor=membership.user,
                    call=call,
                    organization=membership.organization,
                ),
                staff,
            )
        )
    return made


def test_a_template_names_only_known_placeholders(call: Call, staff: User) -> None:
    with pytest.raises(ValidationError, match="Unknown placeholder"):
        decision_services.decision_template_add(
            actor=staff,
            call=call,
            data={
                "outcome": "accepted",
                "name": "Kaputt",
                "body_de": "Hallo {vorname}",
                "body_en": "",
            },
        )
    response = client_for(staff).post(
        f"/calls/{call.slug}/decisions/templates/",
        {
            "outcome": "rejected",
            "name": "Offen",
            "body_de": "Hallo {call",
            "body_en": "",
        },
    )
    assert response.status_code == 400
    assert not DecisionTemplate.objects.exists()


def test_the_letter_is_in_the_applicants_language_with_review_comments(
    application: Application, staff: User, organization: Any
) -> None:
    template = _template(application.call, staff)
    application = _ready(application, staff)
    reviewer = MembershipFactory().user
    Review.objects.create(
        application=application,
        reviewer=reviewer,
        state="submitted",
        submitted_at=application.submitted_at,
        comment_applicant="Bitte den Datenschutz beachten.",
    )
    applicant = application.applicant
    applicant.language = "en"
    applicant.save()
    letter = decision_services.decision_letter(template, application)
    assert letter.startswith("Dear ")
    assert organization.name in letter
    assert application.call.title_en in letter
    assert "Bitte den Datenschutz beachten." in letter
    applicant.language = "de"
    applicant.save()
    assert decision_services.decision_letter(template, application).startswith("Liebe ")


def test_staff_preview_then_send_a_letter_and_the_notification_is_mandatory(
    application: Application,
    staff: User,
    django_capture_on_commit_callbacks: Any,
) -> None:
    template = _template(application.call, staff)
    application = _ready(application, staff)
    NotificationSetting.objects.create(
        user=application.applicant, type="programmes.application_decided", channel="off"
    )
    client = client_for(staff)
    url = f"/calls/applications/{application.pk}/move/"
    data = {
        "target": "decision",
        "state": "ready_for_decision",
        "decision": "accepted",
        "template": str(template.pk),
        "message": "",
    }
    preview = client.post(url, data | {"preview": "1"})
    assert preview.status_code == 200
    assert "wird im Programm" in preview.content.decode()
    application.refresh_from_db()
    assert application.state == "ready_for_decision"
    wrong = client.post(url, data | {"decision": "rejected"})
    assert wrong.status_code == 400
    with django_capture_on_commit_callbacks(execute=True):
        sent = client.post(url, data)
    assert sent.status_code == 302
    application.refresh_from_db()
    assert application.state == "accepted"
    assert application.decision_message.startswith("Liebe ")
    note = Notification.objects.get(
        recipient=application.applicant, type="programmes.application_decided"
    )
    # Switched off by the person, yet sent, and by e-mail.
    assert note.channel == "immediate"


def test_batch_decision_confirms_first_and_reports_what_moved_meanwhile(
    call: Call, staff: User, django_capture_on_commit_callbacks: Any
) -> None:
    template = _template(call, staff, "rejected")
    applications = _more_ready(call, staff, 3)
    client = client_for(staff)
    url = f"/calls/{call.slug}/decide/"
    assert client.get(url).status_code == 200
    choose = {
        "applications": [str(a.pk) for a in applications],
        "template": str(template.pk),
    }
    confirm = client.post(url, choose)
    assert confirm.status_code == 200
    body = confirm.content.decode()
    assert body.count("wird im Programm") == 3
    assert 'name="confirm"' in body
    assert Application.objects.filter(state="rejected").count() == 0
    # Someone asks one applicant a question before the confirmation.
    services.application_transition(
        actor=staff,
        application=applications[0],
        target="more_information",
        question="Noch eine Frage",
        reopened_fields=["title"],
    )
    data = choose | {
        "confirm": "1",
        **{f"state-{a.pk}": "ready_for_decision" for a in applications},
    }
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url, data, follow=True)
    states = {a.pk: a.state for a in Application.objects.filter(call=call)}
    assert states[applications[0].pk] == "more_information"
    assert states[applications[1].pk] == states[applications[2].pk] == "rejected"
    page = response.content.decode()
    assert f"no. {applications[0].pk}" in page or f"Nr. {applications[0].pk}" in page
    assert (
        Notification.objects.filter(type="programmes.application_decided").count() == 2
    )


def test_batch_without_a_choice_gets_a_message(call: Call, staff: User) -> None:
    _template(call, staff)
    _more_ready(call, staff, 1)
    response = client_for(staff).post(f"/calls/{call.slug}/decide/", {})
    assert response.status_code == 400
    assert 'class="error' in response.content.decode()
