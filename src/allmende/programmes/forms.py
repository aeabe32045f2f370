from __future__ import annotations

from typing import Any, cast

from django import forms
from django.utils.text import slugify
from django.utils.translation import gettext_lazy as _

from allmende.core.idempotency import SubmissionKeyField
from allmende.events.forms import DateTimeInput
from allmende.organizations.models import LegalForm, Organization, Region
from allmende.programmes.models import (
    Call,
    CoApplicantRole,
    DecisionTemplate,
    FieldKind,
    FormField,
)
from allmende.programmes.models.applications import ApplicationState
from allmende.programmes.models.forms import FileType
from allmende.programmes.services import CallData, FieldData


class CallForm(forms.ModelForm):
    legal_forms = forms.MultipleChoiceField(
        label=_("Legal forms that may apply"),
        choices=LegalForm.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("None chosen: any legal form."),
    )
    regions = forms.MultipleChoiceField(
        label=_("Regions that may apply"),
        choices=Region.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("None chosen: any region."),
    )
    attachment = forms.FileField(
        label=_("Call text (PDF)"),
        required=False,
        widget=forms.FileInput(attrs={"accept": "application/pdf,.pdf"}),
    )
    remove_attachment = forms.BooleanField(
        label=_("Remove the current PDF"), required=False
    )

    class Meta:
        model = Call
        fields = [
            "title_de",
            "title_en",
            "description_de",
            "description_en",
            "eligibility",
            "legal_forms",
            "regions",
            "individuals_allowed",
            "partners_allowed",
            "opens_at",
            "closes_at",
            "budget",
            "expected_projects",
            "contact_name",
            "contact_email",
        ]
        widgets = {"opens_at": DateTimeInput(), "closes_at": DateTimeInput()}
        help_texts = {
            "closes_at": _(
                "German time (Europe/Berlin); applications close exactly then."
            ),
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if not (self.instance.pk and self.instance.attachment):
            del self.fields["remove_attachment"]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        opens, closes = data.get("opens_at"), data.get("closes_at")
        if opens and closes and closes <= opens:
            self.add_error("closes_at", _("The call must close after it opens."))
        return data

    def call_data(self) -> CallData:
        data = self.cleaned_data
        return CallData(
            title_de=data["title_de"],
            title_en=data["title_en"],
            description_de=data["description_de"],
            description_en=data["description_en"],
            eligibility=data["eligibility"],
            legal_forms=list(data["legal_forms"]),
            regions=list(data["regions"]),
            individuals_allowed=data["individuals_allowed"],
            partners_allowed=data["partners_allowed"],
            opens_at=data["opens_at"],
            closes_at=data["closes_at"],
            budget=data["budget"],
            expected_projects=data["expected_projects"],
            contact_name=data["contact_name"],
            contact_email=data["contact_email"],
        )


class CallFilterForm(forms.Form):
    state = forms.ChoiceField(
        label=_("Show"),
        required=False,
        choices=[
            ("", _("All calls")),
            ("open", _("Open now")),
            ("upcoming", _("Upcoming")),
            ("past", _("Past")),
        ],
    )


def _lines(text: str) -> list[str]:
    return [line.strip() for line in text.splitlines() if line.strip()]


def _pairs(text: str) -> list[tuple[str, str]]:
    """Lines of "German | English" (the English part may be left out)."""
    pairs = []
    for line in _lines(text):
        german, _sep, english = line.partition("|")
        pairs.append((german.strip(), english.strip()))
    return pairs


class FormFieldForm(forms.Form):
    kind = forms.ChoiceField(label=_("Type"), choices=FieldKind.choices)
    label_de = forms.CharField(label=_("Label (German)"), max_length=300)
    label_en = forms.CharField(
        label=_("Label (English)"), max_length=300, required=False
    )
    help_de = forms.CharField(
        label=_("Help text (German)"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    help_en = forms.CharField(
        label=_("Help text (English)"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    required = forms.BooleanField(label=_("Answer required"), required=False)
    max_chars = forms.IntegerField(
        label=_("Most characters (texts)"), required=False, min_value=1, max_value=20000
    )
    max_words = forms.IntegerField(
        label=_("Most words (texts)"), required=False, min_value=1, max_value=5000
    )
    choices = forms.CharField(
        label=_("Options (choices)"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("One per line, German | English, for example: Ja | Yes"),
    )
    columns = forms.CharField(
        label=_("Columns (tables)"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_(
            "One per line, German | English; a column whose English name "
            "contains “amount” takes amounts of money."
        ),
    )
    allowed_types = forms.MultipleChoiceField(
        label=_("Allowed file types (files)"),
        choices=FileType.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    max_megabytes = forms.IntegerField(
        label=_("Largest file in MB (files)"),
        required=False,
        min_value=1,
        max_value=100,
    )

    @classmethod
    def initial_for(cls, field: FormField) -> dict[str, Any]:
        def joined(items: list[dict[str, str]]) -> str:
            return "\n".join(
                f"{item.get('label_de', '')} | {item.get('label_en', '')}"
                for item in items
            )

        return {
            "kind": field.kind,
            "label_de": field.label_de,
            "label_en": field.label_en,
            "help_de": field.help_de,
            "help_en": field.help_en,
            "required": field.required,
            "max_chars": field.max_chars,
            "max_words": field.max_words,
            "choices": joined(field.choices),
            "columns": joined(field.columns),
            "allowed_types": field.allowed_types,
            "max_megabytes": (field.max_bytes // (1024 * 1024))
            if field.max_bytes
            else None,
        }

    def field_data(self) -> FieldData:
        data = self.cleaned_data
        choices = [
            {"value": slugify(en or de)[:40] or str(i), "label_de": de, "label_en": en}
            for i, (de, en) in enumerate(_pairs(data["choices"]), start=1)
        ]
        columns = [
            {
                "key": slugify(en or de)[:40].replace("-", "_") or f"c{i}",
                "label_de": de,
                "label_en": en,
                "kind": "money" if "amount" in en.lower() else "text",
            }
            for i, (de, en) in enumerate(_pairs(data["columns"]), start=1)
        ]
        megabytes = data["max_megabytes"]
        return FieldData(
            kind=data["kind"],
            label_de=data["label_de"],
            label_en=data["label_en"],
            help_de=data["help_de"],
            help_en=data["help_en"],
            required=data["required"] and data["kind"] != FieldKind.HEADING,
            max_chars=data["max_chars"],
            max_words=data["max_words"],
            choices=choices,
            allowed_types=list(data["allowed_types"]),
            max_bytes=megabytes * 1024 * 1024 if megabytes else None,
            columns=columns,
        )


class StartApplicationForm(forms.Form):
    submission_key = SubmissionKeyField()
    organization = forms.ChoiceField(label=_("Apply for"))

    def __init__(
        self,
        *args: Any,
        organizations: list[Organization],
        individuals: bool,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        choices: list[tuple[str, str]] = [(str(o.pk), o.name) for o in organizations]
        if individuals:
            choices.append(("", str(_("Myself, as a person"))))
        field = cast(forms.ChoiceField, self.fields["organization"])
        field.choices = choices
        field.required = not individuals
        self.organizations = {str(o.pk): o for o in organizations}

    def chosen_organization(self) -> Organization | None:
        return self.organizations.get(self.cleaned_data.get("organization") or "")


class SubmitForm(forms.Form):
    submission_key = SubmissionKeyField()


class ApplicationFilterForm(forms.Form):
    state = forms.ChoiceField(
        label=_("Status"),
        required=False,
        choices=[("", _("All submitted")), *ApplicationState.choices],
    )


class QuestionForm(forms.Form):
    question = forms.CharField(
        label=_("Your question to the applicant"),
        widget=forms.Textarea(attrs={"rows": 4}),
        max_length=5000,
    )
    reopen = forms.MultipleChoiceField(
        label=_("Answers the applicant may change"),
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(self, *args: Any, form_fields: list[FormField], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.MultipleChoiceField, self.fields["reopen"]).choices = [
            (f.key, f.label) for f in form_fields if f.holds_answer
        ]


DECISIONS = [
    (ApplicationState.ACCEPTED.value, _("Accept")),
    (ApplicationState.REJECTED.value, _("Reject")),
]


class DecisionForm(forms.Form):
    decision = forms.ChoiceField(
        label=_("Decision"), choices=DECISIONS, widget=forms.RadioSelect
    )
    template = forms.TypedChoiceField(
        label=_("Letter"), coerce=int, required=False, empty_value=None
    )
    message = forms.CharField(
        label=_("Message to the applicant"),
        widget=forms.Textarea(attrs={"rows": 6}),
        max_length=10000,
        required=False,
        help_text=_(
            "Leave it empty to send the chosen letter, or preview the letter "
            "here to change it."
        ),
    )

    def __init__(
        self,
        *args: Any,
        allowed: list[str],
        templates: list[DecisionTemplate] | None = None,
        **kwargs: Any,
    ) -> None:
        """``allowed`` are the decisions the application's state permits."""
        super().__init__(*args, **kwargs)
        field = cast(forms.ChoiceField, self.fields["decision"])
        field.choices = [(v, label) for v, label in DECISIONS if v in allowed]
        self.templates = {t.pk: t for t in templates or []}
        cast(forms.TypedChoiceField, self.fields["template"]).choices = [
            ("", _("None: I write the message")),
            *[
                (str(t.pk), f"{t.get_outcome_display()}: {t.name}")
                for t in templates or []
            ],
        ]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        template = self.chosen_template()
        if template is not None and data.get("decision") not in (
            None,
            template.outcome,
        ):
            self.add_error("template", _("This letter is for the other decision."))
        if not data.get("message", "").strip() and template is None:
            self.add_error("message", _("Please write a message or choose a letter."))
        return data

    def chosen_template(self) -> DecisionTemplate | None:
        pk = (getattr(self, "cleaned_data", None) or {}).get("template")
        return self.templates.get(pk) if pk else None


class InviteForm(forms.Form):
    email = forms.EmailField(label=_("E-mail address of the person"))
    role = forms.ChoiceField(label=_("They may"), choices=CoApplicantRole.choices)


class CommentForm(forms.Form):
    text = forms.CharField(
        label=_("Your comment"),
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=5000,
    )


class RevisionsForm(forms.Form):
    """Which two submissions to compare (by their numbers)."""

    before = forms.TypedChoiceField(label=_("Compare submission"), coerce=int)
    after = forms.TypedChoiceField(label=_("with submission"), coerce=int)

    def __init__(self, *args: Any, numbers: list[int], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        choices = [(str(n), str(n)) for n in numbers]
        for name in ("before", "after"):
            cast(forms.TypedChoiceField, self.fields[name]).choices = choices

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        before, after = data.get("before"), data.get("after")
        if before is not None and after is not None and before >= after:
            raise forms.ValidationError(
                _("Please choose an earlier submission first, then a later one.")
            )
        return data
