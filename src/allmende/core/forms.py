from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError

from allmende.core.models import ProgrammeText


def add_validation_error(form: forms.BaseForm, exc: ValidationError) -> None:
    """Show a service's ValidationError on the form, by field where it names one."""
    if hasattr(exc, "error_dict"):
        for field, errors in exc.message_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, exc.messages)


class StyleguideForm(forms.Form):
    """Every kind of field, for the styleguide (never saved)."""

    name = forms.CharField(label="Text", help_text="Help text sits under the label.")
    email = forms.EmailField(label="E-mail")
    password = forms.CharField(label="Password", widget=forms.PasswordInput)
    website = forms.URLField(
        label="Address (URL)", required=False, assume_scheme="https"
    )
    phone = forms.CharField(
        label="Telephone", required=False, widget=forms.TextInput({"type": "tel"})
    )
    places = forms.IntegerField(label="Number", required=False)
    day = forms.DateField(
        label="Date", required=False, widget=forms.DateInput({"type": "date"})
    )
    starts = forms.DateTimeField(
        label="Date and time",
        required=False,
        widget=forms.DateTimeInput({"type": "datetime-local"}),
    )
    query = forms.CharField(
        label="Search", required=False, widget=forms.TextInput({"type": "search"})
    )
    description = forms.CharField(label="Long text", widget=forms.Textarea)
    kind = forms.ChoiceField(
        label="Select", choices=[("", "---------"), ("a", "Association")]
    )
    topics = forms.MultipleChoiceField(
        label="Checkboxes",
        required=False,
        choices=[("data", "Data"), ("events", "Events"), ("law", "Law")],
        widget=forms.CheckboxSelectMultiple,
    )
    size = forms.ChoiceField(
        label="Radio buttons",
        required=False,
        choices=[("small", "Small"), ("large", "Large")],
        widget=forms.RadioSelect,
    )
    logo = forms.FileField(
        label="File", required=False, help_text="PNG or SVG, at most 2 MB."
    )
    agree = forms.BooleanField(label="A single checkbox")


class ProgrammeTextForm(forms.ModelForm):
    class Meta:
        model = ProgrammeText
        fields = ["name_de", "name_en", "claim_de", "claim_en", "text_de", "text_en"]
        widgets = {
            "text_de": forms.Textarea(attrs={"rows": 4}),
            "text_en": forms.Textarea(attrs={"rows": 4}),
        }
