"""Reviews of applications: phases, criteria, reviewers and their scores.

A call runs through review phases in order, as in pretalx: each phase has a
time window and says whether reviewers may score, when they see each other's
reviews, and whether applicants are pseudonymised. A :class:`Review` is made
when staff assign a reviewer; the database keeps it to one per reviewer and
application.
"""

from __future__ import annotations

from datetime import datetime

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from allmende.core.translation import translated


class OthersVisible(models.TextChoices):
    NEVER = "never", _("Never")
    AFTER_OWN = "after_own", _("After submitting their own review")
    ALWAYS = "always", _("Always")


class ReviewPhase(models.Model):
    call = models.ForeignKey(
        "programmes.Call", on_delete=models.CASCADE, related_name="review_phases"
    )
    name = models.CharField(_("name"), max_length=200)
    position = models.PositiveIntegerField(_("position"))
    starts_at = models.DateTimeField(_("starts at"), null=True, blank=True)
    # The deadline for the reviews of this phase.
    ends_at = models.DateTimeField(_("ends at"), null=True, blank=True)
    can_review = models.BooleanField(_("reviewers may score"), default=True)
    others_visible = models.CharField(
        _("reviewers see other reviews"),
        max_length=20,
        choices=OthersVisible.choices,
        default=OthersVisible.AFTER_OWN,
    )
    pseudonymised = models.BooleanField(
        _("pseudonymised: reviewers see no applicant names"), default=False
    )

    class Meta:
        verbose_name = _("review phase")
        verbose_name_plural = _("review phases")
        ordering = ["call", "position", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["call", "position"], name="review_phase_unique_position"
            ),
            models.CheckConstraint(
                condition=Q(starts_at__isnull=True)
                | Q(ends_at__isnull=True)
                | Q(ends_at__gt=models.F("starts_at")),
                name="review_phase_ends_after_start",
            ),
            models.CheckConstraint(
                condition=Q(others_visible__in=[c.value for c in OthersVisible]),
                name="review_phase_visibility_known",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def is_current(self, now: datetime | None = None) -> bool:
        now = now or timezone.now()
        return (self.starts_at is None or self.starts_at <= now) and (
            self.ends_at is None or now < self.ends_at
        )


# Without phases a call reviews like this.
DEFAULT_PHASE = ReviewPhase(
    name="", position=0, can_review=True, others_visible=OthersVisible.AFTER_OWN
)


class ReviewCriterion(models.Model):
    call = models.ForeignKey(
        "programmes.Call", on_delete=models.CASCADE, related_name="review_criteria"
    )
    name_de = models.CharField(_("name (German)"), max_length=200)
    name_en = models.CharField(_("name (English)"), max_length=200, blank=True)
    description_de = models.TextField(_("description (German)"), blank=True)
    description_en = models.TextField(_("description (English)"), blank=True)
    weight = models.PositiveSmallIntegerField(_("weight"), default=1)
    position = models.PositiveIntegerField(_("position"))

    class Meta:
        verbose_name = _("review criterion")
        verbose_name_plural = _("review criteria")
        ordering = ["call", "position", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(weight__gte=1) & Q(weight__lte=100),
                name="review_criterion_weight_range",
            )
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def name(self) -> str:
        return translated(self, "name")

    @property
    def description(self) -> str:
        return translated(self, "description")


# The scale of every criterion; ``None`` stands for "not applicable".
SCORE_MIN, SCORE_MAX = 0, 5


class Reviewer(models.Model):
    """The reviewer role of one person for one call; they need not be staff."""

    call = models.ForeignKey(
        "programmes.Call", on_delete=models.CASCADE, related_name="reviewers"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="reviewer_roles",
        verbose_name=_("person"),
    )
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("reviewer")
        verbose_name_plural = _("reviewers")
        ordering = ["call", "created_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["call", "user"], name="reviewer_once_per_call"
            )
        ]

    def __str__(self) -> str:
        return str(self.user)


class ReviewState(models.TextChoices):
    ASSIGNED = "assigned", _("Assigned")
    CONFLICT = "conflict", _("Conflict of interest declared")
    DRAFT = "draft", _("Draft")
    SUBMITTED = "submitted", _("Submitted")


class Recommendation(models.TextChoices):
    YES = "yes", _("Yes, fund it")
    MAYBE = "maybe", _("Maybe")
    NO = "no", _("No")


R = ReviewState
REVIEWER = "reviewer"
STAFF = "staff"

# The life of a review and who may move it: the reviewer declares whether
# they have a conflict of interest before they may open the application;
# staff may reopen a submitted review.
REVIEW_TRANSITIONS: dict[tuple[str, str], frozenset[str]] = {
    (R.ASSIGNED, R.DRAFT): frozenset({REVIEWER}),
    (R.ASSIGNED, R.CONFLICT): frozenset({REVIEWER}),
    (R.DRAFT, R.SUBMITTED): frozenset({REVIEWER}),
    (R.SUBMITTED, R.DRAFT): frozenset({STAFF}),
}


def review_transition_allowed(source: str, target: str, role: str) -> bool:
    return role in REVIEW_TRANSITIONS.get((source, target), frozenset())


class Review(models.Model):
    application = models.ForeignKey(
        "programmes.Application", on_delete=models.CASCADE, related_name="reviews"
    )
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="reviews",
        verbose_name=_("reviewer"),
    )
    state = models.CharField(
        _("status"), max_length=20, choices=ReviewState.choices, default=R.ASSIGNED
    )
    recommendation = models.CharField(
        _("recommendation"), max_length=10, choices=Recommendation.choices, blank=True
    )
    comment_staff = models.TextField(_("comments for the team"), blank=True)
    comment_applicant = models.TextField(
        _("comments for the applicant (optional)"), blank=True
    )
    conflict_note = models.TextField(_("conflict of interest"), blank=True)
    assigned_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    submitted_at = models.DateTimeField(null=True, blank=True)
    reminded_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("review")
        verbose_name_plural = _("reviews")
        ordering = ["application", "created_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["application", "reviewer"], name="review_one_per_reviewer"
            ),
            models.CheckConstraint(
                condition=Q(state__in=[c.value for c in R]), name="review_state_known"
            ),
            models.CheckConstraint(
                condition=~Q(state=R.SUBMITTED) | Q(submitted_at__isnull=False),
                name="review_submitted_has_time",
            ),
        ]
        indexes = [models.Index(fields=["reviewer", "state"])]

    def __str__(self) -> str:
        # Never the applicant's name: this is shown to reviewers of
        # pseudonymised calls (in notifications, too).
        return str(_("Review of application no. %(number)s")) % {
            "number": self.application_id
        }

    def get_absolute_url(self) -> str:
        return reverse("programmes:review", kwargs={"pk": self.pk})

    @property
    def is_open(self) -> bool:
        return self.state in (R.ASSIGNED, R.DRAFT)


class Score(models.Model):
    review = models.ForeignKey(Review, on_delete=models.CASCADE, related_name="scores")
    criterion = models.ForeignKey(
        ReviewCriterion, on_delete=models.CASCADE, related_name="scores"
    )
    # Empty means "not applicable": left out of averages, never counted as 0.
    value = models.PositiveSmallIntegerField(_("score"), null=True, blank=True)

    class Meta:
        verbose_name = _("score")
        verbose_name_plural = _("scores")
        constraints = [
            models.UniqueConstraint(
                fields=["review", "criterion"], name="score_once_per_criterion"
            ),
            models.CheckConstraint(
                condition=Q(value__isnull=True)
                | (Q(value__gte=SCORE_MIN) & Q(value__lte=SCORE_MAX)),
                name="score_on_the_scale",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.criterion}: {self.value}"
