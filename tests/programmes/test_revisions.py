"""Each submission keeps its answers; staff and applicant see what changed."""

from __future__ import annotations

import pytest

from allmende.accounts.models import User
from allmende.programmes import services
from allmende.programmes.diff import ADDED, REMOVED, SAME, text_pieces
from allmende.programmes.models import Application
from tests.accounts.factories import UserFactory
from tests.conftest import client_for
from tests.programmes.conftest import GOOD_ANSWERS

pytestmark = pytest.mark.django_db


def test_text_pieces_mark_removed_and_added_words() -> None:
    pieces = text_pieces("Wir messen Feinstaub.", "Wir messen Stickoxid.")
    assert [(p.kind, p.text) for p in pieces] == [
        (SAME, "Wir messen "),
        (REMOVED, "Feinstaub."),
        (ADDED, "Stickoxid."),
    ]


def _resubmitted(application: Application, staff: User) -> Application:
    application.answers = dict(GOOD_ANSWERS)
    application.save()
    services.application_submit(actor=application.applicant, application=application)
    services.application_transition(
        actor=staff,
        application=application,
        target="more_information",
        question="Bitte genauer.",
        reopened_fields=["summary", "amount"],
    )
    client_for(application.applicant).post(
        f"/calls/applications/{application.pk}/save/",
        {
            "summary": "Wir messen Feinstaub und <b>Lärm</b> in Leipzig.",
            "amount": "15000",
            "title": "Nicht wieder geöffnet",
        },
    )
    application.refresh_from_db()
    services.application_submit(actor=application.applicant, application=application)
    return application


def test_resubmission_keeps_a_revision_per_submission(
    application: Application, staff: User
) -> None:
    application = _resubmitted(application, staff)
    revisions = list(application.revisions.order_by("number"))
    assert [r.number for r in revisions] == [1, 2]
    assert revisions[0].answers["amount"] == "12000"
    assert revisions[1].answers["amount"] == "15000.00"
    # A field that was not reopened did not change.
    assert revisions[1].answers["title"] == GOOD_ANSWERS["title"]


@pytest.mark.parametrize("who", ["staff", "applicant"])
def test_staff_and_applicant_see_the_changes_in_words_not_colour_alone(
    application: Application, staff: User, who: str
) -> None:
    application = _resubmitted(application, staff)
    reader = staff if who == "staff" else application.applicant
    response = client_for(reader).get(f"/calls/applications/{application.pk}/changes/")
    assert response.status_code == 200
    body = response.content.decode()
    assert "2 answers changed" in body or "2 Antworten geändert" in body
    assert '<span class="visually-hidden">[' in body
    assert "<ins>" in body and "<del>" in body
    # Answers are escaped, never rendered as HTML.
    assert "&lt;b&gt;Lärm&lt;/b&gt;" in body
    assert "15000.00" in body and "12000" in body


def test_others_cannot_see_the_changes_and_bad_choices_get_a_message(
    application: Application, staff: User
) -> None:
    application = _resubmitted(application, staff)
    url = f"/calls/applications/{application.pk}/changes/"
    assert client_for(UserFactory()).get(url).status_code == 404
    assert client_for(None).get(url).status_code == 302
    for query in ({"before": "2", "after": "1"}, {"before": "x", "after": "9"}):
        response = client_for(staff).get(url, query)
        assert response.status_code == 400
        assert 'class="error' in response.content.decode()


def test_a_single_submission_has_nothing_to_compare(
    application: Application,
) -> None:
    application.answers = dict(GOOD_ANSWERS)
    application.save()
    services.application_submit(actor=application.applicant, application=application)
    response = client_for(application.applicant).get(
        f"/calls/applications/{application.pk}/changes/"
    )
    assert response.status_code == 302
