"""The application form of a call, built by staff, in versions.

A call's form is a series of :class:`FormVersion` rows. The newest version is
the one staff edit and new applications are written against, as long as no
application has been started on it; once one has, a change to the form copies
the version into a new one (``services.form_editable_version``), so every
application keeps the fields it was written against. A field keeps its ``key``
from version to version; answers are stored by key.
"""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from allmende.core.translation import translated


class FieldKind(models.TextChoices):
    SHORT_TEXT = "short_text", _("Short text")
    LONG_TEXT = "long_text", _("Long text")
    NUMBER = "number", _("Number")
    MONEY = "money", _("Amount of money")
    DATE = "date", _("Date")
    SINGLE_CHOICE = "single_choice", _("Single choice")
    MULTIPLE_CHOICE = "multiple_choice", _("Multiple choice")
    YES_NO = "yes_no", _("Yes or no")
    FILE = "file", _("File upload")
    TABLE = "table", _("Repeating table")
    HEADING = "heading", _("Section heading")


K = FieldKind
CHOICE_KINDS = frozenset({K.SINGLE_CHOICE, K.MULTIPLE_CHOICE})
# Kinds that hold no answer.
NO_ANSWER_KINDS = frozenset({K.HEADING})


class FileType(models.TextChoices):
    PDF = "pdf", "PDF"
    PNG = "png", "PNG"
    JPG = "jpg", "JPEG"
    CSV = "csv", "CSV"
    XLSX = "xlsx", _("Excel workbook (XLSX)")


class FormVersion(models.Model):
    call = models.ForeignKey(
        "programmes.Call", on_delete=models.CASCADE, related_name="form_versions"
    )
    number = models.PositiveIntegerField(_("version"))
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("application form version")
        verbose_name_plural = _("application form versions")
        ordering = ["call", "number"]
        constraints = [
            models.UniqueConstraint(
                fields=["call", "number"], name="form_version_unique_number"
            )
        ]

    def __str__(self) -> str:
        return f"{self.call} v{self.number}"


class FormField(models.Model):
    version = models.ForeignKey(
        FormVersion, on_delete=models.CASCADE, related_name="fields"
    )
    key = models.SlugField(_("key"), max_length=60)
    position = models.PositiveIntegerField(_("position"))
    kind = models.CharField(_("type"), max_length=20, choices=FieldKind.choices)
    label_de = models.CharField(_("label (German)"), max_length=300)
    label_en = models.CharField(_("label (English)"), max_length=300, blank=True)
    help_de = models.TextField(_("help text (German)"), blank=True)
    help_en = models.TextField(_("help text (English)"), blank=True)
    required = models.BooleanField(_("required"), default=False)
    max_chars = models.PositiveIntegerField(_("most characters"), null=True, blank=True)
    max_words = models.PositiveIntegerField(_("most words"), null=True, blank=True)
    # [{"value": "a", "label_de": "…", "label_en": "…"}]
    choices = models.JSONField(_("choices"), default=list, blank=True)
    # File extensions from FileType; empty means PDF only.
    allowed_types = models.JSONField(_("allowed file types"), default=list, blank=True)
    max_bytes = models.PositiveIntegerField(
        _("largest file (bytes)"), null=True, blank=True
    )
    # [{"key": "item", "label_de": "…", "label_en": "…", "kind": "text"|"money"}]
    columns = models.JSONField(_("table columns"), default=list, blank=True)

    class Meta:
        verbose_name = _("form field")
        verbose_name_plural = _("form fields")
        ordering = ["version", "position", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["version", "key"], name="form_field_unique_key"
            ),
            models.CheckConstraint(
                condition=Q(kind__in=[choice.value for choice in K]),
                name="form_field_kind_known",
            ),
        ]

    def __str__(self) -> str:
        return self.label

    @property
    def label(self) -> str:
        return translated(self, "label")

    @property
    def help(self) -> str:
        return translated(self, "help")

    @property
    def holds_answer(self) -> bool:
        return self.kind not in NO_ANSWER_KINDS

    @property
    def file_types(self) -> list[str]:
        return list(self.allowed_types) or [FileType.PDF.value]

    def choice_pairs(self) -> list[tuple[str, str]]:
        return [
            (str(choice["value"]), translated(_Choice(choice), "label"))
            for choice in self.choices
        ]

    def column_pairs(self) -> list[tuple[str, str, str]]:
        return [
            (
                str(column["key"]),
                translated(_Choice(column), "label"),
                str(column.get("kind", "text")),
            )
            for column in self.columns
        ]


class _Choice:
    def __init__(self, data: dict[str, str]) -> None:
        self.label_de = data.get("label_de", "")
        self.label_en = data.get("label_en", "")
