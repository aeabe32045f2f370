from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings
from django.http import HttpRequest
from django.urls import reverse
from django.utils.html import conditional_escape, format_html
from django.utils.safestring import mark_safe
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from allmende.accounts.models import User
from allmende.core.idempotency import SubmissionKeyField
from allmende.legal.models import AccessibilityFeedback, LegalText


class LegalTextForm(forms.ModelForm):
    class Meta:
        model = LegalText
        fields = ["body_de", "body_en"]
        widgets = {
            "body_de": forms.Textarea(attrs={"rows": 20}),
            "body_en": forms.Textarea(attrs={"rows": 20}),
        }
        help_texts = {
            "body_de": _("Markdown: ## heading, **bold**, - list, [text](address)."),
            "body_en": _("Shown on the English pages; without it the German text."),
        }


class AccessibilityFeedbackForm(forms.ModelForm):
    submission_key = SubmissionKeyField()
    # Left empty by people; programs that fill in every field fill it in.
    homepage = forms.CharField(
        label=_("Leave this field empty"), required=False, max_length=200
    )

    class Meta:
        model = AccessibilityFeedback
        fields = ["message", "page_url", "name", "email"]
        widgets = {"message": forms.Textarea(attrs={"rows": 6})}
        labels = {
            "message": _("What did not work for you?"),
            "page_url": _("Address or name of the page (optional)"),
            "name": _("Your name (optional)"),
            "email": _("Your e-mail address, if you would like an answer"),
        }

    def __init__(self, *args: Any, user: User | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if user is not None:
            # Staff answer to the account's address; no need to type it.
            del self.fields["name"]
            del self.fields["email"]

    @property
    def is_spam(self) -> bool:
        return bool(self.cleaned_data.get("homepage"))


class PrivacyNoticeSignupForm(forms.Form):
    """Added to django-allauth's sign-up form: accept the privacy notice."""

    privacy_notice = forms.BooleanField(required=True)
    # django-allauth orders its fields by this; the checkbox comes last.
    field_order = [name.rstrip("*") for name in settings.ACCOUNT_SIGNUP_FIELDS]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["privacy_notice"]
        link = format_html(
            '<a href="{}">{}</a>', reverse("legal:privacy"), gettext("privacy notice")
        )
        text = conditional_escape(gettext("I have read and accept the %(link)s."))
        field.label = mark_safe(text % {"link": link})  # noqa: S308 - escaped parts
        field.error_messages["required"] = gettext(
            "Please accept the privacy notice to create an account."
        )

    def signup(self, request: HttpRequest, user: User) -> None:
        from allmende.legal import selectors, services

        services.privacy_notice_accept(
            user=user, version=selectors.privacy_notice_version()
        )
