from __future__ import annotations

from typing import Any, cast

from django import forms
from django.utils.translation import gettext_lazy as _

from allmende.events.forms import DateTimeInput
from allmende.programmes.models import Recommendation, ReviewCriterion, ReviewPhase
from allmende.programmes.review_services import (
    REVIEWERS_PER_APPLICATION,
    CriterionData,
    PhaseData,
    ReviewData,
)

NOT_APPLICABLE = "na"


class PhaseForm(forms.ModelForm):
    class Meta:
        model = ReviewPhase
        fields = [
            "name",
            "starts_at",
            "ends_at",
            "can_review",
            "others_visible",
            "pseudonymised",
        ]
        widgets = {"starts_at": DateTimeInput(), "ends_at": DateTimeInput()}
        help_texts = {"ends_at": _("The deadline for reviews in this phase.")}

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        starts, ends = data.get("starts_at"), data.get("ends_at")
        if starts and ends and ends <= starts:
            self.add_error("ends_at", _("The phase must end after it starts."))
        return data

    def phase_data(self) -> PhaseData:
        data = self.cleaned_data
        return PhaseData(
            name=data["name"],
            starts_at=data["starts_at"],
            ends_at=data["ends_at"],
            can_review=data["can_review"],
            others_visible=data["others_visible"],
            pseudonymised=data["pseudonymised"],
        )


class CriterionForm(forms.ModelForm):
    class Meta:
        model = ReviewCriterion
        fields = ["name_de", "name_en", "description_de", "description_en", "weight"]
        widgets = {
            "description_de": forms.Textarea(attrs={"rows": 2}),
            "description_en": forms.Textarea(attrs={"rows": 2}),
        }

    def criterion_data(self) -> CriterionData:
        data = self.cleaned_data
        return CriterionData(
            name_de=data["name_de"],
            name_en=data["name_en"],
            description_de=data["description_de"],
            description_en=data["description_en"],
            weight=data["weight"],
        )


class ReviewerForm(forms.Form):
    email = forms.EmailField(label=_("E-mail address of the reviewer"))


class AutoAssignForm(forms.Form):
    per_application = forms.IntegerField(
        label=_("Reviewers per application"),
        min_value=1,
        max_value=10,
        initial=REVIEWERS_PER_APPLICATION,
    )


class AssignForm(forms.Form):
    reviewer = forms.TypedChoiceField(label=_("Reviewer"), coerce=int)

    def __init__(self, *args: Any, people: list[tuple[int, str]], **kwargs: Any):
        super().__init__(*args, **kwargs)
        cast(forms.TypedChoiceField, self.fields["reviewer"]).choices = [
            (str(pk), name) for pk, name in people
        ]


class DeclareForm(forms.Form):
    conflict = forms.TypedChoiceField(
        label=_("Do you have a conflict of interest with this application?"),
        choices=[
            ("no", _("No, I have no conflict of interest")),
            ("yes", _("Yes, I have a conflict of interest")),
        ],
        coerce=lambda value: value == "yes",
        widget=forms.RadioSelect,
        help_text=_(
            "For example: you work with the applicant, advise them, or would "
            "gain from the decision."
        ),
    )
    note = forms.CharField(
        label=_("If yes: what is the conflict?"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


SCALE = [(str(n), str(n)) for n in range(6)]


class ReviewForm(forms.Form):
    recommendation = forms.ChoiceField(
        label=_("Your recommendation"),
        choices=Recommendation.choices,
        required=False,
        widget=forms.RadioSelect,
    )
    comment_staff = forms.CharField(
        label=_("Comments for the team"),
        required=False,
        max_length=10000,
        widget=forms.Textarea(attrs={"rows": 4}),
    )
    comment_applicant = forms.CharField(
        label=_("Comments for the applicant (optional)"),
        required=False,
        max_length=10000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def __init__(
        self, *args: Any, criteria: list[ReviewCriterion], **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.criteria = criteria
        scores = {}
        for criterion in criteria:
            name = f"score_{criterion.pk}"
            self.fields[name] = forms.ChoiceField(
                label=criterion.name,
                help_text=criterion.description,
                choices=[*SCALE, (NOT_APPLICABLE, _("not applicable"))],
                required=False,
                widget=forms.RadioSelect(attrs={"class": "scale"}),
            )
            scores[name] = self.fields[name]
        # The score fields first, in the order of the criteria.
        self.order_fields([*scores, "recommendation", "comment_staff"])

    def review_data(self) -> ReviewData:
        data = self.cleaned_data
        scores: dict[int, int | None] = {}
        for criterion in self.criteria:
            value = data.get(f"score_{criterion.pk}") or ""
            if value == NOT_APPLICABLE:
                scores[criterion.pk] = None
            elif value:
                scores[criterion.pk] = int(value)
        return ReviewData(
            scores=scores,
            recommendation=data["recommendation"],
            comment_staff=data["comment_staff"],
            comment_applicant=data["comment_applicant"],
        )

    @staticmethod
    def initial_for(review: Any) -> dict[str, Any]:
        initial: dict[str, Any] = {
            "recommendation": review.recommendation,
            "comment_staff": review.comment_staff,
            "comment_applicant": review.comment_applicant,
        }
        for score in review.scores.all():
            initial[f"score_{score.criterion_id}"] = (
                NOT_APPLICABLE if score.value is None else str(score.value)
            )
        return initial


def assign_form_for(application: Any, data: Any = None) -> AssignForm:
    """The reviewers of ``application``'s call not yet assigned to it."""
    taken = set(application.reviews.values_list("reviewer_id", flat=True))
    people = [
        (r.user_id, r.user.get_full_name() or r.user.get_username())
        for r in application.call.reviewers.select_related("user")
        if r.user_id not in taken
    ]
    return AssignForm(data, people=people)
