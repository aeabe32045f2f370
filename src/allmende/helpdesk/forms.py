from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from allmende.accounts.models import User
from allmende.core.idempotency import SubmissionKeyField
from allmende.helpdesk import services
from allmende.helpdesk.models import CannedAnswer, Category, FaqEntry, Ticket


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files in one field; the service checks their size and type."""

    widget = MultipleFileInput

    def clean(self, data: Any, initial: Any = None) -> list[Any]:
        single = super().clean
        if isinstance(data, list | tuple):
            return [single(item, initial) for item in data if item]
        return [single(data, initial)] if data else []


def _attachments_field() -> MultipleFileField:
    return MultipleFileField(
        label=_("Attachments"),
        required=False,
        help_text=_(
            "Optional: up to %(count)s files (PDF, image, CSV or XLSX), at most "
            "10 MB each."
        )
        % {"count": services.MAX_WEB_FILES},
    )


class AttachmentsMixin(forms.Form):
    def clean_attachments(self) -> list[Any]:
        uploads = self.cleaned_data.get("attachments") or []
        try:
            services.check_uploads(uploads)
        except ValidationError as exc:
            raise ValidationError(exc.message_dict["attachments"]) from exc
        return list(uploads)


class AskForm(AttachmentsMixin):
    submission_key = SubmissionKeyField()
    subject = forms.CharField(
        label=_("Subject"),
        max_length=200,
        help_text=_("In a few words: what is your question about?"),
    )
    text = forms.CharField(
        label=_("Your question"), widget=forms.Textarea(attrs={"rows": 8})
    )
    category = forms.ModelChoiceField(
        label=_("Topic"),
        queryset=Category.objects.all(),
        required=False,
        empty_label=_("I don't know"),
    )
    organization_name = forms.CharField(
        label=_("Organization"),
        max_length=200,
        required=False,
        help_text=_("Optional: the organization you ask for."),
    )
    name = forms.CharField(label=_("Your name"), max_length=150, required=False)
    email = forms.EmailField(
        label=_("Your e-mail address"),
        help_text=_("We send you a link to confirm it; answers arrive there."),
    )
    attachments = _attachments_field()

    def __init__(self, *args: Any, user: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if user is not None and user.is_authenticated:
            del self.fields["name"]
            del self.fields["email"]
        # FAQ entries matching the subject appear while it is typed.
        self.fields["subject"].widget.attrs.update(
            {
                "hx-get": reverse("helpdesk:suggest"),
                "hx-trigger": "input changed delay:300ms",
                "hx-target": "#faq-suggestions",
                "autocomplete": "off",
            }
        )


class ReplyForm(AttachmentsMixin):
    text = forms.CharField(
        label=_("Your message"), widget=forms.Textarea(attrs={"rows": 6})
    )
    attachments = _attachments_field()


class AgentReplyForm(AttachmentsMixin):
    text = forms.CharField(label=_("Answer"), widget=forms.Textarea(attrs={"rows": 8}))
    attachments = _attachments_field()


class NoteForm(forms.Form):
    text = forms.CharField(
        label=_("Internal note"), widget=forms.Textarea(attrs={"rows": 3})
    )


class CannedChoiceForm(forms.Form):
    canned = forms.ModelChoiceField(
        label=_("Canned answer"), queryset=CannedAnswer.objects.none()
    )

    def __init__(self, *args: Any, ticket: Ticket, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        queryset = CannedAnswer.objects.all()
        if ticket.category_id is not None:
            queryset = queryset.filter(category__isnull=True) | queryset.filter(
                category=ticket.category_id
            )
        else:
            queryset = queryset.filter(category__isnull=True)
        field = self.fields["canned"]
        assert isinstance(field, forms.ModelChoiceField)  # noqa: S101
        field.queryset = queryset.order_by("title", "id")


class AssignForm(forms.Form):
    assignee = forms.ModelChoiceField(
        label=_("Assigned to"),
        queryset=User.objects.none(),
        required=False,
        empty_label=_("Nobody"),
    )

    def __init__(self, *args: Any, ticket: Ticket, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        agents = User.objects.filter(is_staff=True)
        if ticket.category_id is not None:
            agents = agents | User.objects.filter(
                helpdesk_categories=ticket.category_id
            )
        field = self.fields["assignee"]
        assert isinstance(field, forms.ModelChoiceField)  # noqa: S101
        field.queryset = agents.distinct().order_by("display_name", "username")
        field.initial = ticket.assignee_id


class CategoryForm(forms.Form):
    category = forms.ModelChoiceField(
        label=_("Category"),
        queryset=Category.objects.all(),
        required=False,
        empty_label=_("No category"),
    )


class MergeForm(forms.Form):
    target = forms.IntegerField(
        label=_("Merge into ticket number"),
        min_value=1,
        help_text=_("This ticket is closed and its messages move there."),
    )


class FaqForm(forms.ModelForm):
    class Meta:
        model = FaqEntry
        fields = [
            "category",
            "question_de",
            "question_en",
            "answer_de",
            "answer_en",
            "published",
        ]
        widgets = {
            "answer_de": forms.Textarea(attrs={"rows": 8}),
            "answer_en": forms.Textarea(attrs={"rows": 8}),
        }
