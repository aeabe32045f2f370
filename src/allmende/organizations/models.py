from __future__ import annotations

import hashlib
from pathlib import Path

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from allmende.core import files
from allmende.core.iri import IRIField
from allmende.core.models import Address


class LegalForm(models.TextChoices):
    EV = "ev", _("Registered association (e.V.)")
    ASSOCIATION = "association", _("Unregistered association")
    GGMBH = "ggmbh", _("Non-profit company (gGmbH, gUG)")
    FOUNDATION = "foundation", _("Foundation")
    COOPERATIVE = "cooperative", _("Cooperative (eG)")
    ADMINISTRATION = "administration", _("Public administration")
    INITIATIVE = "initiative", _("Informal group or initiative")
    OTHER = "other", _("Other")


class Region(models.TextChoices):
    BW = "BW", "Baden-Württemberg"
    BY = "BY", _("Bavaria")
    BE = "BE", "Berlin"
    BB = "BB", "Brandenburg"
    HB = "HB", _("Bremen")
    HH = "HH", _("Hamburg")
    HE = "HE", _("Hesse")
    MV = "MV", "Mecklenburg-Vorpommern"
    NI = "NI", _("Lower Saxony")
    NW = "NW", _("North Rhine-Westphalia")
    RP = "RP", _("Rhineland-Palatinate")
    SL = "SL", "Saarland"
    SN = "SN", _("Saxony")
    ST = "ST", _("Saxony-Anhalt")
    SH = "SH", "Schleswig-Holstein"
    TH = "TH", _("Thuringia")
    NATIONWIDE = "DE", _("Nationwide")


def logo_path(instance: Organization, filename: str) -> str:
    """A name the platform chooses; the service has set the extension of
    ``filename`` from the image type found in the content."""
    extension = Path(filename).suffix.lower().lstrip(".")
    if extension not in files.IMAGE_TYPES:
        extension = "bin"
    return files.stored_name("organizations/logos", extension)


class Organization(Address):
    name = models.CharField(_("name"), max_length=200, unique=True)
    slug = models.SlugField(_("short name in addresses"), max_length=200, unique=True)
    legal_form = models.CharField(
        _("legal form"), max_length=20, choices=LegalForm.choices
    )
    focus_areas = models.ManyToManyField(
        "core.FocusArea",
        verbose_name=_("focus areas"),
        blank=True,
        related_name="organizations",
    )
    region = models.CharField(_("region"), max_length=2, choices=Region.choices)
    website = IRIField(_("website"), blank=True)
    email = models.EmailField(_("public e-mail address"), blank=True)
    logo = models.ImageField(_("logo"), upload_to=logo_path, blank=True)
    description_de = models.TextField(_("description (German)"), blank=True)
    description_en = models.TextField(_("description (English)"), blank=True)
    is_verified = models.BooleanField(_("verified"), default=False)
    verified_at = models.DateTimeField(_("verified on"), null=True, blank=True)
    verified_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("organization")
        verbose_name_plural = _("organizations")
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=(
                    Q(latitude__isnull=True, longitude__isnull=True)
                    | Q(latitude__isnull=False, longitude__isnull=False)
                ),
                name="organization_location_complete",
            ),
            models.CheckConstraint(
                condition=Q(is_verified=False) | Q(verified_at__isnull=False),
                name="organization_verified_has_date",
            ),
        ]
        indexes = [models.Index(fields=["legal_form"]), models.Index(fields=["region"])]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("organizations:detail", kwargs={"slug": self.slug})


class Membership(models.Model):
    class Role(models.TextChoices):
        ADMIN = "admin", _("Administrator")
        MEMBER = "member", _("Member")

    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="memberships"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships"
    )
    role = models.CharField(
        _("role"), max_length=20, choices=Role.choices, default=Role.MEMBER
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "user"], name="membership_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.user} @ {self.organization} ({self.role})"


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


class Invitation(models.Model):
    """An invitation by e-mail to join an organization.

    Only the SHA-256 hash of the token is stored; the token itself travels in the
    e-mail, so a copy of the database does not let anyone accept invitations.
    """

    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="invitations"
    )
    email = models.EmailField(_("e-mail address"))
    role = models.CharField(
        _("role"),
        max_length=20,
        choices=Membership.Role.choices,
        default=Membership.Role.MEMBER,
    )
    token_hash = models.CharField(max_length=64, unique=True)
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        on_delete=models.SET_NULL,
        related_name="invitations_sent",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    accepted_at = models.DateTimeField(null=True, blank=True)
    accepted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("invitation")
        verbose_name_plural = _("invitations")
        ordering = ["-created_at"]
        constraints = [
            # One open invitation per address and organization.
            models.UniqueConstraint(
                fields=["organization", "email"],
                condition=Q(accepted_at__isnull=True, revoked_at__isnull=True),
                name="invitation_open_unique",
            )
        ]

    def __str__(self) -> str:
        return f"{self.email} → {self.organization}"

    @property
    def is_open(self) -> bool:
        return (
            self.accepted_at is None
            and self.revoked_at is None
            and self.expires_at > timezone.now()
        )


class VerificationState(models.TextChoices):
    OPEN = "open", _("Waiting for review")
    VERIFIED = "verified", _("Verified")
    DECLINED = "declined", _("Declined")
    WITHDRAWN = "withdrawn", _("Withdrawn")


V = VerificationState

ORGANIZATION_ADMIN = "organization_admin"
STAFF = "staff"

# The state machine of a verification request: every allowed change of state
# and who may make it ("staff": whoever may verify organizations). A request is
# made open by an administrator of the organization (``ORGANIZATION_ADMIN``).
VERIFICATION_TRANSITIONS: dict[tuple[str, str], frozenset[str]] = {
    (V.OPEN, V.VERIFIED): frozenset({STAFF}),
    (V.OPEN, V.DECLINED): frozenset({STAFF}),
    (V.OPEN, V.WITHDRAWN): frozenset({ORGANIZATION_ADMIN}),
}


def verification_transition_allowed(source: str, target: str, role: str) -> bool:
    return role in VERIFICATION_TRANSITIONS.get((source, target), frozenset())


class VerificationRequest(models.Model):
    """An organization's request to be verified, and the staff's answer."""

    organization = models.ForeignKey(
        Organization,
        on_delete=models.CASCADE,
        related_name="verification_requests",
        verbose_name=_("organization"),
    )
    state = models.CharField(
        _("status"),
        max_length=20,
        choices=VerificationState.choices,
        default=VerificationState.OPEN,
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    requested_at = models.DateTimeField(_("requested on"), auto_now_add=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    decided_at = models.DateTimeField(_("decided on"), null=True, blank=True)
    reason = models.TextField(_("reason"), blank=True, max_length=2000)

    class Meta:
        verbose_name = _("verification request")
        verbose_name_plural = _("verification requests")
        ordering = ["requested_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["organization"],
                condition=Q(state=VerificationState.OPEN),
                name="verification_one_open_per_organization",
            ),
            models.CheckConstraint(
                condition=Q(state__in=[choice.value for choice in V]),
                name="verification_state_known",
            ),
            models.CheckConstraint(
                condition=~Q(state=V.DECLINED) | ~Q(reason=""),
                name="verification_declined_has_reason",
            ),
            models.CheckConstraint(
                condition=Q(state=V.OPEN) | Q(decided_at__isnull=False),
                name="verification_decided_has_date",
            ),
        ]
        indexes = [models.Index(fields=["state", "requested_at"])]

    def __str__(self) -> str:
        return f"{self.organization} ({self.state})"

    @property
    def is_open(self) -> bool:
        return self.state == VerificationState.OPEN


class JoinRequestState(models.TextChoices):
    OPEN = "open", _("Waiting for an answer")
    ACCEPTED = "accepted", _("Accepted")
    DECLINED = "declined", _("Declined")


J = JoinRequestState

# The state machine of a request to join: every allowed change of state and who
# may make it. A person who is not a member makes a request open.
JOIN_TRANSITIONS: dict[tuple[str, str], frozenset[str]] = {
    (J.OPEN, J.ACCEPTED): frozenset({ORGANIZATION_ADMIN}),
    (J.OPEN, J.DECLINED): frozenset({ORGANIZATION_ADMIN}),
}


def join_transition_allowed(source: str, target: str, role: str) -> bool:
    return role in JOIN_TRANSITIONS.get((source, target), frozenset())


class JoinRequest(models.Model):
    """A person asks to become a member; the organization's administrators
    accept (the person becomes a member) or decline."""

    organization = models.ForeignKey(
        Organization,
        on_delete=models.CASCADE,
        related_name="join_requests",
        verbose_name=_("organization"),
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="join_requests",
        verbose_name=_("person"),
    )
    state = models.CharField(
        _("status"),
        max_length=20,
        choices=JoinRequestState.choices,
        default=JoinRequestState.OPEN,
    )
    requested_at = models.DateTimeField(_("requested on"), auto_now_add=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    decided_at = models.DateTimeField(_("decided on"), null=True, blank=True)

    class Meta:
        verbose_name = _("request to join")
        verbose_name_plural = _("requests to join")
        ordering = ["requested_at", "id"]
        constraints = [
            # A second click, or a second tab, cannot ask twice.
            models.UniqueConstraint(
                fields=["organization", "user"],
                condition=Q(state=JoinRequestState.OPEN),
                name="join_request_one_open",
            ),
            models.CheckConstraint(
                condition=Q(state__in=[choice.value for choice in J]),
                name="join_request_state_known",
            ),
            models.CheckConstraint(
                condition=Q(state=J.OPEN) | Q(decided_at__isnull=False),
                name="join_request_decided_has_date",
            ),
        ]
        indexes = [models.Index(fields=["organization", "state"])]

    def __str__(self) -> str:
        return f"{self.user} → {self.organization} ({self.state})"

    @property
    def is_open(self) -> bool:
        return self.state == JoinRequestState.OPEN
