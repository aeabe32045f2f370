"""Harvest sources, their runs with a log per record, and harvested records.

A :class:`HarvestedRecord` ties a dataset of the catalog to the record of a
source it came from; the catalog's own tables know nothing of harvesting.
Messages in the run log are stored as an English template with its values
(like the dataset engine's), so each reader sees them in their language.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from allmende.core.iri import IRIField


def message_text(message: dict[str, Any]) -> str:
    """One stored message (``{"template": ..., "params": {...}}``) in the active
    language, with its values filled in."""
    text = gettext(message.get("template") or "")
    try:
        return text.format(**(message.get("params") or {}))
    except (KeyError, IndexError, ValueError):
        return text


class HarvestSource(models.Model):
    class Kind(models.TextChoices):
        DCAT = "dcat", _("DCAT catalog (Turtle, RDF/XML or JSON-LD)")
        CKAN = "ckan", _("CKAN site (Action API)")

    name = models.CharField(_("name"), max_length=200, unique=True)
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    url = IRIField(
        _("address (URL)"),
        max_length=1000,
        help_text=_(
            "For a DCAT catalog the address of its first page, for example "
            "https://example.org/catalog.ttl; for a CKAN site its home page, "
            "for example https://ckan.example.org."
        ),
    )
    organization = models.ForeignKey(
        "organizations.Organization",
        verbose_name=_("publish datasets as"),
        on_delete=models.PROTECT,
        related_name="harvest_sources",
        help_text=_("The organization the harvested datasets are published under."),
    )
    is_active = models.BooleanField(
        _("active"),
        default=True,
        help_text=_("Inactive sources are neither harvested on schedule nor by hand."),
    )
    interval_hours = models.PositiveIntegerField(
        _("harvest every (hours)"),
        null=True,
        blank=True,
        help_text=_("Leave empty to harvest only by hand."),
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    modified_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("harvest source")
        verbose_name_plural = _("harvest sources")
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(kind__in=["dcat", "ckan"]), name="harvest_source_kind"
            ),
            models.CheckConstraint(
                condition=Q(url__startswith="http://") | Q(url__startswith="https://"),
                name="harvest_source_url_is_http",
            ),
            models.CheckConstraint(
                condition=Q(interval_hours__isnull=True) | Q(interval_hours__gte=1),
                name="harvest_source_interval_positive",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("harvest:source", kwargs={"pk": self.pk})


class HarvestRun(models.Model):
    class Status(models.TextChoices):
        QUEUED = "queued", _("Waiting to start")
        RUNNING = "running", _("Running")
        SUCCEEDED = "succeeded", _("Finished")
        FAILED = "failed", _("Failed")

    ACTIVE = (Status.QUEUED, Status.RUNNING)

    source = models.ForeignKey(
        HarvestSource,
        verbose_name=_("source"),
        on_delete=models.CASCADE,
        related_name="runs",
    )
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.QUEUED
    )
    started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("started by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )  # empty for a scheduled run
    queued_at = models.DateTimeField(_("queued at"), auto_now_add=True)
    started_at = models.DateTimeField(_("started at"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    heartbeat_at = models.DateTimeField(null=True, blank=True)
    created = models.PositiveIntegerField(_("created"), default=0)
    updated = models.PositiveIntegerField(_("updated"), default=0)
    unchanged = models.PositiveIntegerField(_("unchanged"), default=0)
    skipped = models.PositiveIntegerField(_("skipped"), default=0)
    failed = models.PositiveIntegerField(_("failed"), default=0)
    withdrawn = models.PositiveIntegerField(_("withdrawn"), default=0)
    pages = models.PositiveIntegerField(_("pages read"), default=0)
    error = models.JSONField(_("error"), default=dict, blank=True)

    class Meta:
        verbose_name = _("harvest run")
        verbose_name_plural = _("harvest runs")
        ordering = ["-queued_at", "-pk"]
        constraints = [
            # Two runs of one source never overlap: at most one is active.
            models.UniqueConstraint(
                fields=["source"],
                condition=Q(status__in=["queued", "running"]),
                name="harvest_run_one_active_per_source",
            ),
            models.CheckConstraint(
                condition=Q(status__in=["queued", "running"], finished_at__isnull=True)
                | Q(status__in=["succeeded", "failed"], finished_at__isnull=False),
                name="harvest_run_finished_when_done",
            ),
            # A run may fail before it started (its job was lost).
            models.CheckConstraint(
                condition=Q(status__in=["queued", "failed"])
                | Q(started_at__isnull=False),
                name="harvest_run_started_unless_queued",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.source} {self.queued_at:%Y-%m-%d %H:%M}"

    def get_absolute_url(self) -> str:
        return reverse("harvest:run", kwargs={"pk": self.pk})

    @property
    def is_active(self) -> bool:
        return self.status in self.ACTIVE

    @property
    def error_text(self) -> str:
        return message_text(self.error) if self.error else ""


class HarvestLogEntry(models.Model):
    """What one run did with one record of the source, and why."""

    class Action(models.TextChoices):
        CREATED = "created", _("created")
        UPDATED = "updated", _("updated")
        UNCHANGED = "unchanged", _("unchanged")
        SKIPPED = "skipped", _("skipped")
        FAILED = "failed", _("failed")
        WITHDRAWN = "withdrawn", _("withdrawn at the source")

    run = models.ForeignKey(
        HarvestRun, on_delete=models.CASCADE, related_name="entries"
    )
    remote_id = models.CharField(_("identifier at the source"), max_length=500)
    title = models.CharField(_("title"), max_length=300, blank=True)
    action = models.CharField(_("action"), max_length=20, choices=Action.choices)
    # Messages as {"template": ..., "params": {...}}: why, or what to know.
    reasons = models.JSONField(_("reasons"), default=list, blank=True)
    dataset = models.ForeignKey(
        "catalog.Dataset",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("harvest log entry")
        verbose_name_plural = _("harvest log")
        ordering = ["pk"]
        indexes = [models.Index(fields=["run", "action"])]

    def __str__(self) -> str:
        return f"{self.remote_id} {self.action}"

    @property
    def reason_texts(self) -> list[str]:
        return [message_text(reason) for reason in self.reasons]


class HarvestedRecord(models.Model):
    """A dataset of the catalog that came from a record of a source.

    ``local_modified_at`` and ``audit_mark`` are the dataset's modification
    time and the newest entry of its change history right after the last
    sync; anything newer was changed here, and is never overwritten silently.
    """

    source = models.ForeignKey(
        HarvestSource,
        verbose_name=_("source"),
        on_delete=models.CASCADE,
        related_name="records",
    )
    remote_id = models.CharField(_("identifier at the source"), max_length=500)
    # Empty once the dataset was deleted here: it is then not created again.
    dataset = models.OneToOneField(
        "catalog.Dataset",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="harvest_record",
    )
    remote_url = IRIField(_("original"), max_length=1000, blank=True)
    remote_modified = models.DateTimeField(
        _("changed at the source"), null=True, blank=True
    )
    content_hash = models.CharField(max_length=64)
    synced_at = models.DateTimeField(_("last synchronized"))
    local_modified_at = models.DateTimeField(null=True, blank=True)
    audit_mark = models.PositiveBigIntegerField(default=0)
    # Distribution key at the source -> id of the resource made from it.
    resource_map = models.JSONField(default=dict, blank=True)
    withdrawn_at = models.DateTimeField(
        _("withdrawn at the source"), null=True, blank=True
    )

    class Meta:
        verbose_name = _("harvested record")
        verbose_name_plural = _("harvested records")
        constraints = [
            models.UniqueConstraint(
                fields=["source", "remote_id"], name="harvest_record_unique_remote"
            ),
            models.CheckConstraint(
                condition=~Q(remote_id=""), name="harvest_record_has_remote_id"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.source}: {self.remote_id}"
