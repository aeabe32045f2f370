from __future__ import annotations

from pathlib import Path

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from allmende.core import files


class ApplicationState(models.TextChoices):
    """The internal names, which staff see."""

    DRAFT = "draft", _("Draft")
    SUBMITTED = "submitted", _("Submitted")
    SCREENING = "screening", _("Screening")
    MORE_INFORMATION = "more_information", _("More information requested")
    IN_REVIEW = "in_review", _("In review")
    READY_FOR_DECISION = "ready_for_decision", _("Ready for decision")
    ACCEPTED = "accepted", _("Accepted")
    REJECTED = "rejected", _("Rejected")
    WITHDRAWN = "withdrawn", _("Withdrawn")


A = ApplicationState

# What the applicant reads for each state.
APPLICANT_NAMES = {
    A.DRAFT: pgettext_lazy("application for the applicant", "Draft"),
    A.SUBMITTED: pgettext_lazy("application for the applicant", "Received"),
    A.SCREENING: pgettext_lazy("application for the applicant", "Being checked"),
    A.MORE_INFORMATION: pgettext_lazy(
        "application for the applicant", "Question for you"
    ),
    A.IN_REVIEW: pgettext_lazy("application for the applicant", "Under review"),
    A.READY_FOR_DECISION: pgettext_lazy(
        "application for the applicant", "Decision pending"
    ),
    A.ACCEPTED: pgettext_lazy("application for the applicant", "Approved"),
    A.REJECTED: pgettext_lazy("application for the applicant", "Declined"),
    A.WITHDRAWN: pgettext_lazy("application for the applicant", "Withdrawn"),
}

APPLICANT = "applicant"
STAFF = "staff"
SYSTEM = "system"

# States in which the applicant may still change answers (in MORE_INFORMATION
# only the fields staff reopened).
EDITABLE_STATES = frozenset({A.DRAFT, A.MORE_INFORMATION})
DECIDED_STATES = frozenset({A.ACCEPTED, A.REJECTED})
# States that count as one application of an organization (or person) to a call.
ACTIVE_STATES = frozenset(set(A) - {A.WITHDRAWN})

# The workflow: every allowed change of state and who may make it. "applicant"
# is the person who started the application; "staff" the programme team;
# "system" the platform itself (reviews complete, see the review phase).
TRANSITIONS: dict[tuple[str, str], frozenset[str]] = {
    (A.DRAFT, A.SUBMITTED): frozenset({APPLICANT}),
    (A.DRAFT, A.WITHDRAWN): frozenset({APPLICANT}),
    (A.SUBMITTED, A.SCREENING): frozenset({STAFF}),
    (A.SUBMITTED, A.MORE_INFORMATION): frozenset({STAFF}),
    (A.SUBMITTED, A.WITHDRAWN): frozenset({APPLICANT}),
    (A.SCREENING, A.MORE_INFORMATION): frozenset({STAFF}),
    (A.SCREENING, A.IN_REVIEW): frozenset({STAFF}),
    (A.SCREENING, A.REJECTED): frozenset({STAFF}),
    (A.SCREENING, A.WITHDRAWN): frozenset({APPLICANT}),
    (A.MORE_INFORMATION, A.SUBMITTED): frozenset({APPLICANT}),
    (A.MORE_INFORMATION, A.WITHDRAWN): frozenset({APPLICANT}),
    (A.IN_REVIEW, A.MORE_INFORMATION): frozenset({STAFF}),
    (A.IN_REVIEW, A.READY_FOR_DECISION): frozenset({STAFF, SYSTEM}),
    (A.IN_REVIEW, A.WITHDRAWN): frozenset({APPLICANT}),
    (A.READY_FOR_DECISION, A.MORE_INFORMATION): frozenset({STAFF}),
    (A.READY_FOR_DECISION, A.ACCEPTED): frozenset({STAFF}),
    (A.READY_FOR_DECISION, A.REJECTED): frozenset({STAFF}),
    (A.READY_FOR_DECISION, A.WITHDRAWN): frozenset({APPLICANT}),
}


def transition_allowed(source: str, target: str, role: str) -> bool:
    return role in TRANSITIONS.get((source, target), frozenset())


def targets_for(source: str, role: str) -> list[str]:
    """The states ``role`` may move an application in ``source`` to."""
    return [
        target
        for (origin, target), roles in TRANSITIONS.items()
        if origin == source and role in roles
    ]


class Application(models.Model):
    call = models.ForeignKey(
        "programmes.Call", on_delete=models.PROTECT, related_name="applications"
    )
    # The form the application is written against, and always shown with.
    form_version = models.ForeignKey(
        "programmes.FormVersion", on_delete=models.PROTECT, related_name="applications"
    )
    applicant = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="applications",
        verbose_name=_("applicant"),
    )
    # Empty for a person applying on their own, where the call allows it.
    organization = models.ForeignKey(
        "organizations.Organization",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="applications",
        verbose_name=_("organization"),
    )
    state = models.CharField(
        _("status"), max_length=20, choices=ApplicationState.choices, default=A.DRAFT
    )
    # Answers by field key: text, numbers and amounts as strings, dates as ISO
    # dates, choices as lists, a file as the id of its ApplicationFile, a table
    # as a list of rows (column key → text).
    answers = models.JSONField(_("answers"), default=dict, blank=True)
    question = models.TextField(_("question to the applicant"), blank=True)
    # How often each answer has been saved (field key → count): a save that
    # started from an older count would overwrite someone else's text.
    answer_stamps = models.JSONField(default=dict, blank=True)
    # Staff's copies of free-text answers with names taken out (field key →
    # text), shown instead of the answers to reviewers of a pseudonymised
    # phase; the answers themselves stay as written.
    redacted_answers = models.JSONField(default=dict, blank=True)
    # Keys of the fields staff reopened with their question.
    reopened_fields = models.JSONField(default=list, blank=True)
    decision_message = models.TextField(_("message with the decision"), blank=True)
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True)
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("application")
        verbose_name_plural = _("applications")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["call", "organization"],
                condition=Q(
                    state__in=sorted(ACTIVE_STATES), organization__isnull=False
                ),
                name="application_one_per_organization",
            ),
            models.UniqueConstraint(
                fields=["call", "applicant"],
                condition=Q(state__in=sorted(ACTIVE_STATES), organization__isnull=True),
                name="application_one_per_individual",
            ),
            models.CheckConstraint(
                condition=Q(state__in=[choice.value for choice in A]),
                name="application_state_known",
            ),
            models.CheckConstraint(
                condition=Q(state=A.DRAFT)
                | Q(submitted_at__isnull=False)
                | Q(state=A.WITHDRAWN),
                name="application_submitted_has_time",
            ),
        ]
        indexes = [models.Index(fields=["call", "state"])]

    def __str__(self) -> str:
        applicant = self.organization.name if self.organization_id else ""  # type: ignore[union-attr]
        return f"{self.call} – {applicant or self.applicant}"

    def get_absolute_url(self) -> str:
        return reverse("programmes:application", kwargs={"pk": self.pk})

    @property
    def applicant_state(self) -> str:
        return str(APPLICANT_NAMES[A(self.state)])

    @property
    def is_editable(self) -> bool:
        return self.state in EDITABLE_STATES

    def field_editable(self, key: str) -> bool:
        if self.state == A.DRAFT:
            return True
        return self.state == A.MORE_INFORMATION and key in self.reopened_fields

    @property
    def withdrawable(self) -> bool:
        return transition_allowed(self.state, A.WITHDRAWN, APPLICANT)


def application_file_path(instance: ApplicationFile, filename: str) -> str:
    extension = Path(filename).suffix.lower().lstrip(".") or "bin"
    return files.stored_name("programmes/applications", extension)


class ApplicationFile(models.Model):
    """A file given as the answer to a file field; never under ``/media/``."""

    application = models.ForeignKey(
        Application, on_delete=models.CASCADE, related_name="files"
    )
    field_key = models.SlugField(max_length=60)
    file = models.FileField(
        upload_to=application_file_path,
        storage=files.private_storage,
        max_length=200,
    )
    original_name = models.CharField(max_length=200)
    size = models.PositiveBigIntegerField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("application file")
        verbose_name_plural = _("application files")
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return self.original_name
