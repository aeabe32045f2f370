"""Forms of projects: they validate what people type; services decide."""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.files.uploadedfile import UploadedFile
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from allmende.accounts.models import User
from allmende.catalog import vocabularies
from allmende.programmes.models import (
    AccompanimentArea,
    Application,
    Project,
    ResultKind,
)
from allmende.programmes.services_projects import (
    MAX_REPORT_FILES,
    DatasetResultData,
    MilestoneData,
    ProjectData,
)


class ProjectForm(forms.ModelForm):
    class Meta:
        model = Project
        fields = ["title_de", "title_en", "description_de", "description_en"]
        widgets = {
            "description_de": forms.Textarea(attrs={"rows": 5}),
            "description_en": forms.Textarea(attrs={"rows": 5}),
        }

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if not data.get("title_de") and not data.get("title_en"):
            raise forms.ValidationError(
                _("Please give a title in at least one language.")
            )
        return data

    def project_data(self) -> ProjectData:
        data = self.cleaned_data
        return ProjectData(
            title_de=data["title_de"],
            title_en=data["title_en"],
            description_de=data["description_de"],
            description_en=data["description_en"],
        )

    @staticmethod
    def initial_for(application: Application) -> dict[str, str]:
        """A title from the application's first short answer."""
        fields = application.form_version.fields.filter(kind="short_text")
        title = ""
        for field in fields.order_by("position"):
            value = application.answers.get(field.key)
            if isinstance(value, str) and value.strip():
                title = value.strip()[:200]
                break
        return {"title_de": title or str(application)[:200]}


class ProjectStateForm(forms.Form):
    target = forms.ChoiceField(
        choices=[("active", ""), ("completed", ""), ("discontinued", "")]
    )


class PersonChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return str(obj.get_full_name() or obj.get_username())


class MentorForm(forms.Form):
    mentor = PersonChoiceField(
        label=_("Mentor"), queryset=User.objects.none(), empty_label=None
    )
    area = forms.ChoiceField(
        label=_("Accompanies on"), choices=AccompanimentArea.choices
    )

    def __init__(self, *args: Any, candidates: list[User], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["mentor"]
        assert isinstance(field, forms.ModelChoiceField)  # noqa: S101
        field.queryset = User.objects.filter(pk__in=[c.pk for c in candidates])


class ConsultationForm(forms.Form):
    area = forms.ChoiceField(label=_("Area"), choices=AccompanimentArea.choices)
    held_on = forms.DateField(
        label=_("Date"),
        widget=forms.DateInput(attrs={"type": "date"}),
        initial=timezone.localdate,
    )
    notes = forms.CharField(
        label=_("Question and advice"),
        max_length=10_000,
        widget=forms.Textarea(attrs={"rows": 4}),
    )


class MilestoneForm(forms.Form):
    title_de = forms.CharField(
        label=_("title (German)"), max_length=200, required=False
    )
    title_en = forms.CharField(
        label=_("title (English)"), max_length=200, required=False
    )
    description_de = forms.CharField(
        label=_("description (German)"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    description_en = forms.CharField(
        label=_("description (English)"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    due_on = forms.DateField(
        label=_("due on"), widget=forms.DateInput(attrs={"type": "date"})
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if not data.get("title_de") and not data.get("title_en"):
            raise forms.ValidationError(
                _("Please give a title in at least one language.")
            )
        return data

    def milestone_data(self) -> MilestoneData:
        data = self.cleaned_data
        return MilestoneData(
            title_de=data["title_de"],
            title_en=data["title_en"],
            description_de=data["description_de"],
            description_en=data["description_en"],
            due_on=data["due_on"],
        )


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("widget", MultipleFileInput())
        super().__init__(*args, **kwargs)

    def clean(self, data: Any, initial: Any = None) -> list[UploadedFile]:
        single = super().clean
        if isinstance(data, list | tuple):
            return [single(item, initial) for item in data]
        return [single(data, initial)] if data else []


class MilestoneReportForm(forms.Form):
    text = forms.CharField(
        label=_("What has been done?"),
        max_length=10_000,
        widget=forms.Textarea(attrs={"rows": 5}),
    )
    attachments = MultipleFileField(
        label=_("Attachments"),
        required=False,
        help_text=_("Up to %(count)d files: PDF, office documents, CSV or images.")
        % {"count": MAX_REPORT_FILES},
    )


class MilestoneReviewForm(forms.Form):
    decision = forms.ChoiceField(
        label=_("Decision"),
        choices=[
            ("accept", _("Milestone reached")),
            ("return", _("Send back to the team")),
        ],
        widget=forms.RadioSelect,
    )
    feedback = forms.CharField(
        label=_("Comment for the team"),
        required=False,
        max_length=5_000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


def _open_licences() -> list[tuple[str, str]]:
    return [(term.uri, term.label) for term in vocabularies.LICENCES if term.open]


class DatasetResultForm(forms.Form):
    title_de = forms.CharField(
        label=_("title (German)"), max_length=200, required=False
    )
    title_en = forms.CharField(
        label=_("title (English)"), max_length=200, required=False
    )
    description_de = forms.CharField(
        label=_("description (German)"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    description_en = forms.CharField(
        label=_("description (English)"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    licence = forms.ChoiceField(
        label=_("Open licence"),
        choices=_open_licences,
        help_text=_("Project results are published under an open licence."),
    )
    keywords = forms.CharField(
        label=_("Keywords"),
        required=False,
        max_length=500,
        help_text=_("Separated by commas."),
    )
    file = forms.FileField(
        label=_("Data file"),
        required=False,
        help_text=_("CSV, XLSX, JSON or GeoJSON; you can add more in the catalog."),
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if not data.get("title_de") and not data.get("title_en"):
            raise forms.ValidationError(
                _("Please give a title in at least one language.")
            )
        return data

    def dataset_data(self) -> DatasetResultData:
        data = self.cleaned_data
        keywords = [k.strip() for k in data["keywords"].split(",") if k.strip()]
        return DatasetResultData(
            title_de=data["title_de"],
            title_en=data["title_en"],
            description_de=data["description_de"],
            description_en=data["description_en"],
            licence=data["licence"],
            keywords=keywords,
        )


class LinkResultForm(forms.Form):
    kind = forms.ChoiceField(
        label=_("Kind"),
        choices=[c for c in ResultKind.choices if c[0] != ResultKind.DATASET],
    )
    title = forms.CharField(label=_("Title"), max_length=200)
    url = forms.URLField(label=_("Address"), max_length=500, assume_scheme="https")


class ProjectFilterForm(forms.Form):
    state = forms.ChoiceField(
        label=_("Show"),
        required=False,
        choices=[
            ("", _("All projects")),
            ("completed", _("Completed")),
            ("active", _("Running")),
        ],
    )
