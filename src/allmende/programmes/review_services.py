"""Every change to reviews: phases, criteria, reviewers, assignments, scores."""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime, timedelta
from typing import TypedDict

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Count, Max, Model
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from allmende.accounts.models import User
from allmende.core.services import audit_log_record
from allmende.notifications.registry import in_languages
from allmende.notifications.services import notify
from allmende.organizations.models import Membership
from allmende.programmes import notifications
from allmende.programmes.models import (
    Application,
    Call,
    CoApplicant,
    Review,
    ReviewCriterion,
    Reviewer,
    ReviewPhase,
    Score,
)
from allmende.programmes.models.applications import SYSTEM, transition_allowed
from allmende.programmes.models.applications import ApplicationState as A
from allmende.programmes.models.forms import FieldKind as K
from allmende.programmes.models.reviews import (
    DEFAULT_PHASE,
    REVIEWER,
    SCORE_MAX,
    SCORE_MIN,
    STAFF,
    review_transition_allowed,
)
from allmende.programmes.models.reviews import ReviewState as R
from allmende.programmes.rules import has_conflict

# How many reviewers automatic assignment gives each application by default.
REVIEWERS_PER_APPLICATION = 3
# How long before a phase's end open reviews are reminded of.
REMINDER_BEFORE = timedelta(days=2)


def _require(actor: User, permission: str, obj: Model | None = None) -> None:
    if not actor.has_perm(permission, obj):
        raise PermissionDenied(_("You are not allowed to do this."))


def current_phase(call: Call, now: datetime | None = None) -> ReviewPhase:
    """The phase whose window holds ``now`` (the first, by position); a call
    without phases reviews as :data:`DEFAULT_PHASE` says."""
    now = now or timezone.now()
    phases = list(call.review_phases.all())
    if not phases:
        return DEFAULT_PHASE
    for phase in phases:
        if phase.is_current(now):
            return phase
    # Between or after the windows nobody scores.
    return ReviewPhase(
        call=call,
        name="",
        position=0,
        can_review=False,
        others_visible=phases[-1].others_visible,
        pseudonymised=phases[-1].pseudonymised,
    )


# Phases and criteria


class PhaseData(TypedDict):
    name: str
    starts_at: datetime | None
    ends_at: datetime | None
    can_review: bool
    others_visible: str
    pseudonymised: bool


@transaction.atomic
def review_phase_add(*, actor: User, call: Call, data: PhaseData) -> ReviewPhase:
    _require(actor, "programmes.manage_reviews", call)
    last = call.review_phases.aggregate(last=Max("position"))["last"]
    phase = ReviewPhase(call=call, position=(last or 0) + 1, **data)
    phase.full_clean()
    phase.save()
    audit_log_record(
        actor=actor, action="call.review_phase_added", obj=call, data={"id": phase.pk}
    )
    return phase


@transaction.atomic
def review_phase_delete(*, actor: User, phase: ReviewPhase) -> None:
    _require(actor, "programmes.manage_reviews", phase.call)
    audit_log_record(
        actor=actor,
        action="call.review_phase_deleted",
        obj=phase.call,
        data={"name": phase.name},
    )
    phase.delete()


class CriterionData(TypedDict):
    name_de: str
    name_en: str
    description_de: str
    description_en: str
    weight: int


@transaction.atomic
def review_criterion_add(
    *, actor: User, call: Call, data: CriterionData
) -> ReviewCriterion:
    _require(actor, "programmes.manage_reviews", call)
    last = call.review_criteria.aggregate(last=Max("position"))["last"]
    criterion = ReviewCriterion(call=call, position=(last or 0) + 1, **data)
    criterion.full_clean()
    criterion.save()
    audit_log_record(
        actor=actor,
        action="call.review_criterion_added",
        obj=call,
        data={"id": criterion.pk},
    )
    return criterion


@transaction.atomic
def review_criterion_delete(*, actor: User, criterion: ReviewCriterion) -> None:
    _require(actor, "programmes.manage_reviews", criterion.call)
    if criterion.scores.exists():
        raise ValidationError(
            _("Reviewers have already scored this criterion; it cannot be deleted.")
        )
    audit_log_record(
        actor=actor,
        action="call.review_criterion_deleted",
        obj=criterion.call,
        data={"name": criterion.name_de},
    )
    criterion.delete()


# Reviewers and assignments


@transaction.atomic
def reviewer_add(*, actor: User, call: Call, email: str) -> Reviewer:
    """Give the person registered with ``email`` the reviewer role for ``call``."""
    _require(actor, "programmes.manage_reviews", call)
    person = User.objects.filter(email__iexact=email.strip(), is_active=True).first()
    if person is None:
        raise ValidationError(
            {
                "email": _(
                    "Nobody is registered with this e-mail address; please ask "
                    "the person to register first."
                )
            }
        )
    if Reviewer.objects.filter(call=call, user=person).exists():
        raise ValidationError({"email": _("This person already reviews this call.")})
    reviewer = Reviewer.objects.create(call=call, user=person, added_by=actor)
    audit_log_record(
        actor=actor, action="call.reviewer_added", obj=call, data={"user": person.pk}
    )
    return reviewer


@transaction.atomic
def reviewer_remove(*, actor: User, reviewer: Reviewer) -> None:
    """Take the role away; reviews not yet submitted go with it."""
    _require(actor, "programmes.manage_reviews", reviewer.call)
    Review.objects.filter(
        application__call=reviewer.call,
        reviewer_id=reviewer.user_id,
        state__in=[R.ASSIGNED, R.DRAFT],
    ).delete()
    audit_log_record(
        actor=actor,
        action="call.reviewer_removed",
        obj=reviewer.call,
        data={"user": reviewer.user_id},
    )
    reviewer.delete()


def _notify_assigned(actor: User, call: Call, people: list[int]) -> None:
    notify(
        notifications.REVIEW_ASSIGNED,
        people,
        obj=call,
        actor=actor,
        context={"call": in_languages(call, "title")},
        url="/calls/reviews/",
    )


@transaction.atomic
def review_assign(*, actor: User, application: Application, user: User) -> Review:
    """Staff ask ``user`` (a reviewer of the call) to review ``application``."""
    _require(actor, "programmes.manage_reviews", application)
    call = application.call
    if not Reviewer.objects.filter(call=call, user=user).exists():
        raise ValidationError(_("This person is not a reviewer of this call."))
    if application.state not in (A.SCREENING, A.IN_REVIEW, A.READY_FOR_DECISION):
        raise ValidationError(
            _("Reviewers can be assigned once the application is being screened.")
        )
    if has_conflict(user, application):
        raise ValidationError(
            _(
                "This reviewer belongs to the applying side (the applicant's or a "
                "partner organization) and cannot review this application."
            )
        )
    if Review.objects.filter(application=application, reviewer=user).exists():
        raise ValidationError(_("This reviewer is already assigned."))
    review = Review(application=application, reviewer=user, assigned_by=actor)
    review.full_clean()
    review.save()
    audit_log_record(
        actor=actor,
        action="review.assigned",
        obj=application,
        data={"reviewer": user.pk},
    )
    _notify_assigned(actor, call, [user.pk])
    return review


@transaction.atomic
def reviews_assign_automatically(
    *, actor: User, call: Call, per_application: int = REVIEWERS_PER_APPLICATION
) -> int:
    """Give every application in review ``per_application`` reviewers.

    The least loaded reviewers of the call come first; nobody from the
    applying side and nobody who declared a conflict is chosen. A constant
    number of queries, whatever the number of applications. Returns how many
    assignments were made.
    """
    _require(actor, "programmes.manage_reviews", call)
    if per_application < 1:
        raise ValidationError(_("Please give at least one reviewer per application."))
    reviewers = list(
        Reviewer.objects.filter(call=call, user__is_active=True)
        .order_by("id")
        .values_list("user_id", flat=True)
    )
    if not reviewers:
        raise ValidationError(_("This call has no reviewers yet."))
    applications = list(
        Application.objects.filter(call=call, state=A.IN_REVIEW).values_list(
            "pk", "applicant_id", "organization_id"
        )
    )
    load: dict[int, int] = dict.fromkeys(reviewers, 0)
    taken: dict[int, set[int]] = defaultdict(set)
    for application_id, user_id in Review.objects.filter(
        application__call=call
    ).values_list("application_id", "reviewer_id"):
        taken[application_id].add(user_id)
        if user_id in load:
            load[user_id] += 1
    counted = dict(
        Review.objects.filter(application__call=call)
        .exclude(state=R.CONFLICT)
        .values("application_id")
        .annotate(n=Count("id"))
        .values_list("application_id", "n")
    )
    member_of: dict[int, set[int]] = defaultdict(set)
    for user_id, organization_id in Membership.objects.filter(
        user_id__in=reviewers
    ).values_list("user_id", "organization_id"):
        member_of[user_id].add(organization_id)
    applying: dict[int, set[int]] = defaultdict(set)
    people: dict[int, set[int]] = defaultdict(set)
    for application_id, user_id, organization_id in CoApplicant.objects.filter(
        application__call=call, revoked_at__isnull=True
    ).values_list("application_id", "user_id", "organization_id"):
        people[application_id].add(user_id)
        if organization_id is not None:
            applying[application_id].add(organization_id)
    new: list[Review] = []
    for application_id, applicant_id, organization_id in applications:
        missing = per_application - counted.get(application_id, 0)
        if missing <= 0:
            continue
        organizations = set(applying[application_id])
        if organization_id is not None:
            organizations.add(organization_id)
        excluded = taken[application_id] | people[application_id] | {applicant_id}
        candidates = sorted(
            (
                user_id
                for user_id in reviewers
                if user_id not in excluded and not (member_of[user_id] & organizations)
            ),
            key=lambda user_id: (load[user_id], user_id),
        )
        for user_id in candidates[:missing]:
            new.append(
                Review(
                    application_id=application_id,
                    reviewer_id=user_id,
                    assigned_by=actor,
                )
            )
            load[user_id] += 1
    Review.objects.bulk_create(new)
    audit_log_record(
        actor=actor,
        action="review.assigned_automatically",
        obj=call,
        data={"assignments": len(new), "per_application": per_application},
    )
    if new:
        _notify_assigned(actor, call, sorted({r.reviewer_id for r in new}))
    return len(new)


# The reviewer's work


def _locked_review(review: Review) -> Review:
    return (
        Review.objects.select_for_update()
        .select_related("application")
        .get(pk=review.pk)
    )


@transaction.atomic
def review_declare(
    *, actor: User, review: Review, conflict: bool, note: str = ""
) -> Review:
    """The reviewer says whether they have a conflict of interest with the
    application; only without one may they open it."""
    _require(actor, "programmes.declare_review", review)
    locked = _locked_review(review)
    target = R.CONFLICT if conflict else R.DRAFT
    if not review_transition_allowed(locked.state, target, REVIEWER):
        raise ValidationError(_("You have already answered this question."))
    if conflict and not note.strip():
        raise ValidationError(
            {"note": _("Please say briefly what the conflict of interest is.")}
        )
    locked.state = target
    locked.conflict_note = note.strip() if conflict else ""
    locked.save(update_fields=["state", "conflict_note", "updated_at"])
    audit_log_record(
        actor=actor,
        action="review.conflict_declared" if conflict else "review.no_conflict",
        obj=locked.application,
        data={"review": locked.pk},
    )
    review.state = locked.state
    return locked


class ReviewData(TypedDict):
    # Criterion id → score; ``None`` means "not applicable".
    scores: dict[int, int | None]
    recommendation: str
    comment_staff: str
    comment_applicant: str


@transaction.atomic
def review_save(
    *,
    actor: User,
    review: Review,
    data: ReviewData,
    submit: bool = False,
    now: datetime | None = None,
) -> Review:
    """Keep the reviewer's scores and comments; with ``submit``, hand them in.

    Only while the current phase lets reviewers score. A submission needs a
    score or "not applicable" for every criterion, and a recommendation.
    """
    now = now or timezone.now()
    _require(actor, "programmes.read_review", review)
    locked = _locked_review(review)
    if locked.state != R.DRAFT:
        raise ValidationError(
            _("This review has been submitted; the team can reopen it for you.")
        )
    application = locked.application
    if not current_phase(application.call, now).can_review:
        raise ValidationError(_("Reviews cannot be changed in the current phase."))
    criteria = {c.pk: c for c in application.call.review_criteria.all()}
    for criterion_id, value in data["scores"].items():
        if criterion_id not in criteria:
            raise ValidationError(_("This criterion no longer exists."))
        if value is not None and not SCORE_MIN <= value <= SCORE_MAX:
            raise ValidationError(
                {f"score_{criterion_id}": _("Please choose a score from 0 to 5.")}
            )
    if submit:
        errors = {
            f"score_{pk}": [_("Please give a score or choose “not applicable”.")]
            for pk in criteria
            if pk not in data["scores"]
        }
        if not data["recommendation"]:
            errors["recommendation"] = [_("Please give your recommendation.")]
        if errors:
            raise ValidationError(errors)
    existing = {s.criterion_id: s for s in locked.scores.all()}
    for criterion_id, value in data["scores"].items():
        score = existing.get(criterion_id)
        if score is None:
            Score.objects.create(review=locked, criterion_id=criterion_id, value=value)
        elif score.value != value:
            score.value = value
            score.save(update_fields=["value"])
    locked.recommendation = data["recommendation"]
    locked.comment_staff = data["comment_staff"].strip()
    locked.comment_applicant = data["comment_applicant"].strip()
    fields = ["recommendation", "comment_staff", "comment_applicant", "updated_at"]
    if submit:
        locked.state = R.SUBMITTED
        locked.submitted_at = now
        fields += ["state", "submitted_at"]
    locked.full_clean()
    locked.save(update_fields=fields)
    audit_log_record(
        actor=actor,
        action="review.submitted" if submit else "review.saved",
        obj=application,
        data={"review": locked.pk},
    )
    if submit:
        _ready_when_reviewed(application)
    review.state = locked.state
    return locked


def _ready_when_reviewed(application: Application) -> None:
    """Move an application on once every review of it is in (the system)."""
    locked = Application.objects.select_for_update().get(pk=application.pk)
    if not transition_allowed(locked.state, A.READY_FOR_DECISION, SYSTEM):
        return
    reviews = locked.reviews.exclude(state=R.CONFLICT)
    if not reviews.exists() or reviews.exclude(state=R.SUBMITTED).exists():
        return
    locked.state = A.READY_FOR_DECISION
    locked.save(update_fields=["state", "updated_at"])
    audit_log_record(
        actor=None,
        action="application.state_changed",
        obj=locked,
        data={"from": A.IN_REVIEW, "to": A.READY_FOR_DECISION, "role": SYSTEM},
    )


@transaction.atomic
def review_reopen(*, actor: User, review: Review) -> Review:
    """Staff give a submitted review back to its reviewer."""
    _require(actor, "programmes.manage_reviews", review.application)
    locked = _locked_review(review)
    if not review_transition_allowed(locked.state, R.DRAFT, STAFF):
        raise ValidationError(_("Only a submitted review can be reopened."))
    locked.state = R.DRAFT
    locked.submitted_at = None
    locked.save(update_fields=["state", "submitted_at", "updated_at"])
    audit_log_record(
        actor=actor,
        action="review.reopened",
        obj=locked.application,
        data={"review": locked.pk},
    )
    notify(
        notifications.REVIEW_REOPENED,
        locked.reviewer,
        obj=locked,
        actor=actor,
        context={"call": in_languages(locked.application.call, "title")},
    )
    review.state = locked.state
    return locked


def reviews_remind_due(*, now: datetime | None = None) -> int:
    """Remind reviewers of open reviews whose phase ends within
    :data:`REMINDER_BEFORE` (the system). Safe to run twice: a review is
    reminded once, marked under a compare-and-set."""
    now = now or timezone.now()
    phases = ReviewPhase.objects.filter(
        ends_at__gt=now, ends_at__lte=now + REMINDER_BEFORE
    ).select_related("call")
    reminded = 0
    for phase in phases:
        if not phase.can_review or not phase.is_current(now):
            continue
        due = Review.objects.filter(
            application__call=phase.call,
            application__state=A.IN_REVIEW,
            state__in=[R.ASSIGNED, R.DRAFT],
            reminded_at__isnull=True,
        )
        for review_id, reviewer_id in due.values_list("pk", "reviewer_id"):
            with transaction.atomic():
                claimed = Review.objects.filter(
                    pk=review_id, reminded_at__isnull=True
                ).update(reminded_at=now)
                if not claimed:
                    continue
                review = Review.objects.get(pk=review_id)
                notify(
                    notifications.REVIEW_REMINDER,
                    [reviewer_id],
                    obj=review,
                    context={
                        "call": in_languages(phase.call, "title"),
                        "deadline": _deadline(phase),
                    },
                )
                reminded += 1
    return reminded


def _deadline(phase: ReviewPhase) -> str:
    assert phase.ends_at is not None  # noqa: S101 - chosen by ends_at above
    return date_format(timezone.localtime(phase.ends_at), "d.m.Y H:i")


@transaction.atomic
def application_redact(
    *, actor: User, application: Application, key: str, text: str
) -> Application:
    """Keep a copy of a text answer for pseudonymised reviewers (empty: show
    the answer itself again)."""
    _require(actor, "programmes.manage_reviews", application)
    locked = Application.objects.select_for_update().get(pk=application.pk)
    keys = {
        f.key
        for f in locked.form_version.fields.all()
        if f.kind in (K.SHORT_TEXT, K.LONG_TEXT)
    }
    if key not in keys:
        raise ValidationError(_("Only text answers can be redacted."))
    if text.strip():
        locked.redacted_answers[key] = text.strip()
    else:
        locked.redacted_answers.pop(key, None)
    locked.save(update_fields=["redacted_answers", "updated_at"])
    audit_log_record(
        actor=actor,
        action="application.redacted",
        obj=locked,
        data={"field": key, "redacted": bool(text.strip())},
    )
    application.redacted_answers = locked.redacted_answers
    return locked
