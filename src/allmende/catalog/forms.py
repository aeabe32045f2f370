from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext_lazy as _

from allmende.catalog import formats, vocabularies
from allmende.catalog.engine import ColumnType, DateOrder, NumberLocale
from allmende.catalog.models import Dataset
from allmende.catalog.quality import RECOMMENDED_FIELDS
from allmende.core.idempotency import SubmissionKeyField
from allmende.core.iri import IRIFormField
from allmende.organizations.models import Organization

ACCEPTED_EXTENSIONS = formats.loadable_extensions()


def upload_too_large_message(size: int | None = None) -> str:
    limit = filesizeformat(settings.ALLMENDE_MAX_UPLOAD_BYTES)
    if size is None:
        return str(_("The file is too large. Files can be at most %(limit)s.")) % {
            "limit": limit
        }
    return str(_("The file is %(size)s, but files can be at most %(limit)s.")) % {
        "size": filesizeformat(size),
        "limit": limit,
    }


def check_upload(upload: UploadedFile | None) -> UploadedFile | None:
    if upload is None:
        return None
    if (upload.size or 0) > settings.ALLMENDE_MAX_UPLOAD_BYTES:
        raise forms.ValidationError(upload_too_large_message(upload.size))
    name = (upload.name or "").lower()
    if not name.endswith(ACCEPTED_EXTENSIONS):
        raise forms.ValidationError(
            _(
                "Files of this type cannot be loaded as a table. Supported are CSV, "
                "TSV, Excel (.xlsx), JSON and GeoJSON."
            )
        )
    return upload


class KeywordsField(forms.CharField):
    def prepare_value(self, value: Any) -> Any:
        if isinstance(value, list):
            return ", ".join(value)
        return value

    def to_python(self, value: Any) -> list[str]:  # type: ignore[override]
        text = super().to_python(value)
        seen: list[str] = []
        for part in str(text or "").split(","):
            word = part.strip()[:60]
            if word and word not in seen:
                seen.append(word)
        return seen[:30]


class DatasetForm(forms.ModelForm):
    themes = forms.MultipleChoiceField(
        label=_("Themes"),
        choices=vocabularies.theme_choices,
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )
    spatial_uri = IRIFormField(
        label=_("address of the area (URI)"), required=False, assume_scheme="https"
    )
    keywords = KeywordsField(
        label=_("Keywords"),
        required=False,
        help_text=_("Separate keywords with commas."),
    )

    class Meta:
        model = Dataset
        fields = [
            "title_de",
            "title_en",
            "description_de",
            "description_en",
            "licence",
            "themes",
            "keywords",
            "temporal_start",
            "temporal_end",
            "spatial",
            "spatial_uri",
            "contact_name",
            "contact_email",
            "update_frequency",
            "language",
            "is_private",
        ]
        widgets = {
            "temporal_start": forms.DateInput(attrs={"type": "date"}),
            "temporal_end": forms.DateInput(attrs={"type": "date"}),
            "description_de": forms.Textarea(attrs={"rows": 5}),
            "description_en": forms.Textarea(attrs={"rows": 5}),
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["title_de"].help_text = _(
            "A title in at least one language is required."
        )
        for name in RECOMMENDED_FIELDS:
            self.fields[name].recommended = True  # type: ignore[attr-defined]
        if self.instance.pk:
            self.initial["themes"] = list(
                self.instance.themes.values_list("theme", flat=True)
            )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if not data.get("title_de") and not data.get("title_en"):
            self.add_error("title_de", _("Please enter a title in German or English."))
        return data


class DatasetCreateForm(DatasetForm):
    organization = forms.ModelChoiceField(
        label=_("Organization"), queryset=Organization.objects.none()
    )
    submission_key = SubmissionKeyField()

    field_order = ["organization"]

    def __init__(self, *args: Any, organizations: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if organizations is not None:
            self.fields["organization"].queryset = organizations  # type: ignore[attr-defined]


class ResourceForm(forms.Form):
    title_de = forms.CharField(
        label=_("Title (German)"), max_length=200, required=False
    )
    title_en = forms.CharField(
        label=_("Title (English)"), max_length=200, required=False
    )
    description_de = forms.CharField(
        label=_("Description (German)"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    file = forms.FileField(
        label=_("File"),
        required=False,
        help_text=_(
            "CSV, TSV, Excel (.xlsx), JSON or GeoJSON. It becomes a table that "
            "everyone can preview, query and download."
        ),
        widget=forms.ClearableFileInput(
            attrs={"accept": ",".join(ACCEPTED_EXTENSIONS)}
        ),
    )
    url = IRIFormField(
        label=_("Or a link to the data"),
        required=False,
        max_length=1000,
        assume_scheme="https",
    )
    format = forms.CharField(
        label=_("Format of the linked data"),
        required=False,
        max_length=20,
        help_text=_("For example CSV, PDF or API."),
    )
    load = forms.BooleanField(
        label=_("Load the linked file into a table"),
        required=False,
        initial=True,
        help_text=_(
            "For a CSV, Excel, JSON or GeoJSON file: Allmende downloads it, and "
            "everyone can then preview, query and download it here too. Leave it "
            "off for web pages, APIs and other formats."
        ),
    )
    submission_key = SubmissionKeyField()

    def clean_file(self) -> UploadedFile | None:
        return check_upload(self.cleaned_data.get("file"))

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if not data.get("title_de") and not data.get("title_en"):
            self.add_error("title_de", _("Please enter a title in German or English."))
        has_file, has_url = bool(data.get("file")), bool(data.get("url"))
        if has_file == has_url and not self.errors.get("file"):
            self.add_error(None, _("Please choose a file or enter a link, not both."))
        return data


class VersionForm(forms.Form):
    file = forms.FileField(
        label=_("New file"),
        help_text=_(
            "The current table stays available until the new file has loaded. "
            "Earlier versions can still be downloaded."
        ),
    )
    submission_key = SubmissionKeyField()

    def clean_file(self) -> UploadedFile | None:
        return check_upload(self.cleaned_data.get("file"))


TYPE_LABELS = {
    ColumnType.INTEGER: _("Whole number"),
    ColumnType.DECIMAL: _("Decimal number"),
    ColumnType.BOOLEAN: _("Yes/no"),
    ColumnType.DATE: _("Date"),
    ColumnType.TIMESTAMP: _("Date and time"),
    ColumnType.TEXT: _("Text"),
}
LOCALE_LABELS = {
    NumberLocale.DE: _("German (1.234,56)"),
    NumberLocale.EN: _("English (1,234.56)"),
}
DATE_ORDER_LABELS = {
    DateOrder.DMY: _("day.month.year"),
    DateOrder.MDY: _("month/day/year"),
    DateOrder.YMD: _("year-month-day"),
}


class SchemaForm(forms.Form):
    """Type, number format and date order of each column, for a re-load."""

    def __init__(
        self,
        *args: Any,
        columns: list[dict[str, Any]],
        overrides: dict[str, dict[str, str]] | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.columns = columns
        # The owner's choices of the load shown, kept until changed.
        self.previous = overrides or {}
        self.rows: list[tuple[dict[str, Any], list[forms.BoundField]]] = []
        for index, column in enumerate(columns):
            prefix = f"c{index}"
            self.fields[f"{prefix}_type"] = forms.ChoiceField(
                label=_("Type of “%(column)s”") % {"column": column["name"]},
                choices=list(TYPE_LABELS.items()),
                initial=column["type"],
            )
            self.fields[f"{prefix}_locale"] = forms.ChoiceField(
                label=_("Number format of “%(column)s”") % {"column": column["name"]},
                choices=[("", _("Detect")), *LOCALE_LABELS.items()],
                initial=column.get("number_locale") or "",
                required=False,
            )
            self.fields[f"{prefix}_date"] = forms.ChoiceField(
                label=_("Date order of “%(column)s”") % {"column": column["name"]},
                choices=[("", _("Detect")), *DATE_ORDER_LABELS.items()],
                initial=column.get("date_order") or "",
                required=False,
            )
            self.rows.append(
                (
                    column,
                    [
                        self[f"{prefix}_type"],
                        self[f"{prefix}_locale"],
                        self[f"{prefix}_date"],
                    ],
                )
            )

    def overrides(self) -> dict[str, dict[str, str]]:
        """The choices that differ from what the engine detected.

        Compared with the detected type, not the current one: a column the
        owner set before keeps its type when another column is changed.
        """
        result: dict[str, dict[str, str]] = {}
        for index, column in enumerate(self.columns):
            prefix = f"c{index}"
            before = self.previous.get(column["name"], {})
            spec: dict[str, str] = {}
            chosen_type = self.cleaned_data[f"{prefix}_type"]
            detected = column.get("detected_type")
            if detected is None and "type" not in before:
                detected = column["type"]
            if chosen_type != detected:
                spec["type"] = chosen_type
            for key, field in (("number_locale", "locale"), ("date_order", "date")):
                chosen = self.cleaned_data.get(f"{prefix}_{field}") or ""
                # "Detect" (empty) drops a choice; any other value was either
                # chosen before or differs from what was detected.
                if chosen and (key in before or chosen != (column.get(key) or "")):
                    spec[key] = chosen
            if spec:
                result[column["name"]] = spec
        return result


class CatalogFilterForm(forms.Form):
    q = forms.CharField(label=_("Search"), required=False, max_length=200)
    organization = forms.CharField(required=False, max_length=200)
    licence = forms.CharField(required=False, max_length=200)
    theme = forms.CharField(required=False, max_length=200)
    format = forms.CharField(required=False, max_length=20)

    def filters(self) -> dict[str, str]:
        if not self.is_bound or not self.is_valid():
            return {}
        return {k: v for k, v in self.cleaned_data.items() if v}


FILTER_OPERATORS = [
    ("eq", _("is")),
    ("ne", _("is not")),
    ("contains", _("contains")),
    ("gt", _("greater than")),
    ("gte", _("at least")),
    ("lt", _("less than")),
    ("lte", _("at most")),
    ("isnull", _("is empty")),
    ("notnull", _("is not empty")),
]

CHART_TYPES = [
    ("bar", _("Bar chart")),
    ("line", _("Line chart")),
    ("pie", _("Pie chart")),
    ("scatter", _("Scatter plot")),
]
AGGREGATES = [
    # Empty: the sum of the chosen value column, or the number of rows without one.
    ("", _("Automatic (sum of the values, or number of rows)")),
    ("count", _("Number of rows")),
    ("sum", _("Sum")),
    ("avg", _("Average")),
    ("min", _("Minimum")),
    ("max", _("Maximum")),
]


class ChartForm(forms.Form):
    chart = forms.ChoiceField(label=_("Chart type"), choices=CHART_TYPES)
    x = forms.ChoiceField(label=_("Categories or x axis"))
    y = forms.ChoiceField(label=_("Values or y axis"), required=False)
    agg = forms.ChoiceField(
        label=_("Combine values by"), choices=AGGREGATES, required=False
    )

    def __init__(
        self, *args: Any, columns: list[dict[str, Any]], **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        names = [(c["name"], c["name"]) for c in columns]
        numeric = [
            (c["name"], c["name"])
            for c in columns
            if c["type"] in (ColumnType.INTEGER.value, ColumnType.DECIMAL.value)
        ]
        self.fields["x"].choices = names  # type: ignore[attr-defined]
        self.fields["y"].choices = [("", _("(none)")), *numeric]  # type: ignore[attr-defined]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("chart") == "scatter" and not data.get("y"):
            self.add_error("y", _("A scatter plot needs a numeric column for y."))
        if data.get("agg") not in (None, "", "count") and not data.get("y"):
            self.add_error("y", _("Please choose a numeric column to combine."))
        return data


class SqlForm(forms.Form):
    sql = forms.CharField(
        label=_("SQL query"),
        widget=forms.Textarea(attrs={"rows": 4, "spellcheck": "false"}),
        max_length=20_000,
        help_text=_(
            "One SELECT statement over the table “data”, for example: "
            "SELECT * FROM data LIMIT 10"
        ),
    )
