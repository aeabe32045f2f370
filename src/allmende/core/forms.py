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


class ProgrammeTextForm(forms.ModelForm):
    class Meta:
        model = ProgrammeText
        fields = ["name_de", "name_en", "claim_de", "claim_en", "text_de", "text_en"]
        widgets = {
            "text_de": forms.Textarea(attrs={"rows": 4}),
            "text_en": forms.Textarea(attrs={"rows": 4}),
        }
