from __future__ import annotations

import re
from typing import cast

from django import forms
from django.utils.translation import gettext_lazy as _

from allmende.campaigns.models import Campaign, Demand
from allmende.campaigns.services import CampaignData

POSTCODE = re.compile(r"^\d{5}$")
CAMPAIGN_FIELDS = list(CampaignData.__annotations__)
IMAGE_MAX_BYTES = 5 * 1024 * 1024


class CampaignForm(forms.ModelForm):
    new_image = forms.ImageField(
        label=_("Image"),
        required=False,
        help_text=_("PNG, JPEG, WebP or GIF, at most 5 MB. Metadata are removed."),
    )

    class Meta:
        model = Campaign
        fields = CAMPAIGN_FIELDS
        widgets = {
            "starts_at": forms.DateTimeInput(attrs={"type": "datetime-local"}),
            "ends_at": forms.DateTimeInput(attrs={"type": "datetime-local"}),
        }

    remove_image = forms.BooleanField(label=_("Remove the image"), required=False)

    def clean_new_image(self) -> object:
        image = self.cleaned_data.get("new_image")
        if image is not None and image.size > IMAGE_MAX_BYTES:
            raise forms.ValidationError(_("The image may be at most 5 MB."))
        return image

    def data_for_service(self) -> CampaignData:
        return cast(
            CampaignData, {name: self.cleaned_data[name] for name in CAMPAIGN_FIELDS}
        )


class DemandForm(forms.ModelForm):
    class Meta:
        model = Demand
        fields = ["title_de", "title_en", "text_de", "text_en"]


class SignatureForm(forms.Form):
    name = forms.CharField(label=_("Your name"), max_length=150)
    email = forms.EmailField(label=_("Your e-mail address"), max_length=254)
    postcode = forms.CharField(
        label=_("Postcode (optional)"), max_length=5, required=False
    )
    name_public = forms.BooleanField(
        label=_("Show my name in the public list of signers"), required=False
    )
    consent = forms.BooleanField(label=_("I agree to the consent text above"))

    def clean_name(self) -> str:
        name = str(self.cleaned_data["name"]).strip()
        if "<" in name or ">" in name:
            raise forms.ValidationError(_("Please enter your name without < or >."))
        return name

    def clean_postcode(self) -> str:
        postcode = str(self.cleaned_data.get("postcode") or "").strip()
        if postcode and not POSTCODE.match(postcode):
            raise forms.ValidationError(
                _("Please enter a postcode of five digits, or leave it empty.")
            )
        return postcode


class ConsentProofForm(forms.Form):
    email = forms.EmailField(label=_("E-mail address of the person"), max_length=254)
