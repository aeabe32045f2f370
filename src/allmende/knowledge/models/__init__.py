"""The knowledge hub: a directory of tools civil society uses.

A tool entry is written by staff and trusted editors; its maintenance signals
(do its addresses still work, when was its last release or commit) are fetched
by a periodic job (see :mod:`allmende.knowledge.checks`) and never typed in.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.deconstruct import deconstructible
from django.utils.translation import get_language_info
from django.utils.translation import gettext_lazy as _

from allmende.core.iri import IRIField
from allmende.core.models import Term
from allmende.core.translation import translated
from allmende.events.models import Level
from allmende.knowledge.licences import LicenceFamily, validate_licence

# The trusted editors: people in this group create and change tool entries
# as staff do (the group is made by a migration; staff add people in the
# admin).
EDITOR_GROUP = "Knowledge editors"


class Category(Term):
    """What a tool is for (video conferencing, surveys, …)."""

    class Meta(Term.Meta):
        verbose_name = _("tool category")
        verbose_name_plural = _("tool categories")


class HostingOption(models.TextChoices):
    SELF_HOSTED = "self_hosted", _("Self-hosted")
    # A hosted service the programme runs will name its tool; a tool with
    # this option then links to the programme's service.
    PROGRAMME = "programme", _("Hosted by the programme")
    PROVIDER = "provider", _("Hosted by a provider")
    SAAS = "saas", _("Software as a service")


class Platform(models.TextChoices):
    WEB = "web", _("Web browser")
    WINDOWS = "windows", "Windows"
    MACOS = "macos", "macOS"
    LINUX = "linux", "Linux"
    ANDROID = "android", "Android"
    IOS = "ios", "iOS"


class Cost(models.TextChoices):
    FREE = "free", _("Free of charge")
    ONE_TIME = "one_time", _("One-time payment")
    SUBSCRIPTION = "subscription", _("Subscription")


class DataLocation(models.TextChoices):
    OWN_SERVER = "own_server", _("Where you run it")
    GERMANY = "germany", _("In Germany")
    EU = "eu", _("In the European Union")
    OUTSIDE_EU = "outside_eu", _("Outside the European Union")
    UNKNOWN = "unknown", _("Not known")


class ProcessingAgreement(models.TextChoices):
    AVAILABLE = "available", _("Available")
    NOT_AVAILABLE = "not_available", _("Not available")
    NOT_NEEDED = "not_needed", _("Not needed (you run it yourself)")
    UNKNOWN = "unknown", _("Not known")


# Languages an interface may offer, by ISO 639-1 code; Django names them in
# the reader's language.
INTERFACE_LANGUAGES = (
    "de", "en", "fr", "es", "it", "nl", "pl", "pt", "cs", "da", "sv", "fi",
    "el", "hu", "ro", "bg", "hr", "tr", "ar", "fa", "uk", "ru",
)  # fmt: skip


def language_choices() -> list[tuple[str, str]]:
    return [
        (code, str(get_language_info(code)["name_translated"]))
        for code in INTERFACE_LANGUAGES
    ]


@deconstructible
class ChoiceListValidator:
    """A JSON list whose items are each one of ``allowed``, each once."""

    def __init__(self, allowed: list[str] | tuple[str, ...]) -> None:
        self.allowed = list(allowed)

    def __call__(self, value: Any) -> None:
        if not isinstance(value, list) or not all(
            isinstance(item, str) and item in self.allowed for item in value
        ):
            raise ValidationError(
                _("Please choose only from the options offered."),
                code="invalid_choice",
            )
        if len(set(value)) != len(value):
            raise ValidationError(_("Each option only once, please."), code="twice")

    def __eq__(self, other: object) -> bool:
        return isinstance(other, ChoiceListValidator) and other.allowed == self.allowed


validate_hosting = ChoiceListValidator(HostingOption.values)
validate_platforms = ChoiceListValidator(Platform.values)
validate_languages = ChoiceListValidator(INTERFACE_LANGUAGES)


def validate_alternatives(value: Any) -> None:
    if not isinstance(value, list) or not all(
        isinstance(item, str) and 0 < len(item) <= 60 for item in value
    ):
        raise ValidationError(
            _("Name each product in at most 60 characters."), code="invalid"
        )
    if len(value) > 12:
        raise ValidationError(_("Name at most 12 products."), code="too_many")


def empty_list() -> list[str]:
    return []


class ActivityKind(models.TextChoices):
    RELEASE = "release", _("release")
    COMMIT = "commit", _("commit")


class Tool(models.Model):
    """One tool of the directory.

    The fields up to ``alternative_to`` are written by editors; the
    ``activity_*``, ``links_*`` and ``checked_at`` fields are written only by
    the maintenance check. List values (hosting options, platforms,
    languages, alternatives) are JSON lists of choice values, filtered through
    :mod:`allmende.knowledge.selectors`.
    """

    name = models.CharField(_("name"), max_length=100, unique=True)
    slug = models.SlugField(_("short name in addresses"), max_length=100, unique=True)
    purpose_de = models.CharField(_("purpose in one line (German)"), max_length=160)
    purpose_en = models.CharField(
        _("purpose in one line (English)"), max_length=160, blank=True
    )
    description_de = models.TextField(
        _("description (German)"), blank=True, max_length=10000
    )
    description_en = models.TextField(
        _("description (English)"), blank=True, max_length=10000
    )
    categories = models.ManyToManyField(
        Category, verbose_name=_("categories"), related_name="tools"
    )
    licence = models.CharField(
        _("licence (SPDX)"), max_length=200, validators=[validate_licence]
    )
    licence_family = models.CharField(
        _("licence family"),
        max_length=20,
        choices=LicenceFamily.choices,
        editable=False,
    )
    source_url = IRIField(_("source code address"), blank=True)
    homepage_url = IRIField(_("homepage"), blank=True)
    release_feed_url = IRIField(_("Atom feed of releases"), blank=True)
    hosting = models.JSONField(
        _("hosting options"),
        default=empty_list,
        blank=True,
        validators=[validate_hosting],
    )
    platforms = models.JSONField(
        _("platforms"), default=empty_list, blank=True, validators=[validate_platforms]
    )
    data_location = models.CharField(
        _("where data is stored"),
        max_length=20,
        choices=DataLocation.choices,
        default=DataLocation.UNKNOWN,
    )
    processing_agreement = models.CharField(
        _("processing agreement (AV-Vertrag)"),
        max_length=20,
        choices=ProcessingAgreement.choices,
        default=ProcessingAgreement.UNKNOWN,
    )
    privacy_url = IRIField(_("privacy policy"), blank=True)
    terms_url = IRIField(_("terms of use"), blank=True)
    privacy_notes_de = models.TextField(
        _("data protection notes (German)"), blank=True, max_length=4000
    )
    privacy_notes_en = models.TextField(
        _("data protection notes (English)"), blank=True, max_length=4000
    )
    cost = models.CharField(
        _("cost"), max_length=20, choices=Cost.choices, default=Cost.FREE
    )
    nonprofit_discount = models.BooleanField(
        _("reduced price for non-profits"), default=False
    )
    cost_notes_de = models.CharField(
        _("notes on cost (German)"), max_length=300, blank=True
    )
    cost_notes_en = models.CharField(
        _("notes on cost (English)"), max_length=300, blank=True
    )
    difficulty = models.CharField(
        _("difficulty"), max_length=20, choices=Level.choices, default=Level.BEGINNER
    )
    languages = models.JSONField(
        _("interface languages"),
        default=empty_list,
        blank=True,
        validators=[validate_languages],
    )
    accessibility_notes_de = models.TextField(
        _("accessibility notes (German)"), blank=True, max_length=4000
    )
    accessibility_notes_en = models.TextField(
        _("accessibility notes (English)"), blank=True, max_length=4000
    )
    alternative_to = models.JSONField(
        _("alternative to"),
        default=empty_list,
        blank=True,
        validators=[validate_alternatives],
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(_("updated on"), auto_now=True)

    # Maintenance signals, written by the check.
    activity_at = models.DateTimeField(
        _("last release or commit"), null=True, blank=True, editable=False
    )
    activity_kind = models.CharField(
        max_length=10, choices=ActivityKind.choices, blank=True
    )
    activity_error_template = models.TextField(blank=True)
    activity_error_params = models.JSONField(default=dict, blank=True)
    links_broken = models.BooleanField(_("broken links"), default=False)
    checked_at = models.DateTimeField(
        _("last checked"), null=True, blank=True, editable=False
    )
    # Claimed by a check that is running (compare-and-set); a claim older than
    # the check's time limit counts as abandoned.
    check_started_at = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        verbose_name = _("tool")
        verbose_name_plural = _("tools")
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(licence_family__in=LicenceFamily.values),
                name="tool_licence_family_known",
            ),
            models.CheckConstraint(
                condition=Q(activity_at__isnull=True) | ~Q(activity_kind=""),
                name="tool_activity_has_kind",
            ),
        ]
        indexes = [
            models.Index(fields=["licence_family"]),
            models.Index(fields=["cost"]),
            models.Index(fields=["difficulty"]),
            models.Index(fields=["-updated_at"]),
            models.Index(fields=["links_broken"]),
            models.Index(fields=["activity_at"]),
            models.Index(fields=["checked_at"]),
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("knowledge:tool_detail", kwargs={"slug": self.slug})

    @property
    def purpose(self) -> str:
        return translated(self, "purpose")

    @property
    def description(self) -> str:
        return translated(self, "description")

    @property
    def privacy_notes(self) -> str:
        return translated(self, "privacy_notes")

    @property
    def cost_notes(self) -> str:
        return translated(self, "cost_notes")

    @property
    def accessibility_notes(self) -> str:
        return translated(self, "accessibility_notes")

    def hosting_labels(self) -> list[str]:
        labels = dict(HostingOption.choices)
        return [str(labels[value]) for value in self.hosting if value in labels]

    def platform_labels(self) -> list[str]:
        labels = dict(Platform.choices)
        return [str(labels[value]) for value in self.platforms if value in labels]

    def language_labels(self) -> list[str]:
        labels = dict(language_choices())
        return [labels[code] for code in self.languages if code in labels]

    @property
    def looks_unmaintained(self) -> bool:
        """No release or commit for longer than the configured months."""
        if self.activity_at is None:
            return False
        return self.activity_at < unmaintained_before()


def unmaintained_before() -> datetime:
    """The moment before which a tool's last activity counts as too old."""
    months = settings.ALLMENDE_KNOWLEDGE_UNMAINTAINED_MONTHS
    return timezone.now() - timedelta(days=round(months * 30.44))


class LinkKind(models.TextChoices):
    HOMEPAGE = "homepage", _("homepage")
    SOURCE = "source", _("source code address")
    PRIVACY = "privacy", _("privacy policy")
    TERMS = "terms", _("terms of use")
    FEED = "feed", _("Atom feed of releases")


class ToolLink(models.Model):
    """The result of the latest check of one address of a tool."""

    tool = models.ForeignKey(Tool, on_delete=models.CASCADE, related_name="links")
    kind = models.CharField(max_length=20, choices=LinkKind.choices)
    url = models.URLField(max_length=500)
    ok = models.BooleanField()
    status_code = models.PositiveSmallIntegerField(null=True)
    error_template = models.TextField(blank=True)
    error_params = models.JSONField(default=dict, blank=True)
    checked_at = models.DateTimeField()
    # When the address stopped working (kept while it stays broken).
    broken_since = models.DateTimeField(null=True)

    class Meta:
        verbose_name = _("checked address")
        verbose_name_plural = _("checked addresses")
        constraints = [
            models.UniqueConstraint(fields=["tool", "kind"], name="toollink_unique"),
            models.CheckConstraint(
                condition=Q(ok=True) | Q(broken_since__isnull=False),
                name="toollink_broken_has_date",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.tool_id} {self.kind}: {self.url}"


# The other topics of the knowledge hub, each in a module of its own.
from allmende.knowledge.models.handbook import PAGE_TRANSITIONS as PAGE_TRANSITIONS  # noqa: E402, E501
from allmende.knowledge.models.handbook import REVIEWER_GROUP as REVIEWER_GROUP  # noqa: E402
from allmende.knowledge.models.handbook import Book as Book  # noqa: E402
from allmende.knowledge.models.handbook import Chapter as Chapter  # noqa: E402
from allmende.knowledge.models.handbook import Page as Page  # noqa: E402
from allmende.knowledge.models.handbook import PageRevision as PageRevision  # noqa: E402
from allmende.knowledge.models.handbook import PageState as PageState  # noqa: E402
from allmende.knowledge.models.hosting import AccessState as AccessState  # noqa: E402
from allmende.knowledge.models.hosting import CodeOfConduct as CodeOfConduct  # noqa: E402
from allmende.knowledge.models.hosting import HostedService as HostedService  # noqa: E402
from allmende.knowledge.models.hosting import Provisioner as Provisioner  # noqa: E402
from allmende.knowledge.models.hosting import ServiceRequest as ServiceRequest  # noqa: E402
from allmende.knowledge.models.hosting import WebhookDelivery as WebhookDelivery  # noqa: E402
from allmende.knowledge.models.reports import REPORT_TRANSITIONS as REPORT_TRANSITIONS  # noqa: E402, E501
from allmende.knowledge.models.reports import ContentLanguage as ContentLanguage  # noqa: E402
from allmende.knowledge.models.reports import Report as Report  # noqa: E402
from allmende.knowledge.models.reports import ReportState as ReportState  # noqa: E402
from allmende.knowledge.models.reports import ReportVote as ReportVote  # noqa: E402
from allmende.knowledge.models.reports import SuggestionState as SuggestionState  # noqa: E402
from allmende.knowledge.models.reports import ToolSuggestion as ToolSuggestion  # noqa: E402
from allmende.knowledge.models.reports import ToolUse as ToolUse  # noqa: E402
