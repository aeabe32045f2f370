from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.contrib.postgres.indexes import GinIndex
from django.contrib.postgres.search import SearchVectorField
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from allmende.core.translation import translated


class AuditLogEntry(models.Model):
    """One state change made by a person or a workflow.

    Rows are written only by :func:`allmende.core.services.audit_log_record` and
    never changed afterwards. The actor is kept as a name too, so the entry still
    says who acted after that account is deleted.
    """

    created_at = models.DateTimeField(_("time"), auto_now_add=True, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("actor"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    actor_name = models.CharField(_("actor name"), max_length=150, blank=True)
    action = models.CharField(_("action"), max_length=100, db_index=True)
    content_type = models.ForeignKey(
        ContentType, null=True, blank=True, on_delete=models.SET_NULL
    )
    object_id = models.PositiveBigIntegerField(null=True, blank=True)
    object_repr = models.CharField(_("object"), max_length=200, blank=True)
    data = models.JSONField(_("details"), default=dict, blank=True)

    class Meta:
        verbose_name = _("audit log entry")
        verbose_name_plural = _("audit log")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["content_type", "object_id"])]

    def __str__(self) -> str:
        return f"{self.created_at:%Y-%m-%d %H:%M} {self.actor_name} {self.action}"


class SearchEntry(models.Model):
    """The text of one searchable object, kept for full-text search.

    PostgreSQL searches ``vector`` (German and English stemming, GIN index).
    SQLite searches the FTS5 table ``core_searchentry_fts``, which triggers from
    the migration keep in step with this table. Code never touches either
    directly: it goes through :mod:`allmende.core.search`.
    """

    content_type = models.ForeignKey(ContentType, on_delete=models.CASCADE)
    object_id = models.PositiveBigIntegerField()
    title = models.TextField(blank=True)
    body = models.TextField(blank=True)
    vector = SearchVectorField(null=True, editable=False)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("search entry")
        verbose_name_plural = _("search entries")
        constraints = [
            models.UniqueConstraint(
                fields=["content_type", "object_id"], name="search_entry_unique"
            )
        ]
        indexes = [GinIndex(fields=["vector"], name="search_entry_vector")]

    def __str__(self) -> str:
        return self.title


class Submission(models.Model):
    """Remembers a form submission so that sending it twice creates nothing twice.

    A form carries a random key; the first request that commits under that key
    records where it led, and a repeated request (a double click, a reload) is
    sent to the same place. See :mod:`allmende.core.idempotency`.
    """

    key = models.UUIDField(unique=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.CASCADE
    )
    result_url = models.CharField(max_length=500)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("form submission")
        verbose_name_plural = _("form submissions")

    def __str__(self) -> str:
        return str(self.key)


class Term(models.Model):
    """A named term of a small vocabulary, in German and English."""

    slug = models.SlugField(unique=True)
    name_de = models.CharField(_("name (German)"), max_length=100)
    name_en = models.CharField(_("name (English)"), max_length=100)

    class Meta:
        abstract = True
        ordering = ["name_de"]

    def __str__(self) -> str:
        from allmende.core.translation import translated

        return translated(self, "name")


class FocusArea(Term):
    """A field of work (education, environment, ...) shared by all modules."""

    class Meta(Term.Meta):
        verbose_name = _("focus area")
        verbose_name_plural = _("focus areas")


class Address(models.Model):
    """A postal address with an optional point on the map."""

    street = models.CharField(_("street and number"), max_length=200, blank=True)
    postal_code = models.CharField(_("postal code"), max_length=10, blank=True)
    city = models.CharField(_("city"), max_length=100, blank=True)
    latitude = models.DecimalField(
        _("latitude"),
        max_digits=9,
        decimal_places=6,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal(-90)), MaxValueValidator(Decimal(90))],
    )
    longitude = models.DecimalField(
        _("longitude"),
        max_digits=9,
        decimal_places=6,
        null=True,
        blank=True,
        validators=[
            MinValueValidator(Decimal(-180)),
            MaxValueValidator(Decimal(180)),
        ],
    )

    class Meta:
        abstract = True

    @property
    def has_location(self) -> bool:
        return self.latitude is not None and self.longitude is not None


class ProgrammeText(models.Model):
    """The programme's name, claim and short text on the start page, in both
    languages; staff change it without a deployment.

    There is at most one row (primary key 1); without it the start page uses
    the defaults of :func:`allmende.core.selectors.programme_text`.
    """

    SINGLETON_PK = 1

    id = models.PositiveSmallIntegerField(primary_key=True, default=SINGLETON_PK)
    name_de = models.CharField(_("name (German)"), max_length=100)
    name_en = models.CharField(_("name (English)"), max_length=100, blank=True)
    claim_de = models.CharField(_("claim (German)"), max_length=200)
    claim_en = models.CharField(_("claim (English)"), max_length=200, blank=True)
    text_de = models.TextField(_("short text (German)"), max_length=1000)
    text_en = models.TextField(_("short text (English)"), max_length=1000, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("programme text")
        verbose_name_plural = _("programme text")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(id=1), name="programmetext_single_row"
            )
        ]

    def __str__(self) -> str:
        return self.name_de

    @property
    def name(self) -> str:
        return translated(self, "name")

    @property
    def claim(self) -> str:
        return translated(self, "claim")

    @property
    def text(self) -> str:
        return translated(self, "text")
