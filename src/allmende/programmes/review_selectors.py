"""Reads of reviews that depend on who is looking, and the score figures."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.db.models import Count, Q, QuerySet
from django.utils.translation import gettext as _

from allmende.programmes.models import (
    Application,
    Call,
    Review,
    ReviewCriterion,
    Score,
)
from allmende.programmes.models.applications import ApplicationState as A
from allmende.programmes.models.reviews import OthersVisible, ReviewPhase
from allmende.programmes.models.reviews import ReviewState as R
from allmende.programmes.rules import REVIEW_STATES

# A spread between reviewers' totals from this much on is highlighted.
SPREAD_WARNING = Decimal(2)


def reviews_for(*, user: Any, open_only: bool = False) -> QuerySet[Review]:
    """The reviews assigned to ``user`` on applications that are in review."""
    if not getattr(user, "is_authenticated", False):
        return Review.objects.none()
    reviews = Review.objects.filter(
        reviewer_id=user.pk, application__state__in=sorted(REVIEW_STATES)
    ).exclude(state=R.CONFLICT)
    if open_only:
        reviews = reviews.filter(state__in=[R.ASSIGNED, R.DRAFT])
    return reviews.select_related("application__call").order_by(
        "state", "application__call__closes_at", "application_id"
    )


def other_reviews(review: Review, phase: ReviewPhase) -> list[Review] | None:
    """The other submitted reviews of the application that ``review``'s
    reviewer may read now; ``None`` when the phase keeps them hidden."""
    visible = phase.others_visible
    if visible == OthersVisible.NEVER or (
        visible == OthersVisible.AFTER_OWN and review.state != R.SUBMITTED
    ):
        return None
    return list(
        Review.objects.filter(application_id=review.application_id, state=R.SUBMITTED)
        .exclude(pk=review.pk)
        .select_related("reviewer")
        .prefetch_related("scores__criterion")
        .order_by("submitted_at", "id")
    )


def _round(value: Decimal) -> Decimal:
    return value.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def weighted_average(
    pairs: list[tuple[int, Decimal | int | None]],
) -> Decimal | None:
    """The average of ``(weight, score)`` pairs; "not applicable" (``None``)
    is left out, never counted as 0. ``None`` when nothing was scored."""
    scored = [(weight, value) for weight, value in pairs if value is not None]
    total_weight = sum(weight for weight, _value in scored)
    if not total_weight:
        return None
    return _round(
        Decimal(sum(weight * value for weight, value in scored)) / total_weight
    )


@dataclass
class MatrixRow:
    application: Application
    averages: list[Decimal | None]
    total: Decimal | None
    spread: Decimal | None
    done: int
    needed: int
    recommendations: dict[str, int]

    @property
    def spread_high(self) -> bool:
        return self.spread is not None and self.spread >= SPREAD_WARNING


@dataclass
class ReviewerProgress:
    name: str
    done: int
    needed: int


def score_matrix(
    call: Call,
) -> tuple[list[ReviewCriterion], list[MatrixRow], list[ReviewerProgress]]:
    """Applications × criteria for staff: each criterion's average over the
    submitted reviews, the weighted total, the spread between reviewers'
    weighted totals, and the progress per application and per reviewer. Five
    queries, whatever the size of the call."""
    criteria = list(call.review_criteria.order_by("position", "id"))
    weights = {c.pk: c.weight for c in criteria}
    applications = list(
        Application.objects.filter(call=call)
        .exclude(state__in=[A.DRAFT, A.WITHDRAWN])
        .select_related("organization", "applicant")
        # Only what a row shows: a call may hold thousands of applications.
        .only(
            "state",
            "submitted_at",
            "organization__name",
            "applicant__username",
        )
        .order_by("submitted_at", "id")
    )
    by_review: dict[int, list[tuple[int, Decimal | int | None]]] = defaultdict(list)
    per_criterion: dict[tuple[int, int], list[int]] = defaultdict(list)
    review_application: dict[int, int] = {}
    for review_id, application_id, criterion_id, value in Score.objects.filter(
        review__application__call=call, review__state=R.SUBMITTED
    ).values_list("review_id", "review__application_id", "criterion_id", "value"):
        review_application[review_id] = application_id
        by_review[review_id].append((weights.get(criterion_id, 1), value))
        if value is not None:
            per_criterion[(application_id, criterion_id)].append(value)
    totals: dict[int, list[Decimal]] = defaultdict(list)
    for review_id, pairs in by_review.items():
        average = weighted_average(pairs)
        if average is not None:
            totals[review_application[review_id]].append(average)
    counts: dict[int, dict[str, int]] = {
        row["application_id"]: {
            key: row[key] for key in ("needed", "done", "yes", "maybe", "no")
        }
        for row in Review.objects.filter(application__call=call)
        .exclude(state=R.CONFLICT)
        .values("application_id")
        .annotate(
            needed=Count("id"),
            done=Count("id", filter=Q(state=R.SUBMITTED)),
            yes=Count("id", filter=Q(state=R.SUBMITTED, recommendation="yes")),
            maybe=Count("id", filter=Q(state=R.SUBMITTED, recommendation="maybe")),
            no=Count("id", filter=Q(state=R.SUBMITTED, recommendation="no")),
        )
    }
    rows = []
    for application in applications:
        averages: list[Decimal | None] = []
        for criterion in criteria:
            values = per_criterion.get((application.pk, criterion.pk), [])
            averages.append(
                _round(Decimal(sum(values)) / len(values)) if values else None
            )
        total = weighted_average(
            [
                (criterion.weight, average)
                for criterion, average in zip(criteria, averages, strict=True)
            ]
        )
        reviewer_totals = totals.get(application.pk, [])
        count: dict[str, int] = counts.get(application.pk, {})
        rows.append(
            MatrixRow(
                application=application,
                averages=averages,
                total=total,
                spread=max(reviewer_totals) - min(reviewer_totals)
                if len(reviewer_totals) > 1
                else None,
                done=count.get("done", 0),
                needed=count.get("needed", 0),
                recommendations={
                    key: count.get(key, 0) for key in ("yes", "maybe", "no")
                },
            )
        )
    progress = [
        ReviewerProgress(
            name=row["reviewer__username"], done=row["done"], needed=row["needed"]
        )
        for row in Review.objects.filter(application__call=call)
        .exclude(state=R.CONFLICT)
        .values("reviewer__username")
        .annotate(needed=Count("id"), done=Count("id", filter=Q(state=R.SUBMITTED)))
        .order_by("reviewer__username")
    ]
    return criteria, rows, progress


def application_reviews(application: Application) -> list[Review]:
    """Every review of ``application``, for staff."""
    return list(
        application.reviews.select_related("reviewer")
        .prefetch_related("scores__criterion")
        .order_by("created_at", "id")
    )


def score_table(call: Call) -> tuple[list[str], list[list[Any]]]:
    """The score matrix as a header and rows of plain values (for exports)."""
    criteria, rows, _progress = score_matrix(call)
    header = [
        str(_("Application")),
        str(_("Applicant")),
        str(_("Status")),
        *[f"{c.name} (×{c.weight})" for c in criteria],
        str(_("Weighted total")),
        str(_("Spread")),
        str(_("Recommendations")) + ": " + str(_("yes")),
        str(_("Recommendations")) + ": " + str(_("maybe")),
        str(_("Recommendations")) + ": " + str(_("no")),
        str(_("Reviews done")),
        str(_("Reviews assigned")),
    ]
    table = []
    for row in rows:
        application = row.application
        table.append(
            [
                application.pk,
                application.organization.name
                if application.organization
                else application.applicant.get_username(),
                application.get_state_display(),
                *row.averages,
                row.total,
                row.spread,
                row.recommendations["yes"],
                row.recommendations["maybe"],
                row.recommendations["no"],
                row.done,
                row.needed,
            ]
        )
    return header, table
