from __future__ import annotations

from typing import Any, cast

from django import forms
from django.utils.translation import gettext_lazy as _

from allmende.accounts.models import Skill, User
from allmende.core.models import FocusArea


class ProfileForm(forms.ModelForm):
    skills = forms.ModelMultipleChoiceField(
        label=_("Skills"),
        queryset=Skill.objects.order_by("name_de"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    interests = forms.ModelMultipleChoiceField(
        label=_("Interests"),
        queryset=FocusArea.objects.order_by("name_de"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    class Meta:
        model = User
        fields = [
            "display_name",
            "bio",
            "profile_visibility",
            "language",
            "skills",
            "interests",
        ]
        widgets = {
            "bio": forms.Textarea(attrs={"rows": 5}),
            "profile_visibility": forms.RadioSelect,
        }


class PeopleFilterForm(forms.Form):
    q = forms.CharField(label=_("Search"), required=False, max_length=200)
    skill = forms.ChoiceField(label=_("Skill"), required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["skill"]).choices = [
            ("", _("All skills"))
        ] + [(skill.slug, str(skill)) for skill in Skill.objects.order_by("name_de")]


class DeleteAccountForm(forms.Form):
    password = forms.CharField(
        label=_("Your password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )

    def __init__(self, *args: Any, user: User, **kwargs: Any) -> None:
        self.user = user
        super().__init__(*args, **kwargs)

    def clean_password(self) -> str:
        password = str(self.cleaned_data["password"])
        if not self.user.check_password(password):
            raise forms.ValidationError(_("The password is not correct."))
        return password


class ApiTokenForm(forms.Form):
    name = forms.CharField(
        label=_("Name of the new token"),
        max_length=100,
        help_text=_("For example the program or script that will use it."),
    )
