"""Campaigns: public demands that organizations co-sign and people sign."""

from __future__ import annotations

from pathlib import Path

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from allmende.core import files


class CampaignState(models.TextChoices):
    DRAFT = "draft", _("Draft")
    PUBLISHED = "published", _("Published")
    CLOSED = "closed", _("Closed")
    ARCHIVED = "archived", _("Archived")


class SignerKinds(models.TextChoices):
    ORGANIZATIONS = "organizations", _("Organizations only")
    EVERYONE = "everyone", _("Organizations and individuals")


C = CampaignState
STAFF = "staff"

# The state machine of a campaign: every allowed change and who may make it.
TRANSITIONS: dict[tuple[str, str], frozenset[str]] = {
    (C.DRAFT, C.PUBLISHED): frozenset({STAFF}),
    (C.PUBLISHED, C.CLOSED): frozenset({STAFF}),
    (C.PUBLISHED, C.DRAFT): frozenset({STAFF}),
    (C.CLOSED, C.PUBLISHED): frozenset({STAFF}),
    (C.CLOSED, C.ARCHIVED): frozenset({STAFF}),
    (C.ARCHIVED, C.CLOSED): frozenset({STAFF}),
}

# States in which the public sees a campaign.
PUBLIC_STATES = frozenset({C.PUBLISHED, C.CLOSED, C.ARCHIVED})


def transition_allowed(source: str, target: str, role: str) -> bool:
    return role in TRANSITIONS.get((source, target), frozenset())


def targets_from(source: str, role: str) -> list[str]:
    return [
        target
        for (start, target), roles in TRANSITIONS.items()
        if start == source and role in roles
    ]


def _localized(obj: models.Model, field: str) -> str:
    language = (get_language() or "de")[:2]
    preferred = getattr(obj, f"{field}_{'en' if language == 'en' else 'de'}")
    return str(preferred or getattr(obj, f"{field}_de") or "")


def image_path(instance: Campaign, filename: str) -> str:
    """A name the platform chooses; the service has re-encoded the image and
    set the extension of ``filename`` from its type."""
    extension = Path(filename).suffix.lower().lstrip(".")
    if extension not in files.IMAGE_TYPES:
        extension = "bin"
    return files.stored_name("campaigns/images", extension)


class Campaign(models.Model):
    slug = models.SlugField(_("short name in addresses"), max_length=100, unique=True)
    title_de = models.CharField(_("title (German)"), max_length=200)
    title_en = models.CharField(_("title (English)"), max_length=200, blank=True)
    claim_de = models.CharField(_("short claim (German)"), max_length=300)
    claim_en = models.CharField(_("short claim (English)"), max_length=300, blank=True)
    background_de = models.TextField(
        _("background (German, Markdown)"), blank=True, max_length=20000
    )
    background_en = models.TextField(
        _("background (English, Markdown)"), blank=True, max_length=20000
    )
    image = models.ImageField(_("image"), upload_to=image_path, blank=True)
    image_alt_de = models.CharField(
        _("description of the image (German)"), max_length=300, blank=True
    )
    image_alt_en = models.CharField(
        _("description of the image (English)"), max_length=300, blank=True
    )
    state = models.CharField(
        _("status"), max_length=20, choices=CampaignState.choices, default=C.DRAFT
    )
    signers = models.CharField(
        _("who may sign"),
        max_length=20,
        choices=SignerKinds.choices,
        default=SignerKinds.EVERYONE,
    )
    starts_at = models.DateTimeField(_("signing opens"))
    ends_at = models.DateTimeField(_("signing closes"), null=True, blank=True)
    goal = models.PositiveIntegerField(
        _("goal (signatures of individuals)"), null=True, blank=True
    )
    consent_de = models.TextField(_("consent text (German)"), max_length=4000)
    consent_en = models.TextField(
        _("consent text (English)"), blank=True, max_length=4000
    )
    # Raised whenever the consent text changes; each signature keeps the version
    # it was given under.
    consent_version = models.PositiveIntegerField(default=1)
    names_public = models.BooleanField(
        _("show signers' names publicly (with their consent)"), default=True
    )
    organization = models.ForeignKey(
        "organizations.Organization",
        verbose_name=_("organization running the campaign"),
        help_text=_("Its administrators may export the signatures."),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="campaigns",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    # When the campaign last closed: the retention period of signers' personal
    # data runs from here.
    closed_at = models.DateTimeField(null=True, blank=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("campaign")
        verbose_name_plural = _("campaigns")
        ordering = ["-starts_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(state__in=[choice.value for choice in C]),
                name="campaign_state_known",
            ),
            models.CheckConstraint(
                condition=Q(ends_at__isnull=True)
                | Q(ends_at__gt=models.F("starts_at")),
                name="campaign_ends_after_start",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("campaigns:detail", kwargs={"slug": self.slug})

    @property
    def title(self) -> str:
        return _localized(self, "title")

    @property
    def claim(self) -> str:
        return _localized(self, "claim")

    @property
    def background(self) -> str:
        return _localized(self, "background")

    @property
    def consent(self) -> str:
        return _localized(self, "consent")

    @property
    def image_alt(self) -> str:
        return _localized(self, "image_alt")

    @property
    def individuals_may_sign(self) -> bool:
        return self.signers == SignerKinds.EVERYONE

    def is_open(self, now: object = None) -> bool:
        """Whether signatures are accepted now."""
        moment = now or timezone.now()
        return (
            self.state == C.PUBLISHED
            and self.starts_at <= moment  # type: ignore[operator]
            and (self.ends_at is None or moment < self.ends_at)  # type: ignore[operator]
        )


class ConsentText(models.Model):
    """Each version of a campaign's consent text, kept for proof of consent."""

    campaign = models.ForeignKey(
        Campaign, on_delete=models.CASCADE, related_name="consent_texts"
    )
    version = models.PositiveIntegerField()
    text_de = models.TextField(max_length=4000)
    text_en = models.TextField(blank=True, max_length=4000)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("consent text")
        verbose_name_plural = _("consent texts")
        ordering = ["campaign", "version"]
        constraints = [
            models.UniqueConstraint(
                fields=["campaign", "version"], name="consent_text_version_once"
            )
        ]

    def __str__(self) -> str:
        return f"{self.campaign} – {self.version}"


class Demand(models.Model):
    campaign = models.ForeignKey(
        Campaign, on_delete=models.CASCADE, related_name="demands"
    )
    number = models.PositiveSmallIntegerField(_("number"))
    title_de = models.CharField(_("demand (German)"), max_length=300)
    title_en = models.CharField(_("demand (English)"), max_length=300, blank=True)
    text_de = models.TextField(_("explanation (German, Markdown)"), blank=True)
    text_en = models.TextField(_("explanation (English, Markdown)"), blank=True)

    class Meta:
        verbose_name = _("demand")
        verbose_name_plural = _("demands")
        ordering = ["campaign", "number"]
        constraints = [
            models.UniqueConstraint(
                fields=["campaign", "number"], name="demand_number_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.number}. {self.title}"

    @property
    def title(self) -> str:
        return _localized(self, "title")

    @property
    def text(self) -> str:
        return _localized(self, "text")


class OrganizationSignatureState(models.TextChoices):
    PROPOSED = "proposed", _("Proposed by a member")
    SIGNED = "signed", _("Signed")
    WITHDRAWN = "withdrawn", _("Withdrawn")
    DECLINED = "declined", _("Declined by an administrator")


OS = OrganizationSignatureState
# States in which an organization holds its one place on the list.
ORGANIZATION_ACTIVE = frozenset({OS.PROPOSED, OS.SIGNED})


class OrganizationSignature(models.Model):
    campaign = models.ForeignKey(
        Campaign, on_delete=models.CASCADE, related_name="organization_signatures"
    )
    organization = models.ForeignKey(
        "organizations.Organization",
        on_delete=models.CASCADE,
        related_name="campaign_signatures",
    )
    state = models.CharField(
        _("status"), max_length=20, choices=OrganizationSignatureState.choices
    )
    proposed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    signed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    signed_at = models.DateTimeField(null=True, blank=True)
    withdrawn_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("co-signing organization")
        verbose_name_plural = _("co-signing organizations")
        ordering = ["signed_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["campaign", "organization"],
                condition=Q(state__in=sorted(ORGANIZATION_ACTIVE)),
                name="campaign_organization_once",
            ),
            models.CheckConstraint(
                condition=Q(state__in=[choice.value for choice in OS]),
                name="campaign_organization_state_known",
            ),
            models.CheckConstraint(
                condition=~Q(state=OS.SIGNED) | Q(signed_at__isnull=False),
                name="campaign_organization_signed_has_date",
            ),
        ]
        indexes = [models.Index(fields=["campaign", "state"])]

    def __str__(self) -> str:
        return f"{self.organization} – {self.campaign}"


class SignatureState(models.TextChoices):
    PENDING = "pending", _("E-mail not confirmed yet")
    CONFIRMED = "confirmed", _("Confirmed")
    WITHDRAWN = "withdrawn", _("Withdrawn")


S = SignatureState
SIGNATURE_ACTIVE = frozenset({S.PENDING, S.CONFIRMED})


class Signature(models.Model):
    """One person's signature, given with a name and an e-mail address."""

    campaign = models.ForeignKey(
        Campaign, on_delete=models.CASCADE, related_name="signatures"
    )
    name = models.CharField(_("name"), max_length=150)
    # Normalised: no surrounding blanks, lower case, the domain in IDNA form.
    email = models.EmailField(_("e-mail address"), max_length=254)
    postcode = models.CharField(_("postcode"), max_length=5, blank=True)
    name_public = models.BooleanField(_("show my name publicly"), default=False)
    state = models.CharField(
        _("status"), max_length=20, choices=SignatureState.choices, default=S.PENDING
    )
    consent_version = models.PositiveIntegerField()
    # A keyed hash (HMAC with the secret key) of the address the signature came
    # from: enough to see many signatures from one place, not the address.
    ip_hash = models.CharField(max_length=64, blank=True)
    # Random per signature; the links in mails carry an HMAC of it.
    nonce = models.CharField(max_length=32)
    language = models.CharField(max_length=8, default="de")
    signed_at = models.DateTimeField()
    confirmed_at = models.DateTimeField(null=True, blank=True)
    withdrawn_at = models.DateTimeField(null=True, blank=True)
    # Set once the retention period after the campaign closed has passed and
    # name, address, postcode and IP hash have been removed; it still counts.
    anonymised_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("signature")
        verbose_name_plural = _("signatures")
        ordering = ["confirmed_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["campaign", "email"],
                condition=Q(state__in=sorted(SIGNATURE_ACTIVE)),
                name="campaign_signature_once_per_email",
            ),
            models.CheckConstraint(
                condition=Q(state__in=[choice.value for choice in S]),
                name="campaign_signature_state_known",
            ),
            models.CheckConstraint(
                condition=~Q(state=S.CONFIRMED) | Q(confirmed_at__isnull=False),
                name="campaign_signature_confirmed_has_date",
            ),
        ]
        indexes = [
            models.Index(fields=["campaign", "state"]),
            models.Index(fields=["state", "signed_at"]),
        ]

    def __str__(self) -> str:
        return f"{self.name} – {self.campaign}"


class CampaignCounter(models.Model):
    """The public counts of a campaign, brought up to date in batches.

    A signature or co-signing that changes a count adds a row to
    :class:`CounterDelta` in its own transaction (an insert, which never
    waits for another signer); :func:`~allmende.campaigns.services.counters_update`
    folds the rows into this one every few seconds. Locking one counter row
    per signature is what made petition sites collapse under a rush.
    """

    campaign = models.OneToOneField(
        Campaign, on_delete=models.CASCADE, primary_key=True, related_name="counter"
    )
    organizations = models.IntegerField(default=0)
    individuals = models.IntegerField(default=0)
    updated_at = models.DateTimeField()

    class Meta:
        verbose_name = _("counter")
        verbose_name_plural = _("counters")

    def __str__(self) -> str:
        return f"{self.campaign_id}: {self.organizations}/{self.individuals}"


class CounterDelta(models.Model):
    """One change to a campaign's counts, not yet folded into its counter."""

    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="+")
    organizations = models.SmallIntegerField(default=0)
    individuals = models.SmallIntegerField(default=0)

    class Meta:
        verbose_name = _("counter change")
        verbose_name_plural = _("counter changes")
        indexes = [models.Index(fields=["campaign", "id"])]

    def __str__(self) -> str:
        return f"{self.campaign_id}: {self.organizations:+}/{self.individuals:+}"
