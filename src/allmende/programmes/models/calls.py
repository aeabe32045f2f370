from __future__ import annotations

from datetime import datetime

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from allmende.core import files
from allmende.core.translation import TitledInTwoLanguages


class CallState(models.TextChoices):
    DRAFT = "draft", _("Draft")
    PUBLISHED = "published", _("Published")
    CLOSED = "closed", _("Closed")
    ARCHIVED = "archived", _("Archived")


class Eligibility(models.TextChoices):
    ANY = "any", _("Any organization")
    VERIFIED = "verified", _("Verified organizations only")


C = CallState
STAFF = "staff"
SYSTEM = "system"

# The life of a call: every allowed change of state and who may make it.
# "system" is the platform itself (closing a call once its closing time has
# passed); "staff" the programme team. A published call is open from its
# opening to its closing time; staff may publish a closed call again (with a
# later closing time) to extend it.
CALL_TRANSITIONS: dict[tuple[str, str], frozenset[str]] = {
    (C.DRAFT, C.PUBLISHED): frozenset({STAFF}),
    (C.PUBLISHED, C.DRAFT): frozenset({STAFF}),
    (C.PUBLISHED, C.CLOSED): frozenset({STAFF, SYSTEM}),
    (C.CLOSED, C.PUBLISHED): frozenset({STAFF}),
    (C.CLOSED, C.ARCHIVED): frozenset({STAFF}),
    (C.ARCHIVED, C.CLOSED): frozenset({STAFF}),
}


def call_transition_allowed(source: str, target: str, role: str) -> bool:
    return role in CALL_TRANSITIONS.get((source, target), frozenset())


def attachment_path(instance: Call, filename: str) -> str:
    return files.stored_name("programmes/calls", "pdf")


# How many days before its closing time a call shows a countdown.
COUNTDOWN_DAYS = 7


class Call(TitledInTwoLanguages, models.Model):
    title_de = models.CharField(_("title (German)"), max_length=200)
    title_en = models.CharField(_("title (English)"), max_length=200, blank=True)
    slug = models.SlugField(_("short name in addresses"), max_length=220, unique=True)
    description_de = models.TextField(_("description (German)"))
    description_en = models.TextField(_("description (English)"), blank=True)
    state = models.CharField(
        _("status"), max_length=20, choices=CallState.choices, default=C.DRAFT
    )
    eligibility = models.CharField(
        _("organizations that may apply"),
        max_length=20,
        choices=Eligibility.choices,
        default=Eligibility.ANY,
    )
    # Empty lists mean "any legal form" and "any region".
    legal_forms = models.JSONField(_("legal forms"), default=list, blank=True)
    regions = models.JSONField(_("regions"), default=list, blank=True)
    individuals_allowed = models.BooleanField(_("individuals may apply"), default=False)
    partners_allowed = models.BooleanField(
        _("people from partner organizations may join applications"), default=False
    )
    opens_at = models.DateTimeField(_("opens at"))
    closes_at = models.DateTimeField(_("closes at"))
    budget = models.DecimalField(
        _("budget (euros)"), max_digits=12, decimal_places=2, null=True, blank=True
    )
    expected_projects = models.PositiveIntegerField(
        _("number of projects expected"), null=True, blank=True
    )
    contact_name = models.CharField(_("contact person"), max_length=200, blank=True)
    contact_email = models.EmailField(_("contact e-mail address"), blank=True)
    attachment = models.FileField(
        _("call text (PDF)"),
        upload_to=attachment_path,
        storage=files.private_storage,
        blank=True,
        max_length=200,
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("call")
        verbose_name_plural = _("calls")
        ordering = ["closes_at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(closes_at__gt=models.F("opens_at")),
                name="call_closes_after_opening",
            ),
            models.CheckConstraint(
                condition=Q(state__in=[choice.value for choice in C]),
                name="call_state_known",
            ),
        ]
        indexes = [models.Index(fields=["state", "closes_at"])]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("programmes:call", kwargs={"slug": self.slug})

    def is_open(self, now: datetime | None = None) -> bool:
        now = now or timezone.now()
        return self.state == C.PUBLISHED and self.opens_at <= now < self.closes_at

    def is_upcoming(self, now: datetime | None = None) -> bool:
        now = now or timezone.now()
        return self.state == C.PUBLISHED and now < self.opens_at

    def is_past(self, now: datetime | None = None) -> bool:
        now = now or timezone.now()
        return self.state in (C.CLOSED, C.ARCHIVED) or (
            self.state == C.PUBLISHED and self.closes_at <= now
        )

    def shows_countdown(self, now: datetime | None = None) -> bool:
        now = now or timezone.now()
        return self.is_open(now) and (self.closes_at - now).days < COUNTDOWN_DAYS
