"""Notification types: what each module can tell people, and how by default.

A module declares its types in ``<app>/notifications.py``, which is imported
when the notifications app is ready::

    from django.utils.translation import gettext_lazy as _
    from allmende.notifications.registry import Channel, NotificationType, register

    ORGANIZATION_VERIFIED = register(
        NotificationType(
            key="organizations.verified",
            module=_("Organizations"),
            label=_("Organization verified"),
            description=_("When staff verify an organization you administer."),
            message=_("%(organization)s has been verified."),
            default=Channel.IMMEDIATE,
        )
    )

and sends with :func:`allmende.notifications.services.notify` after the change
has committed. ``message`` is an English source string with ``%(name)s``
placeholders filled from the notification's context; it is translated when it
is shown or mailed, into the reader's language, so a notification written
while one person browsed in English reaches another in German.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from importlib import import_module
from typing import TYPE_CHECKING, Any

from django.apps import apps
from django.conf import settings
from django.db import models
from django.utils.functional import Promise
from django.utils.translation import get_language, override
from django.utils.translation import gettext_lazy as _

from allmende.core.translation import translated

if TYPE_CHECKING:
    from allmende.notifications.models import Notification

# A file a mail carries: name, content, media type.
Attachment = tuple[str, bytes, str]


class Channel(models.TextChoices):
    """How one type of notification reaches one person.

    Every channel but ``OFF`` shows the notification in the app; the e-mail
    channels add a mail, at once (after a short wait, see
    ``ALLMENDE_NOTIFY_EMAIL_DELAY_SECONDS``) or collected in a digest.
    """

    OFF = "off", _("Off")
    APP = "app", _("In the app only")
    IMMEDIATE = "immediate", _("In the app and by e-mail at once")
    DAILY = "daily", _("In the app and in a daily e-mail")
    WEEKLY = "weekly", _("In the app and in a weekly e-mail")


EMAIL_CHANNELS = frozenset({Channel.IMMEDIATE, Channel.DAILY, Channel.WEEKLY})
DIGEST_CHANNELS = frozenset({Channel.DAILY, Channel.WEEKLY})


@dataclass(frozen=True)
class NotificationType:
    """One kind of notification.

    ``mandatory`` types (account security, a registration the person made, a
    decision about their application) always reach the person by e-mail: they
    may choose when, but not to switch them off or keep them in the app only.
    ``urgent`` types (a free place offered for a short time, a reminder shortly
    before an event) are worth nothing a day later: they are never collected
    into a daily or weekly summary.
    ``attachments(notification)`` gives the files a mail about one
    notification of this type carries (an event's calendar entry), read when
    the mail is written; it may give none when the object has changed since.
    """

    key: str
    module: str | Promise
    label: str | Promise
    description: str | Promise
    message: str | Promise
    default: Channel = Channel.APP
    mandatory: bool = False
    urgent: bool = False
    attachments: Callable[[Notification], Sequence[Attachment]] | None = None

    def __post_init__(self) -> None:
        if self.mandatory and self.default not in EMAIL_CHANNELS:
            raise ValueError(f"{self.key}: a mandatory type must default to e-mail")
        if self.urgent and self.default in DIGEST_CHANNELS:
            raise ValueError(f"{self.key}: an urgent type cannot default to a summary")

    @property
    def choices(self) -> list[tuple[str, Any]]:
        """The channels a person may choose for this type."""
        return [
            (value, label)
            for value, label in Channel.choices
            if (not self.mandatory or value in EMAIL_CHANNELS)
            and not (self.urgent and value in DIGEST_CHANNELS)
        ]

    def allows(self, channel: str) -> bool:
        return any(value == channel for value, _label in self.choices)

    def render(self, context: dict[str, Any]) -> str:
        """The message in the active language, its placeholders filled.

        A placeholder missing from ``context`` (an older notification, a type
        whose message gained a field) shows as empty rather than failing, and
        an optional one left empty at the end leaves no trailing space. A
        value given in several languages (``{"de": …, "en": …}``, see
        :func:`in_languages`) shows in the active one.
        """
        language = (get_language() or settings.LANGUAGE_CODE)[:2]
        values = {
            name: _in_language(value, language) for name, value in context.items()
        }
        return (str(self.message) % _Lenient(values)).strip()


def in_languages(obj: Any, field: str) -> dict[str, str]:
    """A two-language field (``<field>_de``, ``<field>_en``) as a context value,
    so that the message shows it in the reader's language."""
    values = {}
    for code, _name in settings.LANGUAGES:
        with override(code):
            values[code] = translated(obj, field)
    return values


def _in_language(value: Any, language: str) -> Any:
    if not isinstance(value, dict):
        return value
    return (
        value.get(language)
        or value.get(settings.LANGUAGE_CODE)
        or next((text for text in value.values() if text), "")
    )


class _Lenient(dict[str, Any]):
    def __missing__(self, key: str) -> str:
        return ""


_registry: dict[str, NotificationType] = {}
_discovered = False


def register(notification_type: NotificationType) -> NotificationType:
    existing = _registry.get(notification_type.key)
    if existing is not None and existing != notification_type:
        raise ValueError(f"Notification type {notification_type.key!r} exists")
    _registry[notification_type.key] = notification_type
    return notification_type


def autodiscover() -> None:
    """Import ``<app>.notifications`` of every Allmende app."""
    global _discovered
    if _discovered:
        return
    for config in apps.get_app_configs():
        if not config.name.startswith("allmende.") or config.label == "notifications":
            continue
        try:
            import_module(f"{config.name}.notifications")
        except ModuleNotFoundError as exc:
            if exc.name != f"{config.name}.notifications":
                raise
    _discovered = True


def get(key: str) -> NotificationType | None:
    return _registry.get(key)


def types() -> list[NotificationType]:
    """Every registered type, grouped by module, in the order they were declared."""
    return list(_registry.values())
