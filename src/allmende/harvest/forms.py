from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from allmende.core.iri import IRIFormField
from allmende.harvest.models import HarvestSource
from allmende.organizations.models import Organization


class SourceForm(forms.ModelForm):
    url = IRIFormField(
        label=_("address (URL)"),
        max_length=1000,
        assume_scheme="https",
        help_text=HarvestSource._meta.get_field("url").help_text,
    )

    class Meta:
        model = HarvestSource
        fields = ["name", "kind", "url", "organization", "interval_hours", "is_active"]
        widgets = {"kind": forms.RadioSelect}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["organization"].queryset = Organization.objects.order_by("name")  # type: ignore[attr-defined]
        self.fields["interval_hours"].widget.attrs.update({"min": 1, "max": 8760})

    def clean_url(self) -> str:
        url = str(self.cleaned_data["url"]).strip()
        if not url.lower().startswith(("http://", "https://")):
            raise forms.ValidationError(
                _("Please enter an address that starts with http:// or https://.")
            )
        return url

    def clean_interval_hours(self) -> int | None:
        hours = self.cleaned_data.get("interval_hours")
        if hours is not None and not 1 <= hours <= 8760:
            raise forms.ValidationError(
                _("Please enter a number of hours between 1 and 8760 (a year).")
            )
        return hours
