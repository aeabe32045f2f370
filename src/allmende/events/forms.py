from __future__ import annotations

from typing import Any, cast

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from allmende.core.models import FocusArea
from allmende.events.models import (
    Event,
    EventFormat,
    EventStatus,
    EventType,
    Level,
    Slot,
)
from allmende.events.selectors import EventFilters
from allmende.organizations.models import Organization


class DateInput(forms.DateInput):
    input_type = "date"


class DateTimeInput(forms.DateTimeInput):
    input_type = "datetime-local"

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("format", "%Y-%m-%dT%H:%M")
        super().__init__(**kwargs)


class EventFilterForm(forms.Form):
    q = forms.CharField(label=_("Search"), required=False, max_length=200)
    event_type = forms.ChoiceField(
        label=_("Type"),
        required=False,
        choices=[("", _("All types")), *EventType.choices],
    )
    format = forms.ChoiceField(
        label=_("Format"),
        required=False,
        choices=[("", _("All formats")), *EventFormat.choices],
    )
    level = forms.ChoiceField(
        label=_("Level"),
        required=False,
        choices=[("", _("All levels")), *Level.choices],
    )
    topic = forms.ChoiceField(label=_("Topic"), required=False)
    date_from = forms.DateField(label=_("From"), required=False, widget=DateInput)
    date_to = forms.DateField(label=_("Until"), required=False, widget=DateInput)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["topic"]).choices = [
            ("", _("All topics"))
        ] + [(area.slug, str(area)) for area in FocusArea.objects.order_by("name_de")]

    def filters(self) -> EventFilters:
        if not self.is_valid():
            return EventFilters()
        return EventFilters(**self.cleaned_data)


class LinesField(forms.CharField):
    """A list of strings entered one per line."""

    widget = forms.Textarea(attrs={"rows": 3})

    def prepare_value(self, value: Any) -> Any:
        if isinstance(value, list):
            return "\n".join(str(v) for v in value)
        return value

    def to_python(self, value: Any) -> list[str]:  # type: ignore[override]
        text = super().to_python(value) or ""
        return [line.strip() for line in str(text).splitlines() if line.strip()]


class MinutesField(forms.CharField):
    """Reminder times as minutes, entered like ``1440, 60``."""

    def prepare_value(self, value: Any) -> Any:
        if isinstance(value, list):
            return ", ".join(str(v) for v in value)
        return value

    def to_python(self, value: Any) -> list[int]:  # type: ignore[override]
        text = str(super().to_python(value) or "")
        minutes = []
        for part in text.replace(";", ",").split(","):
            part = part.strip()
            if not part:
                continue
            if not part.isdigit() or int(part) <= 0:
                raise forms.ValidationError(
                    _("Please give whole numbers of minutes, separated by commas.")
                )
            minutes.append(int(part))
        return sorted(set(minutes), reverse=True)


class EventForm(forms.ModelForm):
    organization = forms.ModelChoiceField(
        label=_("Organizer"),
        queryset=Organization.objects.none(),
        required=False,
        empty_label=_("The programme team"),
    )
    topics = forms.ModelMultipleChoiceField(
        label=_("Topics"),
        queryset=FocusArea.objects.order_by("name_de"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    questions = LinesField(
        label=_("Questions on the registration form"),
        required=False,
        help_text=_("One question per line; answers are optional."),
    )
    online_url = forms.URLField(
        label=_("Meeting link"),
        required=False,
        assume_scheme="https",
        help_text=_("Shown only to confirmed participants."),
    )
    reminder_minutes = MinutesField(
        label=_("Reminders (minutes before the start)"),
        required=False,
        help_text=_("For example 1440, 60 for one day and one hour before."),
    )

    class Meta:
        model = Event
        fields = [
            "title_de",
            "title_en",
            "organization",
            "event_type",
            "format",
            "level",
            "language",
            "topics",
            "status",
            "starts_at",
            "ends_at",
            "description_de",
            "description_en",
            "online_url",
            "venue",
            "street",
            "postal_code",
            "city",
            "latitude",
            "longitude",
            "step_free",
            "sign_language",
            "captions",
            "quiet_room",
            "accessibility_notes",
            "capacity",
            "registration_opens_at",
            "registration_closes_at",
            "requires_approval",
            "questions",
            "offer_hours",
            "reminder_minutes",
        ]
        widgets = {
            "starts_at": DateTimeInput(),
            "ends_at": DateTimeInput(),
            "registration_opens_at": DateTimeInput(),
            "registration_closes_at": DateTimeInput(),
            "description_de": forms.Textarea(attrs={"rows": 6}),
            "description_en": forms.Textarea(attrs={"rows": 6}),
            "accessibility_notes": forms.Textarea(attrs={"rows": 3}),
        }
        help_texts = {
            "description_de": _("Markdown is allowed: **bold**, lists, links."),
        }

    def __init__(self, *args: Any, organizations: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if organizations is not None:
            self.fields["organization"].queryset = organizations  # type: ignore[attr-defined]
        cast(forms.ChoiceField, self.fields["status"]).choices = [
            (EventStatus.DRAFT, EventStatus.DRAFT.label),
            (EventStatus.PUBLISHED, EventStatus.PUBLISHED.label),
        ]
        for name in ("starts_at", "ends_at", "registration_opens_at",
                     "registration_closes_at"):  # fmt: skip
            self.fields[name].help_text = _("Local time (%(zone)s)") % {
                "zone": timezone.get_current_timezone_name()
            }

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        starts, ends = data.get("starts_at"), data.get("ends_at")
        if starts and ends and ends <= starts:
            self.add_error("ends_at", _("The end must be after the start."))
        if (data.get("latitude") is None) != (data.get("longitude") is None):
            raise forms.ValidationError(
                _("Please give both latitude and longitude, or neither.")
            )
        return data

    def _post_clean(self) -> None:
        # The service validates the model, with capacity checked under a lock.
        pass


class RegistrationForm(forms.Form):
    name = forms.CharField(label=_("Your name"), max_length=150)
    email = forms.EmailField(
        label=_("Your e-mail address"),
        help_text=_("We send you a link to confirm the registration."),
    )
    slot = forms.ModelChoiceField(
        label=_("Time slot"),
        queryset=Slot.objects.none(),
        widget=forms.RadioSelect,
        empty_label=None,
    )
    question = forms.CharField(
        label=_("Your question"),
        help_text=_("So that we can prepare: what would you like to talk about?"),
        widget=forms.Textarea(attrs={"rows": 4}),
        max_length=2000,
    )

    def __init__(
        self,
        *args: Any,
        event: Event,
        anonymous: bool,
        slots: list[Slot] | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.event = event
        if not anonymous:
            del self.fields["name"]
            del self.fields["email"]
        if event.has_slots:
            self.fields["slot"].queryset = Slot.objects.filter(  # type: ignore[attr-defined]
                pk__in=[s.pk for s in slots or []]
            ).order_by("starts_at")
        else:
            del self.fields["slot"]
            del self.fields["question"]
        for index, text in enumerate(event.questions or []):
            self.fields[f"answer_{index}"] = forms.CharField(
                label=str(text),
                required=False,
                max_length=2000,
                widget=forms.Textarea(attrs={"rows": 2}),
            )

    def answers(self) -> dict[str, str]:
        return {
            str(text): self.cleaned_data.get(f"answer_{index}", "")
            for index, text in enumerate(self.event.questions or [])
        }


class MessageForm(forms.Form):
    subject = forms.CharField(label=_("Subject"), max_length=200)
    body = forms.CharField(
        label=_("Message"), widget=forms.Textarea(attrs={"rows": 8}), max_length=10000
    )


class CancelEventForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason (sent to the participants)"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=2000,
    )


class ProposalDecisionForm(forms.Form):
    decision = forms.ChoiceField(
        label=_("Decision"),
        choices=[("publish", _("Publish")), ("decline", _("Decline"))],
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
                "reason", _("Please tell the organization why the event is declined.")
            )
        return data

    def error_messages(self) -> list[str]:
        return [str(error) for errors in self.errors.values() for error in errors]


class CancelRegistrationForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason (sent to the participant)"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=2000,
    )


class TimeInput(forms.TimeInput):
    input_type = "time"

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("format", "%H:%M")
        super().__init__(**kwargs)


WEEKDAYS = [
    (0, _("Monday")),
    (1, _("Tuesday")),
    (2, _("Wednesday")),
    (3, _("Thursday")),
    (4, _("Friday")),
    (5, _("Saturday")),
    (6, _("Sunday")),
]
WEEKS_OF_MONTH = [
    (0, _("every week")),
    (1, _("first in the month")),
    (2, _("second in the month")),
    (3, _("third in the month")),
    (4, _("fourth in the month")),
    (5, _("fifth in the month")),
    (6, _("last in the month")),
]


class ConsultationSeriesForm(forms.Form):
    title_de = forms.CharField(label=_("Title (German)"), max_length=200)
    title_en = forms.CharField(
        label=_("Title (English)"), max_length=200, required=False
    )
    organization = forms.ModelChoiceField(
        label=_("Organizer"),
        queryset=Organization.objects.none(),
        required=False,
        empty_label=_("The programme team"),
    )
    week_of_month = forms.TypedChoiceField(
        label=_("Which week"), choices=WEEKS_OF_MONTH, coerce=int, initial=1
    )
    weekday = forms.TypedChoiceField(
        label=_("Weekday"), choices=WEEKDAYS, coerce=int, initial=1
    )
    start_time = forms.TimeField(label=_("Start"), widget=TimeInput())
    end_time = forms.TimeField(label=_("End"), widget=TimeInput())
    slot_minutes = forms.IntegerField(
        label=_("Minutes per slot"),
        min_value=5,
        max_value=480,
        initial=20,
        help_text=_("Each slot is booked by one person."),
    )
    format = forms.ChoiceField(
        label=_("Format"),
        choices=[
            (EventFormat.ONLINE, EventFormat.ONLINE.label),
            (EventFormat.IN_PERSON, EventFormat.IN_PERSON.label),
        ],
    )
    online_url = forms.URLField(
        label=_("Meeting link"),
        required=False,
        assume_scheme="https",
        help_text=_("Shown only to confirmed participants."),
    )
    description_de = forms.CharField(
        label=_("Description (German)"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 5}),
    )
    description_en = forms.CharField(
        label=_("Description (English)"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 5}),
    )
    first_date = forms.DateField(label=_("First date"), widget=DateInput)
    last_date = forms.DateField(
        label=_("Last date"),
        required=False,
        widget=DateInput,
        help_text=_("Empty: the series continues until it is ended."),
    )
    months = forms.IntegerField(
        label=_("Create the dates of the next … months"),
        min_value=1,
        max_value=12,
        initial=3,
    )

    def __init__(self, *args: Any, organizations: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if organizations is not None:
            self.fields["organization"].queryset = organizations  # type: ignore[attr-defined]
        zone = timezone.get_current_timezone_name()
        for name in ("start_time", "end_time"):
            self.fields[name].help_text = _("Local time (%(zone)s)") % {"zone": zone}

    def clean_first_date(self) -> Any:
        first = self.cleaned_data["first_date"]
        if first < timezone.localdate():
            raise forms.ValidationError(_("The first date must not be in the past."))
        return first

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("week_of_month") == 5 and "weekday" in data:
            weekday = dict(WEEKDAYS)[data["weekday"]]
            self.add_error(
                "week_of_month",
                _(
                    "Most months have no fifth %(weekday)s, so this series "
                    "would skip months. Please choose the first to fourth or "
                    "the last %(weekday)s, or every week."
                )
                % {"weekday": weekday},
            )
        if data.get("format") == EventFormat.ONLINE and not data.get("online_url"):
            self.add_error(
                "online_url", _("Please give the meeting link for online dates.")
            )
        return data
