from __future__ import annotations

from typing import Any, cast

from django import forms
from django.utils.translation import gettext_lazy as _

from allmende.programmes.decision_services import TemplateData
from allmende.programmes.models import Application, DecisionTemplate
from allmende.programmes.models.decisions import PLACEHOLDERS


class TemplateForm(forms.ModelForm):
    class Meta:
        model = DecisionTemplate
        fields = ["outcome", "name", "body_de", "body_en"]
        widgets = {
            "body_de": forms.Textarea(attrs={"rows": 8}),
            "body_en": forms.Textarea(attrs={"rows": 8}),
        }
        help_texts = {
            "body_de": _("Placeholders: %(names)s")
            % {"names": ", ".join(f"{{{name}}}" for name in PLACEHOLDERS)},
        }

    def template_data(self) -> TemplateData:
        data = self.cleaned_data
        return TemplateData(
            outcome=data["outcome"],
            name=data["name"],
            body_de=data["body_de"],
            body_en=data["body_en"],
        )


def _label(application: Application) -> str:
    who = (
        application.organization.name
        if application.organization
        else application.applicant.get_username()
    )
    return str(_("%(who)s (no. %(number)s)") % {"who": who, "number": application.pk})


class BatchDecisionForm(forms.Form):
    applications = forms.TypedMultipleChoiceField(
        label=_("Applications"), coerce=int, widget=forms.CheckboxSelectMultiple
    )
    template = forms.TypedChoiceField(
        label=_("Decision and letter"), coerce=int, widget=forms.RadioSelect
    )

    def __init__(
        self,
        *args: Any,
        applications: list[Application],
        templates: list[DecisionTemplate],
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.TypedMultipleChoiceField, self.fields["applications"]).choices = [
            (str(a.pk), _label(a)) for a in applications
        ]
        cast(forms.TypedChoiceField, self.fields["template"]).choices = [
            (str(t.pk), f"{t.get_outcome_display()}: {t.name}") for t in templates
        ]
        self.templates = {t.pk: t for t in templates}
        self.by_pk = {a.pk: a for a in applications}

    def chosen_template(self) -> DecisionTemplate:
        return self.templates[self.cleaned_data["template"]]

    def chosen_applications(self) -> list[Application]:
        return [self.by_pk[pk] for pk in self.cleaned_data["applications"]]
