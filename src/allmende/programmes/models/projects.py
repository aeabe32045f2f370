"""Accompanied projects: what an accepted application becomes.

A project has its team (the applicant and the members of its organization),
mentors who accompany it (technical, legal and organisational questions, with
a log of consultations), milestones with due dates whose reports the team
writes, and results: datasets published in the catalog and links to
documents, code and experience reports. Its public page shows what, who, the
status and the milestones reached.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from allmende.core import files
from allmende.core.translation import TitledInTwoLanguages

TEAM = "team"
MENTOR = "mentor"
STAFF = "staff"


class ProjectState(models.TextChoices):
    ACTIVE = "active", _("Running")
    COMPLETED = "completed", _("Completed")
    DISCONTINUED = "discontinued", _("Discontinued")


P = ProjectState

# The life of a project: every allowed change and who may make it.
PROJECT_TRANSITIONS: dict[tuple[str, str], frozenset[str]] = {
    (P.ACTIVE, P.COMPLETED): frozenset({STAFF}),
    (P.ACTIVE, P.DISCONTINUED): frozenset({STAFF}),
    (P.COMPLETED, P.ACTIVE): frozenset({STAFF}),
    (P.DISCONTINUED, P.ACTIVE): frozenset({STAFF}),
}


def project_transition_allowed(source: str, target: str, role: str) -> bool:
    return role in PROJECT_TRANSITIONS.get((source, target), frozenset())


class Project(TitledInTwoLanguages, models.Model):
    application = models.OneToOneField(
        "programmes.Application",
        on_delete=models.PROTECT,
        related_name="project",
        verbose_name=_("application"),
    )
    call = models.ForeignKey(
        "programmes.Call", on_delete=models.PROTECT, related_name="projects"
    )
    # Empty for a person's project, where the call allowed individuals.
    organization = models.ForeignKey(
        "organizations.Organization",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="projects",
        verbose_name=_("organization"),
    )
    slug = models.SlugField(_("short name in addresses"), max_length=220, unique=True)
    title_de = models.CharField(_("title (German)"), max_length=200, blank=True)
    title_en = models.CharField(_("title (English)"), max_length=200, blank=True)
    description_de = models.TextField(_("description (German)"), blank=True)
    description_en = models.TextField(_("description (English)"), blank=True)
    state = models.CharField(
        _("status"), max_length=20, choices=ProjectState.choices, default=P.ACTIVE
    )
    started_on = models.DateField(_("started on"))
    ended_on = models.DateField(_("ended on"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("project")
        verbose_name_plural = _("projects")
        ordering = ["-started_on", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(title_de="") | ~Q(title_en=""),
                name="project_has_title",
            ),
            models.CheckConstraint(
                condition=Q(state__in=[choice.value for choice in P]),
                name="project_state_known",
            ),
            models.CheckConstraint(
                condition=Q(state=P.ACTIVE) | Q(ended_on__isnull=False),
                name="project_ended_has_date",
            ),
        ]
        indexes = [models.Index(fields=["state", "started_on"])]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("projects:detail", kwargs={"slug": self.slug})


class AccompanimentArea(models.TextChoices):
    TECHNICAL = "technical", _("Technical questions")
    LEGAL = "legal", _("Legal questions")
    ORGANISATIONAL = "organisational", _("Organisational questions")


class MentorshipState(models.TextChoices):
    PROPOSED = "proposed", _("Proposed")
    ACCEPTED = "accepted", _("Accepted")
    DECLINED = "declined", _("Declined")
    ENDED = "ended", _("Ended")


M = MentorshipState

# Staff propose a mentor; the mentor accepts or declines; staff end it.
MENTORSHIP_TRANSITIONS: dict[tuple[str, str], frozenset[str]] = {
    (M.PROPOSED, M.ACCEPTED): frozenset({MENTOR}),
    (M.PROPOSED, M.DECLINED): frozenset({MENTOR}),
    (M.PROPOSED, M.ENDED): frozenset({STAFF}),
    (M.ACCEPTED, M.ENDED): frozenset({STAFF}),
}
# A person is mentor of a project once at a time.
LIVE_MENTORSHIP = (M.PROPOSED, M.ACCEPTED)


def mentorship_transition_allowed(source: str, target: str, role: str) -> bool:
    return role in MENTORSHIP_TRANSITIONS.get((source, target), frozenset())


class Mentorship(models.Model):
    project = models.ForeignKey(
        Project, on_delete=models.CASCADE, related_name="mentorships"
    )
    # A deleted account's mentorships go with it.
    mentor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="mentorships",
        verbose_name=_("mentor"),
    )
    area = models.CharField(
        _("accompanies on"), max_length=20, choices=AccompanimentArea.choices
    )
    state = models.CharField(
        _("status"), max_length=20, choices=MentorshipState.choices, default=M.PROPOSED
    )
    proposed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    answered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("mentorship")
        verbose_name_plural = _("mentorships")
        ordering = ["created_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["project", "mentor"],
                condition=Q(state__in=LIVE_MENTORSHIP),
                name="mentorship_one_live_per_person",
            ),
            models.CheckConstraint(
                condition=Q(state__in=[choice.value for choice in M]),
                name="mentorship_state_known",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.mentor} – {self.project}"


class Consultation(models.Model):
    """One entry of the accompaniment log: a question and what was advised.

    Read by the team, its mentors and staff; never public.
    """

    project = models.ForeignKey(
        Project, on_delete=models.CASCADE, related_name="consultations"
    )
    # Kept without its author when the account is deleted.
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    area = models.CharField(_("area"), max_length=20, choices=AccompanimentArea.choices)
    held_on = models.DateField(_("date"))
    notes = models.TextField(_("notes"), max_length=10_000)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("consultation")
        verbose_name_plural = _("consultations")
        ordering = ["-held_on", "-id"]

    def __str__(self) -> str:
        return f"{self.project} – {self.held_on}"


class MilestoneState(models.TextChoices):
    OPEN = "open", _("Open")
    REPORTED = "reported", _("Report submitted")
    REACHED = "reached", _("Reached")
    CANCELLED = "cancelled", _("Cancelled")


S = MilestoneState

# A milestone: the team reports, a mentor or staff accept the report (reached)
# or send it back with a comment (open again); staff may cancel an open one.
MILESTONE_TRANSITIONS: dict[tuple[str, str], frozenset[str]] = {
    (S.OPEN, S.REPORTED): frozenset({TEAM}),
    (S.REPORTED, S.REPORTED): frozenset({TEAM}),
    (S.REPORTED, S.REACHED): frozenset({MENTOR, STAFF}),
    (S.REPORTED, S.OPEN): frozenset({MENTOR, STAFF}),
    (S.OPEN, S.CANCELLED): frozenset({STAFF}),
    (S.CANCELLED, S.OPEN): frozenset({STAFF}),
    (S.REACHED, S.OPEN): frozenset({STAFF}),
}
# Days before its due date a milestone reminds the team.
DUE_SOON_DAYS = 7


def milestone_transition_allowed(source: str, target: str, role: str) -> bool:
    return role in MILESTONE_TRANSITIONS.get((source, target), frozenset())


class Milestone(TitledInTwoLanguages, models.Model):
    project = models.ForeignKey(
        Project, on_delete=models.CASCADE, related_name="milestones"
    )
    title_de = models.CharField(_("title (German)"), max_length=200, blank=True)
    title_en = models.CharField(_("title (English)"), max_length=200, blank=True)
    description_de = models.TextField(_("description (German)"), blank=True)
    description_en = models.TextField(_("description (English)"), blank=True)
    due_on = models.DateField(_("due on"))
    state = models.CharField(
        _("status"), max_length=20, choices=MilestoneState.choices, default=S.OPEN
    )
    reached_on = models.DateField(_("reached on"), null=True, blank=True)
    # The comment of a mentor or staff sending a report back.
    feedback = models.TextField(_("feedback"), blank=True)
    # When the team was reminded; each reminder goes once per due date.
    reminded_due_on = models.DateField(null=True, blank=True)
    reminded_overdue_on = models.DateField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("milestone")
        verbose_name_plural = _("milestones")
        ordering = ["due_on", "id"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(title_de="") | ~Q(title_en=""),
                name="milestone_has_title",
            ),
            models.CheckConstraint(
                condition=Q(state__in=[choice.value for choice in S]),
                name="milestone_state_known",
            ),
            models.CheckConstraint(
                condition=~Q(state=S.REACHED) | Q(reached_on__isnull=False),
                name="milestone_reached_has_date",
            ),
        ]
        indexes = [models.Index(fields=["state", "due_on"])]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return (
            reverse("projects:detail", kwargs={"slug": self.project.slug})
            + f"#milestone-{self.pk}"
        )

    def is_overdue(self, today: date) -> bool:
        return self.state == S.OPEN and self.due_on < today


class MilestoneReport(models.Model):
    """What the team reports for a milestone (a new report for each try)."""

    milestone = models.ForeignKey(
        Milestone, on_delete=models.CASCADE, related_name="reports"
    )
    # Kept without its author when the account is deleted.
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    text = models.TextField(_("report"), max_length=10_000)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("milestone report")
        verbose_name_plural = _("milestone reports")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.milestone} ({self.created_at:%Y-%m-%d})"


def report_file_path(instance: MilestoneReportFile, filename: str) -> str:
    extension = Path(filename).suffix.lower().lstrip(".") or "bin"
    return files.stored_name("programmes/reports", extension)


class MilestoneReportFile(models.Model):
    """An attachment of a milestone report; never under ``/media/``."""

    report = models.ForeignKey(
        MilestoneReport, on_delete=models.CASCADE, related_name="files"
    )
    file = models.FileField(
        upload_to=report_file_path, storage=files.private_storage, max_length=200
    )
    original_name = models.CharField(max_length=200)
    size = models.PositiveBigIntegerField()

    class Meta:
        verbose_name = _("report attachment")
        verbose_name_plural = _("report attachments")
        ordering = ["id"]

    def __str__(self) -> str:
        return self.original_name


class ResultKind(models.TextChoices):
    DATASET = "dataset", _("Dataset")
    DOCUMENT = "document", _("Document")
    CODE = "code", _("Code repository")
    EXPERIENCE = "experience", _("Experience report")
    OTHER = "other", _("Other result")


class ProjectResult(models.Model):
    """A result on the project page: a catalog dataset, or a link."""

    project = models.ForeignKey(
        Project, on_delete=models.CASCADE, related_name="results"
    )
    kind = models.CharField(_("kind"), max_length=20, choices=ResultKind.choices)
    title = models.CharField(_("title"), max_length=200)
    url = models.URLField(_("address"), max_length=500, blank=True)
    dataset = models.OneToOneField(
        "catalog.Dataset",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="project_result",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("project result")
        verbose_name_plural = _("project results")
        ordering = ["created_at", "id"]
        constraints = [
            # A dataset result points to its dataset; a link to its address.
            models.CheckConstraint(
                condition=(Q(kind=ResultKind.DATASET) & Q(dataset__isnull=False))
                | (~Q(kind=ResultKind.DATASET) & Q(dataset__isnull=True) & ~Q(url="")),
                name="project_result_has_target",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    def get_url(self) -> str:
        if self.dataset_id is not None:
            return self.dataset.get_absolute_url()  # type: ignore[union-attr]
        return self.url
