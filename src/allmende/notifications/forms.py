"""The notification settings: a channel for each type, and quiet hours."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.functional import Promise
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from allmende.notifications.registry import NotificationType
from allmende.notifications.selectors import NotificationChoices

MANDATORY_NOTE = _(
    "This message concerns your account or something you started, so it always "
    "reaches you by e-mail; you may choose when."
)
URGENT_NOTE = _(
    "It is only useful while it is new, so it is never held for a daily or "
    "weekly summary."
)


class TimeInput(forms.TimeInput):
    input_type = "time"

    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        super().__init__(attrs, format="%H:%M")


def _field_name(kind: NotificationType) -> str:
    return f"channel-{kind.key}"


class NotificationSettingsForm(forms.Form):
    """One radio group per registered type (only the channels the type
    allows), grouped by module, and the quiet hours."""

    quiet_from = forms.TimeField(
        label=_("Quiet hours from"), required=False, widget=TimeInput()
    )
    quiet_until = forms.TimeField(
        label=_("Quiet hours until"),
        required=False,
        widget=TimeInput(),
        help_text=_(
            "Immediate e-mails that would arrive in these hours wait until they "
            "end. Leave both empty to receive them at any time."
        ),
    )

    def __init__(self, *args: Any, choices: NotificationChoices, **kwargs: Any):
        kwargs.setdefault(
            "initial",
            {"quiet_from": choices.quiet_from, "quiet_until": choices.quiet_until},
        )
        super().__init__(*args, **kwargs)
        self._modules: list[tuple[str | Promise, list[str]]] = []
        self._kinds: dict[str, NotificationType] = {}
        for module, type_choices in choices.modules:
            names = []
            for choice in type_choices:
                kind = choice.kind
                name = _field_name(kind)
                help_text: Any = kind.description
                if kind.mandatory:
                    help_text = format_lazy("{} {}", help_text, MANDATORY_NOTE)
                if kind.urgent:
                    help_text = format_lazy("{} {}", help_text, URGENT_NOTE)
                self.fields[name] = forms.ChoiceField(
                    label=str(kind.label),
                    choices=kind.choices,
                    initial=choice.channel,
                    required=False,
                    widget=forms.RadioSelect,
                    help_text=help_text,
                )
                self._kinds[name] = kind
                names.append(name)
            self._modules.append((module, names))
        # The quiet hours come after the types.
        self.order_fields([name for _m, names in self._modules for name in names])

    def modules(self) -> list[tuple[str | Promise, list[forms.BoundField]]]:
        """The types' fields, grouped by module, in the registry's order."""
        return [
            (module, [self[name] for name in names]) for module, names in self._modules
        ]

    def quiet_hours(self) -> list[forms.BoundField]:
        return [self["quiet_from"], self["quiet_until"]]

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if (cleaned.get("quiet_from") is None) != (
            cleaned.get("quiet_until") is None
        ) and not self.has_error("quiet_from"):
            self.add_error(
                "quiet_until",
                _("Give both the start and the end of your quiet hours, or neither."),
            )
        return cleaned

    def channels(self) -> dict[str, str]:
        """The chosen channel of each type (the shown one where none was sent)."""
        return {
            kind.key: self.cleaned_data.get(name) or self.fields[name].initial
            for name, kind in self._kinds.items()
        }
