from __future__ import annotations

from typing import Any, cast

from django import forms
from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext_lazy as _
from PIL import Image, UnidentifiedImageError

from allmende.core import files
from allmende.core.idempotency import SubmissionKeyField
from allmende.core.iri import IRIFormField
from allmende.core.models import FocusArea
from allmende.organizations.models import LegalForm, Membership, Organization, Region
from allmende.organizations.selectors import DirectoryFilters

MAX_LOGO_PIXELS = 4096 * 4096


def validate_logo(upload: UploadedFile) -> None:
    """Accept only real raster images of a reasonable size.

    The size is checked before the file is opened; Pillow then reads the header
    and verifies the data, so a renamed PDF or an SVG (which could carry script)
    is refused, as is a tiny file that claims enormous dimensions.
    """
    limit = settings.ALLMENDE_MAX_LOGO_BYTES
    if upload.size is not None and upload.size > limit:
        raise forms.ValidationError(
            _("The logo is %(size)s; logos may be at most %(limit)s."),
            params={
                "size": filesizeformat(upload.size),
                "limit": filesizeformat(limit),
            },
            code="too_large",
        )
    not_an_image = forms.ValidationError(
        _("The logo must be a PNG, JPEG, WebP or GIF image."), code="invalid_image"
    )
    try:
        upload.seek(0)
        with Image.open(upload) as image:
            if image.format not in files.IMAGE_FORMATS:
                raise not_an_image
            if image.width * image.height > MAX_LOGO_PIXELS:
                raise forms.ValidationError(
                    _("The logo is too large: at most 4096 × 4096 pixels."),
                    code="too_many_pixels",
                )
            image.verify()
    except (UnidentifiedImageError, OSError, SyntaxError, Image.DecompressionBombError):
        raise not_an_image from None
    finally:
        upload.seek(0)


class OrganizationForm(forms.ModelForm):
    focus_areas = forms.ModelMultipleChoiceField(
        label=_("Focus areas"),
        queryset=FocusArea.objects.order_by("name_de"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    website = IRIFormField(
        label=_("website"), required=False, assume_scheme="https", max_length=200
    )
    logo = forms.FileField(
        label=_("Logo"),
        required=False,
        help_text=_("PNG, JPEG, WebP or GIF, at most 2 MB."),
        widget=forms.ClearableFileInput(attrs={"accept": "image/*"}),
    )

    class Meta:
        model = Organization
        fields = [
            "name",
            "legal_form",
            "region",
            "focus_areas",
            "street",
            "postal_code",
            "city",
            "latitude",
            "longitude",
            "website",
            "email",
            "description_de",
            "description_en",
            "logo",
        ]
        help_texts = {
            "description_de": _("Markdown is allowed: **bold**, lists, links."),
            "description_en": _("Optional. Shown on the English page."),
            "latitude": _("For the map, e.g. 52.520008"),
            "longitude": _("For the map, e.g. 13.404954"),
        }
        widgets = {
            "description_de": forms.Textarea(attrs={"rows": 6}),
            "description_en": forms.Textarea(attrs={"rows": 6}),
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["legal_form"]).choices = [
            ("", _("Please choose"))
        ] + list(LegalForm.choices)
        cast(forms.ChoiceField, self.fields["region"]).choices = [
            ("", _("Please choose"))
        ] + list(Region.choices)

    def clean_logo(self) -> UploadedFile | None | bool:
        logo = self.cleaned_data.get("logo")
        if isinstance(logo, UploadedFile):
            validate_logo(logo)
            return logo
        return False if logo is False else None

    def clean_name(self) -> str:
        name = str(self.cleaned_data["name"]).strip()
        others = Organization.objects.filter(name__iexact=name)
        if self.instance.pk:
            others = others.exclude(pk=self.instance.pk)
        if others.exists():
            raise forms.ValidationError(
                _("An organization with this name already exists."), code="duplicate"
            )
        return name

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if (data.get("latitude") is None) != (data.get("longitude") is None):
            raise forms.ValidationError(
                _("Please give both latitude and longitude, or neither.")
            )
        return data

    def _post_clean(self) -> None:
        # Validation of the model happens in the service, with the logo and the
        # generated short name in place; the form checks only its own fields.
        pass


class OrganizationCreateForm(OrganizationForm):
    submission_key = SubmissionKeyField()


class InvitationForm(forms.Form):
    email = forms.EmailField(label=_("E-mail address"))
    role = forms.ChoiceField(
        label=_("Role"),
        choices=Membership.Role.choices,
        initial=Membership.Role.MEMBER,
    )


class RoleForm(forms.Form):
    role = forms.ChoiceField(label=_("Role"), choices=Membership.Role.choices)


class DirectoryFilterForm(forms.Form):
    q = forms.CharField(label=_("Search"), required=False, max_length=200)
    focus_area = forms.ChoiceField(label=_("Focus area"), required=False)
    legal_form = forms.ChoiceField(
        label=_("Legal form"),
        required=False,
        choices=[("", _("All legal forms")), *LegalForm.choices],
    )
    region = forms.ChoiceField(
        label=_("Region"),
        required=False,
        choices=[("", _("All regions")), *Region.choices],
    )
    verified = forms.BooleanField(label=_("Only verified"), required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["focus_area"]).choices = [
            ("", _("All focus areas"))
        ] + [(area.slug, str(area)) for area in FocusArea.objects.order_by("name_de")]

    def filters(self) -> DirectoryFilters:
        if not self.is_valid():
            return DirectoryFilters()
        return DirectoryFilters(**self.cleaned_data)


class VerificationDecisionForm(forms.Form):
    decision = forms.ChoiceField(
        label=_("Decision"),
        choices=[("verify", _("Verify")), ("decline", _("Decline"))],
    )
    reason = forms.CharField(
        label=_("Reason"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Needed when you decline; the organization reads it."),
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("decision") == "decline" and not data.get("reason", "").strip():
            self.add_error(
                "reason",
                _("Please tell the organization why the request is declined."),
            )
        return data

    def error_messages(self) -> list[str]:
        return [str(error) for errors in self.errors.values() for error in errors]
