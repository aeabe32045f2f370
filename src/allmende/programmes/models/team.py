"""The people who write an application together with its applicant."""

from __future__ import annotations

from datetime import datetime

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class CoApplicantRole(models.TextChoices):
    """What a co-applicant may do; each role includes the ones before it."""

    READ = "read", _("Read")
    COMMENT = "comment", _("Read and comment")
    EDIT = "edit", _("Read, comment and edit")


ROLE_RANK = {
    CoApplicantRole.READ: 1,
    CoApplicantRole.COMMENT: 2,
    CoApplicantRole.EDIT: 3,
}

# How long an invitation may be accepted.
INVITATION_DAYS = 14


class CoApplicant(models.Model):
    """An invitation to, and once accepted a place in, an application.

    ``organization`` is the invitee's partner organization, where the call
    allows partners; empty for a member of the applying organization.
    """

    application = models.ForeignKey(
        "programmes.Application",
        on_delete=models.CASCADE,
        related_name="co_applicants",
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="co_applications",
        verbose_name=_("person"),
    )
    organization = models.ForeignKey(
        "organizations.Organization",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
        verbose_name=_("partner organization"),
    )
    role = models.CharField(
        _("role"),
        max_length=10,
        choices=CoApplicantRole.choices,
        default=CoApplicantRole.READ,
    )
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField(_("invitation expires at"))
    accepted_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("co-applicant")
        verbose_name_plural = _("co-applicants")
        ordering = ["created_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["application", "user"],
                condition=Q(revoked_at__isnull=True),
                name="co_applicant_once_per_application",
            ),
            models.CheckConstraint(
                condition=Q(role__in=[choice.value for choice in CoApplicantRole]),
                name="co_applicant_role_known",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} ({self.role})"

    def is_pending(self, now: datetime | None = None) -> bool:
        now = now or timezone.now()
        return (
            self.accepted_at is None
            and self.revoked_at is None
            and self.expires_at > now
        )

    @property
    def is_active(self) -> bool:
        return self.accepted_at is not None and self.revoked_at is None

    def allows(self, role: str) -> bool:
        return (
            self.is_active
            and ROLE_RANK[CoApplicantRole(self.role)]
            >= ROLE_RANK[CoApplicantRole(role)]
        )


class ApplicationComment(models.Model):
    """A note among the people writing an application (staff read it too)."""

    application = models.ForeignKey(
        "programmes.Application", on_delete=models.CASCADE, related_name="comments"
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+"
    )
    text = models.TextField(_("comment"), max_length=5000)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("comment on an application")
        verbose_name_plural = _("comments on applications")
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return self.text[:60]


class ApplicationRevision(models.Model):
    """The answers as they were at one submission, kept to show what changed."""

    application = models.ForeignKey(
        "programmes.Application", on_delete=models.CASCADE, related_name="revisions"
    )
    number = models.PositiveIntegerField(_("revision"))
    answers = models.JSONField(default=dict)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    submitted_at = models.DateTimeField()

    class Meta:
        verbose_name = _("revision of an application")
        verbose_name_plural = _("revisions of applications")
        ordering = ["application", "number"]
        constraints = [
            models.UniqueConstraint(
                fields=["application", "number"], name="revision_unique_number"
            )
        ]

    def __str__(self) -> str:
        return f"{self.application_id} r{self.number}"
