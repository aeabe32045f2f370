"""Datasets, their resources and each resource's versions.

Field names follow DCAT-AP.de where there is one (publisher = organization,
contact point, licence per distribution, media type, byte size, checksum,
issued and modified), so a later DCAT-AP.de or CKAN export can fill every
mandatory and recommended property from these rows.
"""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from allmende.catalog import storage, vocabularies
from allmende.core import files
from allmende.core.iri import IRIField
from allmende.core.translation import TitledInTwoLanguages


class Dataset(TitledInTwoLanguages, models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        PUBLISHED = "published", _("Published")

    organization = models.ForeignKey(
        "organizations.Organization",
        verbose_name=_("publisher"),
        on_delete=models.PROTECT,
        related_name="datasets",
    )
    slug = models.SlugField(_("short name in addresses"), max_length=120, unique=True)
    title_de = models.CharField(_("title (German)"), max_length=200, blank=True)
    title_en = models.CharField(_("title (English)"), max_length=200, blank=True)
    description_de = models.TextField(_("description (German)"), blank=True)
    description_en = models.TextField(_("description (English)"), blank=True)
    licence = models.CharField(
        _("licence"), max_length=200, choices=vocabularies.licence_choices
    )
    keywords = models.JSONField(_("keywords"), default=list, blank=True)
    temporal_start = models.DateField(_("covers the time from"), null=True, blank=True)
    temporal_end = models.DateField(_("covers the time until"), null=True, blank=True)
    spatial = models.CharField(
        _("area covered"),
        max_length=200,
        blank=True,
        help_text=_("For example a city, a district or “Germany”."),
    )
    spatial_uri = IRIField(_("address of the area (URI)"), blank=True)
    contact_name = models.CharField(_("contact name"), max_length=200, blank=True)
    contact_email = models.EmailField(_("contact e-mail address"), blank=True)
    update_frequency = models.CharField(
        _("update frequency"),
        max_length=200,
        choices=vocabularies.frequency_choices,
        blank=True,
    )
    language = models.CharField(
        _("language of the data"),
        max_length=2,
        choices=settings.LANGUAGES,
        default="de",
    )
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.DRAFT
    )
    is_private = models.BooleanField(
        _("private"),
        default=False,
        help_text=_("Only members of the organization and staff can see it."),
    )
    issued_at = models.DateTimeField(_("published on"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    modified_at = models.DateTimeField(_("last changed"), auto_now=True)

    class Meta:
        verbose_name = _("dataset")
        verbose_name_plural = _("datasets")
        ordering = ["-modified_at"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(title_de="") | ~Q(title_en=""),
                name="dataset_has_title",
            ),
            models.CheckConstraint(
                condition=Q(status="draft") | Q(issued_at__isnull=False),
                name="dataset_published_has_date",
            ),
            models.CheckConstraint(
                condition=Q(temporal_start__isnull=True)
                | Q(temporal_end__isnull=True)
                | Q(temporal_start__lte=F("temporal_end")),
                name="dataset_temporal_in_order",
            ),
        ]
        indexes = [models.Index(fields=["status", "is_private"])]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("catalog:dataset", kwargs={"slug": self.slug})

    @property
    def is_published(self) -> bool:
        return self.status == self.Status.PUBLISHED

    @property
    def licence_label(self) -> str:
        return vocabularies.label(self.licence)

    @property
    def frequency_label(self) -> str:
        return (
            vocabularies.label(self.update_frequency) if self.update_frequency else ""
        )


class DatasetTheme(models.Model):
    """One EU data theme of a dataset (a row each, so themes can be faceted)."""

    dataset = models.ForeignKey(
        Dataset, on_delete=models.CASCADE, related_name="themes"
    )
    theme = models.CharField(
        _("theme"), max_length=200, choices=vocabularies.theme_choices
    )

    class Meta:
        verbose_name = _("theme")
        verbose_name_plural = _("themes")
        constraints = [
            models.UniqueConstraint(
                fields=["dataset", "theme"], name="dataset_theme_unique"
            )
        ]

    def __str__(self) -> str:
        return vocabularies.label(self.theme)


class Resource(TitledInTwoLanguages, models.Model):
    """A distribution of a dataset: an uploaded table or a link."""

    class Kind(models.TextChoices):
        UPLOAD = "upload", _("Uploaded file")
        LINK = "link", _("Link")

    dataset = models.ForeignKey(
        Dataset, on_delete=models.CASCADE, related_name="resources"
    )
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    title_de = models.CharField(_("title (German)"), max_length=200, blank=True)
    title_en = models.CharField(_("title (English)"), max_length=200, blank=True)
    description_de = models.TextField(_("description (German)"), blank=True)
    description_en = models.TextField(_("description (English)"), blank=True)
    url = IRIField(_("address (URL)"), max_length=1000, blank=True)
    format = models.CharField(_("format"), max_length=20, blank=True)
    licence = models.CharField(
        _("licence"),
        max_length=200,
        choices=vocabularies.licence_choices,
        blank=True,
        help_text=_("Leave empty to use the licence of the dataset."),
    )
    current_version = models.ForeignKey(
        "ResourceVersion",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("version shown"),
    )
    position = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)
    modified_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("resource")
        verbose_name_plural = _("resources")
        ordering = ["position", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(kind="upload") | ~Q(url=""), name="resource_link_has_url"
            ),
            models.CheckConstraint(
                condition=~Q(title_de="") | ~Q(title_en=""),
                name="resource_has_title",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse(
            "catalog:resource", kwargs={"slug": self.dataset.slug, "pk": self.pk}
        )

    @property
    def effective_licence(self) -> str:
        return self.licence or self.dataset.licence


class ResourceVersion(models.Model):
    """One uploaded file of a resource and the state of its table."""

    class Status(models.TextChoices):
        QUEUED = "queued", _("Waiting to be loaded")
        RUNNING = "running", _("Loading")
        READY = "ready", _("Loaded")
        FAILED = "failed", _("Could not be loaded")

    resource = models.ForeignKey(
        Resource, on_delete=models.CASCADE, related_name="versions"
    )
    number = models.PositiveIntegerField()
    # Empty until a linked file has been fetched.
    original = models.FileField(
        _("file"),
        upload_to=storage.original_upload_to,
        storage=files.private_storage,
        max_length=500,
        blank=True,
    )
    filename = models.CharField(_("file name"), max_length=255)
    byte_size = models.PositiveBigIntegerField(_("size in bytes"), default=0)
    checksum_sha256 = models.CharField(_("SHA-256 checksum"), max_length=64, blank=True)
    media_type = models.CharField(_("media type"), max_length=100, blank=True)
    format = models.CharField(_("format"), max_length=20, blank=True)
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.QUEUED
    )
    progress = models.FloatField(
        default=0.0, validators=[MinValueValidator(0.0), MaxValueValidator(1.0)]
    )
    stage = models.CharField(max_length=40, blank=True)
    error_template = models.TextField(blank=True)
    error_params = models.JSONField(default=dict, blank=True)
    options = models.JSONField(default=dict, blank=True)
    columns = models.JSONField(default=list, blank=True)
    row_count = models.PositiveBigIntegerField(null=True, blank=True)
    report = models.JSONField(default=dict, blank=True)
    geometry_column = models.CharField(max_length=200, blank=True)
    load_info = models.JSONField(default=dict, blank=True)
    # A running load writes its heartbeat here; a queued one, when it was
    # queued. The periodic sweep queues a load again (counting its attempts)
    # or fails it when its worker died (see services.loads_recover).
    heartbeat_at = models.DateTimeField(null=True, blank=True)
    load_attempts = models.PositiveSmallIntegerField(default=0)
    # The engine's build of this version that is served (see
    # ``catalog/tablestore.py``): a folder name in the table store.
    table_build = models.CharField(max_length=80, blank=True)
    loaded_at = models.DateTimeField(
        _("table loaded on"),
        null=True,
        blank=True,
    )  # set once a table exists; a later failed re-load keeps it
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("version")
        verbose_name_plural = _("versions")
        ordering = ["-number"]
        constraints = [
            models.UniqueConstraint(
                fields=["resource", "number"], name="resource_version_unique"
            ),
            models.CheckConstraint(
                condition=Q(progress__gte=0) & Q(progress__lte=1),
                name="resource_version_progress_range",
            ),
            models.CheckConstraint(
                condition=~Q(status="ready") | Q(loaded_at__isnull=False),
                name="resource_version_ready_is_loaded",
            ),
            models.CheckConstraint(
                condition=Q(loaded_at__isnull=True) | ~Q(table_build=""),
                name="resource_version_loaded_has_build",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.resource} v{self.number}"

    @property
    def is_busy(self) -> bool:
        """Queued, or running with a recent heartbeat: a load that lost its
        worker is not busy, so its owner may load it again."""
        if self.status == self.Status.QUEUED:
            return True
        return self.status == self.Status.RUNNING and not self.is_stale

    @property
    def is_stale(self) -> bool:
        """Running, but no heartbeat for ``ALLMENDE_LOAD_STALE_SECONDS``."""
        if self.status != self.Status.RUNNING:
            return False
        if self.heartbeat_at is None:
            return True
        limit = timedelta(seconds=settings.ALLMENDE_LOAD_STALE_SECONDS)
        return timezone.now() - self.heartbeat_at > limit

    @property
    def has_table(self) -> bool:
        return self.loaded_at is not None

    @property
    def percent(self) -> int:
        return round(self.progress * 100)
