"""Reviews: phases, criteria, assignment, conflicts, scores and their figures."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from allmende.accounts.models import User
from allmende.notifications.models import Notification
from allmende.organizations.models import Organization
from allmende.programmes import review_services, services
from allmende.programmes.models import (
    Application,
    Call,
    Review,
    ReviewCriterion,
    Reviewer,
    ReviewPhase,
    Score,
)
from allmende.programmes.review_selectors import score_matrix, weighted_average
from tests.accounts.factories import UserFactory
from tests.conftest import client_for
from tests.organizations.factories import MembershipFactory
from tests.programmes.conftest import GOOD_ANSWERS
from tests.programmes.factories import criteria, in_review

pytestmark = pytest.mark.django_db


def _reviewer(call: Call) -> User:
    person = UserFactory()
    Reviewer.objects.create(call=call, user=person)
    return person


def _applications(call: Call, staff: User, count: int) -> list[Application]:
    made = []
    for _ in range(count):
        membership = MembershipFactory()
        application = services.application_start(
            actor=membership.user, call=call, organization=membership.organization
        )
        made.append(in_review(application, staff, GOOD_ANSWERS))
    return made


def _post_review(reviewer: User, review: Review, data: dict[str, Any]) -> Any:
    return client_for(reviewer).post(f"/calls/reviews/{review.pk}/", data)


def _scores(
    found: list[ReviewCriterion], *values: str, submit: bool = True
) -> dict[str, str]:
    data = {f"score_{c.pk}": v for c, v in zip(found, values, strict=True)}
    data["recommendation"] = "yes"
    data["comment_staff"] = "Solide."
    if submit:
        data["submit"] = "1"
    return data


def test_the_database_allows_one_review_per_reviewer_and_scores_on_the_scale(
    application: Application, staff: User
) -> None:
    reviewer = _reviewer(application.call)
    review = Review.objects.create(application=application, reviewer=reviewer)
    with pytest.raises(IntegrityError), transaction.atomic():
        Review.objects.create(application=application, reviewer=reviewer)
    criterion = criteria(application.call)[0]
    with pytest.raises(IntegrityError), transaction.atomic():
        Score.objects.create(review=review, criterion=criterion, value=6)
    Score.objects.create(review=review, criterion=criterion, value=None)


def test_not_applicable_is_left_out_of_averages_never_counted_as_zero() -> None:
    assert weighted_average([(2, 4), (1, None)]) == Decimal("4.00")
    assert weighted_average([(2, 4), (1, 1)]) == Decimal("3.00")
    assert weighted_average([(1, None)]) is None


def test_staff_assign_a_reviewer_who_is_notified_without_the_applicant_name(
    application: Application,
    staff: User,
    organization: Organization,
    django_capture_on_commit_callbacks: Any,
) -> None:
    in_review(application, staff, GOOD_ANSWERS)
    reviewer = _reviewer(application.call)
    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(staff).post(
            f"/calls/applications/{application.pk}/reviews/",
            {"reviewer": str(reviewer.pk)},
        )
    assert response.status_code == 302
    assert Review.objects.filter(application=application, reviewer=reviewer).exists()
    note = Notification.objects.get(recipient=reviewer)
    assert note.type == "programmes.review_assigned"
    assert organization.name not in note.object_label
    assert note.url == "/calls/reviews/"


def test_a_member_of_the_applying_organization_cannot_be_assigned(
    application: Application, staff: User, organization: Organization
) -> None:
    in_review(application, staff, GOOD_ANSWERS)
    colleague = MembershipFactory(organization=organization).user
    Reviewer.objects.create(call=application.call, user=colleague)
    with pytest.raises(ValidationError, match="applying side"):
        review_services.review_assign(
            actor=staff, application=application, user=colleague
        )
    stranger = UserFactory()
    with pytest.raises(ValidationError, match="not a reviewer"):
        review_services.review_assign(
            actor=staff, application=application, user=stranger
        )


def test_automatic_assignment_balances_the_load_and_avoids_conflicts(
    call: Call, staff: User
) -> None:
    applications = _applications(call, staff, 6)
    reviewers = [_reviewer(call) for _ in range(5)]
    # One reviewer belongs to the first applicant's organization.
    MembershipFactory(user=reviewers[0], organization=applications[0].organization)
    made = review_services.reviews_assign_automatically(
        actor=staff, call=call, per_application=3
    )
    assert made == 18
    for application in applications:
        assert application.reviews.count() == 3
    assert not Review.objects.filter(
        application=applications[0], reviewer=reviewers[0]
    ).exists()
    loads = sorted(Review.objects.filter(reviewer=r).count() for r in reviewers)
    assert loads[-1] - loads[0] <= 1
    # Run again: nothing more to do.
    assert (
        review_services.reviews_assign_automatically(
            actor=staff, call=call, per_application=3
        )
        == 0
    )


def test_reviewer_declares_before_opening_and_a_declared_conflict_closes_it(
    application: Application, staff: User, organization: Organization
) -> None:
    in_review(application, staff, GOOD_ANSWERS)
    reviewer = _reviewer(application.call)
    review = review_services.review_assign(
        actor=staff, application=application, user=reviewer
    )
    client = client_for(reviewer)
    page = client.get(review.get_absolute_url()).content.decode()
    assert GOOD_ANSWERS["summary"] not in page
    assert "conflict of interest" in page.lower() or "Interessenkonflikt" in page
    missing_note = client.post(
        f"/calls/reviews/{review.pk}/declare/", {"conflict": "yes"}
    )
    assert missing_note.status_code == 400
    response = client.post(
        f"/calls/reviews/{review.pk}/declare/",
        {"conflict": "yes", "note": "Ich berate den Verein."},
    )
    assert response.status_code == 302
    review.refresh_from_db()
    assert review.state == "conflict"
    assert client.get(review.get_absolute_url()).status_code == 404


def test_the_conflict_rule_is_checked_on_every_access(
    application: Application, staff: User, organization: Organization
) -> None:
    in_review(application, staff, GOOD_ANSWERS)
    reviewer = _reviewer(application.call)
    review = review_services.review_assign(
        actor=staff, application=application, user=reviewer
    )
    review_services.review_declare(actor=reviewer, review=review, conflict=False)
    client = client_for(reviewer)
    assert client.get(review.get_absolute_url()).status_code == 200
    MembershipFactory(user=reviewer, organization=organization)
    assert client.get(review.get_absolute_url()).status_code == 404
    # Nor once the application has left the review states.
    Membership = organization.memberships.model
    Membership.objects.filter(user=reviewer).delete()
    Application.objects.filter(pk=application.pk).update(state="accepted")
    assert client.get(review.get_absolute_url()).status_code == 404


def test_submitting_needs_every_criterion_and_completes_the_application(
    application: Application, staff: User
) -> None:
    in_review(application, staff, GOOD_ANSWERS)
    found = criteria(application.call)
    first, second = _reviewer(application.call), _reviewer(application.call)
    reviews = []
    for person in (first, second):
        review = review_services.review_assign(
            actor=staff, application=application, user=person
        )
        review_services.review_declare(actor=person, review=review, conflict=False)
        reviews.append(review)
    incomplete = _post_review(
        first, reviews[0], {"recommendation": "yes", "submit": "1"}
    )
    assert incomplete.status_code == 400
    assert "not applicable" in incomplete.content.decode()
    draft = _post_review(first, reviews[0], _scores(found, "4", "na", submit=False))
    assert draft.status_code == 302
    reviews[0].refresh_from_db()
    assert reviews[0].state == "draft"
    assert _post_review(first, reviews[0], _scores(found, "4", "na")).status_code == 302
    application.refresh_from_db()
    assert application.state == "in_review"
    assert _post_review(second, reviews[1], _scores(found, "1", "1")).status_code == 302
    application.refresh_from_db()
    assert application.state == "ready_for_decision"
    _criteria, rows, progress = score_matrix(application.call)
    (row,) = rows
    # Relevance: (4 + 1) / 2; feasibility: only the 1 (n/a left out).
    assert row.averages == [Decimal("2.50"), Decimal("1.00")]
    # Weighted: (2 × 2.5 + 1 × 1) / 3.
    assert row.total == Decimal("2.00")
    # Reviewer totals 4.00 and 1.00: a spread worth checking.
    assert row.spread == Decimal("3.00") and row.spread_high
    assert row.done == row.needed == 2
    assert [(p.done, p.needed) for p in progress] == [(1, 1), (1, 1)]


@pytest.mark.parametrize(
    ("visible", "before", "after"),
    [("never", False, False), ("after_own", False, True), ("always", True, True)],
)
def test_reviewers_see_other_reviews_as_the_phase_says(
    application: Application, staff: User, visible: str, before: bool, after: bool
) -> None:
    in_review(application, staff, GOOD_ANSWERS)
    found = criteria(application.call)
    ReviewPhase.objects.create(
        call=application.call, name="Begutachtung", position=1, others_visible=visible
    )
    first, second = _reviewer(application.call), _reviewer(application.call)
    reviews = []
    for person in (first, second):
        review = review_services.review_assign(
            actor=staff, application=application, user=person
        )
        review_services.review_declare(actor=person, review=review, conflict=False)
        reviews.append(review)
    _post_review(
        first,
        reviews[0],
        _scores(found, "3", "3") | {"comment_staff": "Geheimer Kommentar"},
    )
    page = client_for(second).get(reviews[1].get_absolute_url()).content.decode()
    assert ("Geheimer Kommentar" in page) is before
    _post_review(second, reviews[1], _scores(found, "2", "2"))
    page = client_for(second).get(reviews[1].get_absolute_url()).content.decode()
    assert ("Geheimer Kommentar" in page) is after


def test_a_pseudonymised_phase_hides_the_applicant_everywhere_for_reviewers(
    application: Application,
    staff: User,
    organization: Organization,
    django_capture_on_commit_callbacks: Any,
) -> None:
    from django.core.files.uploadedfile import SimpleUploadedFile

    services.application_upload(
        actor=application.applicant,
        application=application,
        key="plan",
        upload=SimpleUploadedFile(
            f"{organization.name}.pdf", b"%PDF-1.4\n%%EOF\n", "application/pdf"
        ),
    )
    in_review(application, staff, GOOD_ANSWERS | {"plan": application.answers["plan"]})
    ReviewPhase.objects.create(
        call=application.call, name="Blind", position=1, pseudonymised=True
    )
    reviewer = _reviewer(application.call)
    with django_capture_on_commit_callbacks(execute=True):
        review = review_services.review_assign(
            actor=staff, application=application, user=reviewer
        )
    review_services.review_declare(actor=reviewer, review=review, conflict=False)
    client = client_for(reviewer)
    names = [organization.name, application.applicant.get_username()]
    for url in ("/calls/reviews/", review.get_absolute_url(), "/dashboard/"):
        body = client.get(url).content.decode()
        for name in names:
            assert name not in body, (url, name)
    note = Notification.objects.get(recipient=reviewer)
    assert organization.name not in note.object_label
    stored = application.files.get()
    download = client.get(f"/calls/reviews/{review.pk}/files/{stored.pk}/")
    assert download.status_code == 200
    assert organization.name not in download["Content-Disposition"]
    assert 'filename="plan.pdf"' in download["Content-Disposition"]


def test_a_phase_without_scoring_refuses_changes_and_staff_can_reopen(
    application: Application, staff: User
) -> None:
    in_review(application, staff, GOOD_ANSWERS)
    found = criteria(application.call)
    reviewer = _reviewer(application.call)
    review = review_services.review_assign(
        actor=staff, application=application, user=reviewer
    )
    review_services.review_declare(actor=reviewer, review=review, conflict=False)
    assert _post_review(reviewer, review, _scores(found, "5", "5")).status_code == 302
    again = _post_review(reviewer, review, _scores(found, "1", "1"))
    assert again.status_code == 400
    response = client_for(staff).post(f"/calls/reviews/{review.pk}/reopen/")
    assert response.status_code == 302
    review.refresh_from_db()
    assert review.state == "draft" and review.submitted_at is None
    now = timezone.now()
    ReviewPhase.objects.create(
        call=application.call,
        name="Diskussion",
        position=1,
        starts_at=now - timedelta(days=1),
        can_review=False,
    )
    closed = _post_review(reviewer, review, _scores(found, "1", "1"))
    assert closed.status_code == 400
    assert "current phase" in closed.content.decode()


def test_reviewers_are_reminded_once_before_the_phase_ends(
    application: Application, staff: User, django_capture_on_commit_callbacks: Any
) -> None:
    in_review(application, staff, GOOD_ANSWERS)
    now = timezone.now()
    ReviewPhase.objects.create(
        call=application.call,
        name="Begutachtung",
        position=1,
        starts_at=now - timedelta(days=5),
        ends_at=now + timedelta(days=1),
    )
    reviewer = _reviewer(application.call)
    review_services.review_assign(actor=staff, application=application, user=reviewer)
    with django_capture_on_commit_callbacks(execute=True):
        assert review_services.reviews_remind_due(now=now) == 1
        assert review_services.reviews_remind_due(now=now) == 0
    assert (
        Notification.objects.filter(
            recipient=reviewer, type="programmes.review_reminder"
        ).count()
        == 1
    )


def test_the_dashboard_lists_reviews_assigned_to_me(
    application: Application, staff: User
) -> None:
    in_review(application, staff, GOOD_ANSWERS)
    reviewer = _reviewer(application.call)
    review = review_services.review_assign(
        actor=staff, application=application, user=reviewer
    )
    body = client_for(reviewer).get("/dashboard/").content.decode()
    assert review.get_absolute_url() in body


def test_the_score_matrix_takes_the_same_queries_for_more_applications(
    call: Call, staff: User
) -> None:
    found = criteria(call)
    reviewers = [_reviewer(call) for _ in range(3)]

    def grow(count: int) -> None:
        for application in _applications(call, staff, count):
            for person in reviewers:
                review = Review.objects.create(
                    application=application,
                    reviewer=person,
                    state="submitted",
                    submitted_at=timezone.now(),
                    recommendation="maybe",
                )
                for criterion in found:
                    Score.objects.create(review=review, criterion=criterion, value=3)

    client = client_for(staff)
    grow(2)
    with CaptureQueriesContext(connection) as few:
        assert client.get(f"/calls/{call.slug}/scores/").status_code == 200
    grow(5)
    with CaptureQueriesContext(connection) as many:
        assert client.get(f"/calls/{call.slug}/scores/").status_code == 200
    assert len(many) == len(few)


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_staff_export_the_score_matrix_with_formulas_defused(
    call: Call, staff: User, fmt: str
) -> None:
    import csv
    import io

    from openpyxl import load_workbook

    found = criteria(call)
    (application,) = _applications(call, staff, 1)
    Organization.objects.filter(pk=application.organization_id).update(
        name="=HYPERLINK(1)"
    )
    for value in (4, 2):
        review = Review.objects.create(
            application=application,
            reviewer=_reviewer(call),
            state="submitted",
            submitted_at=timezone.now(),
            recommendation="yes",
        )
        for criterion in found:
            Score.objects.create(review=review, criterion=criterion, value=value)
    response = client_for(staff).get(f"/calls/{call.slug}/scores.{fmt}")
    assert response.status_code == 200
    if fmt == "csv":
        rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    else:
        sheet = load_workbook(io.BytesIO(response.content)).active
        rows = [[str(c) for c in r] for r in sheet.iter_rows(values_only=True)]
    header, row = rows
    assert header[3].startswith(found[0].name)
    assert row[0] == str(application.pk)
    assert row[1] == "'=HYPERLINK(1)"
    assert float(row[3]) == 3.0 and float(row[5]) == 3.0
    assert float(row[6]) == 2.0  # spread between the two reviewers
    assert client_for(staff).get(f"/calls/{call.slug}/scores.pdf").status_code == 404
    assert (
        client_for(UserFactory()).get(f"/calls/{call.slug}/scores.csv").status_code
        == 403
    )


def test_staff_redact_a_text_answer_for_pseudonymised_reviewers_only(
    application: Application, staff: User
) -> None:
    in_review(
        application,
        staff,
        GOOD_ANSWERS | {"summary": "Der Verein Luftwerk misst Feinstaub."},
    )
    reviewer = _reviewer(application.call)
    review = review_services.review_assign(
        actor=staff, application=application, user=reviewer
    )
    review_services.review_declare(actor=reviewer, review=review, conflict=False)
    response = client_for(staff).post(
        f"/calls/applications/{application.pk}/redact/",
        {"field": "summary", "text": "Der Verein [...] misst Feinstaub."},
    )
    assert response.status_code == 302
    application.refresh_from_db()
    assert application.answers["summary"] == "Der Verein Luftwerk misst Feinstaub."
    page = client_for(reviewer).get(review.get_absolute_url()).content.decode()
    # Without a pseudonymised phase the reviewer reads the answer itself.
    assert "Luftwerk" in page
    ReviewPhase.objects.create(
        call=application.call, name="Blind", position=1, pseudonymised=True
    )
    page = client_for(reviewer).get(review.get_absolute_url()).content.decode()
    assert "Luftwerk" not in page
    assert "Der Verein [...] misst Feinstaub." in page
    refused = client_for(staff).post(
        f"/calls/applications/{application.pk}/redact/",
        {"field": "amount", "text": "x"},
    )
    assert refused.status_code == 302
    application.refresh_from_db()
    assert "amount" not in application.redacted_answers
