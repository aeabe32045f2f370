from __future__ import annotations

from typing import Any, cast

from django import forms
from django.utils.translation import gettext_lazy as _

from allmende.core.idempotency import SubmissionKeyField
from allmende.core.iri import IRIFormField
from allmende.core.models import FocusArea
from allmende.events.models import Level
from allmende.knowledge.licences import LicenceFamily, normalize_licence
from allmende.knowledge.models import (
    Book,
    Category,
    Chapter,
    Cost,
    HostingOption,
    Platform,
    Report,
    Tool,
    language_choices,
)
from allmende.knowledge.selectors import ReportFilters, ToolFilters
from allmende.knowledge.services import ToolData
from allmende.knowledge.services.hosting import ServiceRequestData
from allmende.knowledge.services.reports import ReportData
from allmende.organizations.models import Organization


class ToolForm(forms.ModelForm):
    categories = forms.ModelMultipleChoiceField(
        label=_("Categories"),
        queryset=Category.objects.order_by("name_de"),
        widget=forms.CheckboxSelectMultiple,
    )
    licence = forms.CharField(
        label=_("Licence (SPDX identifier)"),
        max_length=200,
        help_text=_(
            "As on spdx.org/licenses, for example AGPL-3.0-or-later, MIT or "
            "“MIT OR Apache-2.0”."
        ),
    )
    hosting = forms.MultipleChoiceField(
        label=_("Hosting options"),
        choices=HostingOption.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    platforms = forms.MultipleChoiceField(
        label=_("Platforms"),
        choices=Platform.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    languages = forms.MultipleChoiceField(
        label=_("Interface languages"),
        choices=language_choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    source_url = IRIFormField(
        label=_("Source code address"), required=False, assume_scheme="https"
    )
    homepage_url = IRIFormField(
        label=_("Homepage"), required=False, assume_scheme="https"
    )
    release_feed_url = IRIFormField(
        label=_("Atom feed of releases"), required=False, assume_scheme="https"
    )
    privacy_url = IRIFormField(
        label=_("Privacy policy"), required=False, assume_scheme="https"
    )
    terms_url = IRIFormField(
        label=_("Terms of use"), required=False, assume_scheme="https"
    )
    alternative_to = forms.CharField(
        label=_("Alternative to"),
        required=False,
        max_length=400,
        help_text=_("Products this tool can replace, separated by commas."),
    )

    class Meta:
        model = Tool
        fields = [
            "name",
            "purpose_de",
            "purpose_en",
            "description_de",
            "description_en",
            "categories",
            "licence",
            "source_url",
            "homepage_url",
            "release_feed_url",
            "hosting",
            "platforms",
            "data_location",
            "processing_agreement",
            "privacy_url",
            "terms_url",
            "privacy_notes_de",
            "privacy_notes_en",
            "cost",
            "nonprofit_discount",
            "cost_notes_de",
            "cost_notes_en",
            "difficulty",
            "languages",
            "accessibility_notes_de",
            "accessibility_notes_en",
            "alternative_to",
        ]
        help_texts = {
            "description_de": _("Markdown is allowed: **bold**, lists, links."),
            "release_feed_url": _(
                "Only needed when the source code is not on a known Git forge, "
                "for example https://example.org/releases.atom."
            ),
            "source_url": _(
                "On GitHub, GitLab or Codeberg the date of the last release is "
                "read from there."
            ),
        }
        widgets = {
            "description_de": forms.Textarea(attrs={"rows": 6}),
            "description_en": forms.Textarea(attrs={"rows": 6}),
            "privacy_notes_de": forms.Textarea(attrs={"rows": 3}),
            "privacy_notes_en": forms.Textarea(attrs={"rows": 3}),
            "accessibility_notes_de": forms.Textarea(attrs={"rows": 3}),
            "accessibility_notes_en": forms.Textarea(attrs={"rows": 3}),
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.instance.pk and not self.is_bound:
            self.initial["alternative_to"] = ", ".join(self.instance.alternative_to)

    def clean_name(self) -> str:
        name = str(self.cleaned_data["name"]).strip()
        others = Tool.objects.filter(name__iexact=name)
        if self.instance.pk:
            others = others.exclude(pk=self.instance.pk)
        if others.exists():
            raise forms.ValidationError(
                _("A tool with this name is already listed."), code="duplicate"
            )
        return name

    def clean_licence(self) -> str:
        return normalize_licence(str(self.cleaned_data["licence"]))

    def clean_alternative_to(self) -> list[str]:
        text = str(self.cleaned_data.get("alternative_to") or "")
        names = [name.strip() for name in text.split(",") if name.strip()]
        return list(dict.fromkeys(names))

    def _post_clean(self) -> None:
        # The service validates the model; the form checks its own fields.
        pass

    def tool_data(self) -> ToolData:
        data = self.cleaned_data
        return ToolData(
            name=data["name"],
            purpose_de=data["purpose_de"],
            purpose_en=data["purpose_en"],
            description_de=data["description_de"],
            description_en=data["description_en"],
            licence=data["licence"],
            source_url=data["source_url"],
            homepage_url=data["homepage_url"],
            release_feed_url=data["release_feed_url"],
            hosting=list(data["hosting"]),
            platforms=list(data["platforms"]),
            data_location=data["data_location"],
            processing_agreement=data["processing_agreement"],
            privacy_url=data["privacy_url"],
            terms_url=data["terms_url"],
            privacy_notes_de=data["privacy_notes_de"],
            privacy_notes_en=data["privacy_notes_en"],
            cost=data["cost"],
            nonprofit_discount=data["nonprofit_discount"],
            cost_notes_de=data["cost_notes_de"],
            cost_notes_en=data["cost_notes_en"],
            difficulty=data["difficulty"],
            languages=list(data["languages"]),
            accessibility_notes_de=data["accessibility_notes_de"],
            accessibility_notes_en=data["accessibility_notes_en"],
            alternative_to=data["alternative_to"],
        )


class ToolCreateForm(ToolForm):
    submission_key = SubmissionKeyField()


class ToolFilterForm(forms.Form):
    q = forms.CharField(
        label=_("Search"),
        required=False,
        max_length=200,
        widget=forms.TextInput(attrs={"type": "search"}),
    )
    category = forms.ChoiceField(label=_("Category"), required=False)
    licence_family = forms.ChoiceField(
        label=_("Licence"),
        required=False,
        choices=[("", _("All licences")), *LicenceFamily.choices],
    )
    hosting = forms.ChoiceField(
        label=_("Hosting"),
        required=False,
        choices=[("", _("All hosting options")), *HostingOption.choices],
    )
    platform = forms.ChoiceField(
        label=_("Platform"),
        required=False,
        choices=[("", _("All platforms")), *Platform.choices],
    )
    cost = forms.ChoiceField(
        label=_("Cost"),
        required=False,
        choices=[("", _("Any cost")), *Cost.choices],
    )
    difficulty = forms.ChoiceField(
        label=_("Difficulty"),
        required=False,
        choices=[("", _("Any difficulty")), *Level.choices],
    )
    language = forms.ChoiceField(label=_("Interface language"), required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["category"]).choices = [
            ("", _("All categories"))
        ] + [(c.slug, str(c)) for c in Category.objects.order_by("name_de")]
        cast(forms.ChoiceField, self.fields["language"]).choices = [
            ("", _("Any language")),
            *language_choices(),
        ]

    def filters(self) -> ToolFilters:
        if not self.is_bound:
            return ToolFilters()
        if not self.is_valid():
            # Keep the filters that are valid; drop only the broken ones.
            data = {
                name: value
                for name, value in self.cleaned_data.items()
                if name not in self.errors
            }
            return ToolFilters(**{k: v for k, v in data.items() if v})
        return ToolFilters(**self.cleaned_data)


class ReportForm(forms.ModelForm):
    tools = forms.ModelMultipleChoiceField(
        label=_("Tools this report is about"),
        queryset=Tool.objects.order_by("name"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    focus_areas = forms.ModelMultipleChoiceField(
        label=_("Focus areas"),
        queryset=FocusArea.objects.order_by("name_de"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    class Meta:
        model = Report
        fields = [
            "title",
            "language",
            "summary",
            "tried",
            "worked",
            "did_not_work",
            "effort",
            "tips",
            "tools",
            "focus_areas",
        ]
        help_texts = {
            "tried": _("Markdown is allowed: **bold**, lists, links."),
        }
        widgets = {
            name: forms.Textarea(attrs={"rows": 5})
            for name in ("tried", "worked", "did_not_work", "effort", "tips")
        }

    def __init__(
        self,
        *args: Any,
        organizations: list[Organization] | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        if organizations is not None:
            self.fields["organization"] = forms.ModelChoiceField(
                label=_("On behalf of"),
                queryset=Organization.objects.filter(
                    pk__in=[org.pk for org in organizations]
                ).order_by("name"),
                initial=organizations[0].pk if len(organizations) == 1 else None,
            )
            self.order_fields(["organization"])

    def _post_clean(self) -> None:
        # The service validates the model; the form checks its own fields.
        pass

    def report_data(self) -> ReportData:
        data = self.cleaned_data
        return ReportData(
            title=data["title"],
            language=data["language"],
            summary=data["summary"],
            tried=data["tried"],
            worked=data["worked"],
            did_not_work=data["did_not_work"],
            effort=data["effort"],
            tips=data["tips"],
        )


class ReportCreateForm(ReportForm):
    submission_key = SubmissionKeyField()


class ReportFilterForm(forms.Form):
    q = forms.CharField(
        label=_("Search"),
        required=False,
        max_length=200,
        widget=forms.TextInput(attrs={"type": "search"}),
    )
    tool = forms.ChoiceField(label=_("Tool"), required=False)
    sort = forms.ChoiceField(
        label=_("Order"),
        required=False,
        choices=[("helpful", _("Most helpful first")), ("new", _("Newest first"))],
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["tool"]).choices = [
            ("", _("All tools"))
        ] + list(
            Tool.objects.filter(reports__isnull=False)
            .distinct()
            .order_by("name")
            .values_list("slug", "name")
        )

    def filters(self) -> ReportFilters:
        if not self.is_bound or not self.is_valid():
            return ReportFilters()
        data = self.cleaned_data
        return ReportFilters(
            q=data["q"], tool=data["tool"], sort=data["sort"] or "helpful"
        )


class TakedownForm(forms.Form):
    reason = forms.CharField(
        label=_("Why is the report taken down?"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class PageForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=200)
    body = forms.CharField(
        label=_("Text"),
        max_length=100000,
        widget=forms.Textarea(attrs={"rows": 18}),
        help_text=_(
            "Markdown: ## for a section heading, ### for a subsection, "
            "**bold**, lists and links. Headings make the table of contents."
        ),
    )
    message = forms.CharField(
        label=_("What did you change?"),
        max_length=300,
        required=False,
        help_text=_("A short note for the history, for example “Fixed links”."),
    )


class PageCreateForm(PageForm):
    chapter = forms.ModelChoiceField(
        label=_("Chapter"), queryset=Chapter.objects.none()
    )
    submission_key = SubmissionKeyField()

    def __init__(self, *args: Any, book: Book, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(
            forms.ModelChoiceField, self.fields["chapter"]
        ).queryset = Chapter.objects.filter(book=book).order_by("position", "pk")
        self.order_fields(["chapter"])


class ReviewCommentForm(forms.Form):
    comment = forms.CharField(
        label=_("Comment for the editor"),
        max_length=2000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class DiffForm(forms.Form):
    """Two revisions of a page to compare, by number."""

    a = forms.IntegerField(label=_("Older revision"), min_value=1)
    b = forms.IntegerField(label=_("Newer revision"), min_value=1)


class ServiceRequestForm(forms.Form):
    organization = forms.ModelChoiceField(
        label=_("Organization"), queryset=Organization.objects.none()
    )
    purpose = forms.CharField(
        label=_("What do you need it for?"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 4}),
    )
    expected_users = forms.IntegerField(
        label=_("How many people will use it?"), min_value=1, max_value=100000
    )
    contact_name = forms.CharField(label=_("Contact person"), max_length=150)
    contact_email = forms.EmailField(label=_("Contact e-mail address"))
    code_version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)
    accept_code = forms.BooleanField(
        label=_("I have read the code of conduct and accept it for my organization.")
    )
    submission_key = SubmissionKeyField()

    def __init__(
        self, *args: Any, organizations: list[Organization], **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        field = cast(forms.ModelChoiceField, self.fields["organization"])
        field.queryset = Organization.objects.filter(
            pk__in=[org.pk for org in organizations]
        ).order_by("name")
        if len(organizations) == 1:
            field.initial = organizations[0].pk

    def request_data(self) -> ServiceRequestData:
        data = self.cleaned_data
        return ServiceRequestData(
            purpose=data["purpose"],
            expected_users=data["expected_users"],
            contact_name=data["contact_name"],
            contact_email=data["contact_email"],
        )


class ServiceDecisionForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason (shown to the organization)"),
        max_length=2000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    access_details = forms.CharField(
        label=_("Access details (shown only to the organization's administrators)"),
        max_length=4000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class ToolSuggestionForm(forms.Form):
    organization = forms.ModelChoiceField(
        label=_("On behalf of"), queryset=Organization.objects.none()
    )
    tool = forms.ModelChoiceField(
        label=_("Tool to change"),
        queryset=Tool.objects.order_by("name"),
        required=False,
        help_text=_("Leave empty to suggest a new tool."),
    )
    name = forms.CharField(
        label=_("Name of the new tool"), max_length=100, required=False
    )
    homepage_url = forms.URLField(
        label=_("Homepage"), max_length=500, required=False, assume_scheme="https"
    )
    text = forms.CharField(
        label=_("Your suggestion"),
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_("What is the tool for, what should change, and why?"),
    )
    submission_key = SubmissionKeyField()

    def __init__(
        self, *args: Any, organizations: list[Organization], **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        field = cast(forms.ModelChoiceField, self.fields["organization"])
        field.queryset = Organization.objects.filter(
            pk__in=[org.pk for org in organizations]
        ).order_by("name")
        if len(organizations) == 1:
            field.initial = organizations[0].pk

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if not data.get("tool") and not str(data.get("name") or "").strip():
            self.add_error(
                "name", _("Name the new tool, or choose the tool to change.")
            )
        return data


class SuggestionAnswerForm(forms.Form):
    answer = forms.CharField(
        label=_("Answer to the organization"),
        max_length=2000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
