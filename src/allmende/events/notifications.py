"""What the events module tells people.

Participants with an account hear about their registrations here; guests who
registered with an e-mail address alone have no inbox and get the mails of
:mod:`allmende.events.services.mail` instead. Everything about a registration
the person made is mandatory, so it always reaches them by e-mail too.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from allmende.notifications.registry import (
    Attachment,
    Channel,
    NotificationType,
    register,
)

if TYPE_CHECKING:
    from allmende.notifications.models import Notification

MODULE = _("Events")


def calendar_entry(notification: Notification) -> list[Attachment]:
    """The event as a calendar file, while the person still has their place.

    The entry carries the online address, which only confirmed participants
    may see; a registration cancelled before the mail left gets none.
    """
    from django.contrib.contenttypes.models import ContentType

    from allmende.events.ics import calendar_bytes
    from allmende.events.models import Event, Registration, RegistrationState

    if (
        notification.object_id is None
        or notification.content_type_id != ContentType.objects.get_for_model(Event).pk
    ):
        return []
    event = Event.objects.filter(pk=notification.object_id).first()
    if event is None:
        return []
    holds_place = Registration.objects.filter(
        event=event,
        user_id=notification.recipient_id,
        state=RegistrationState.CONFIRMED,
    ).exists()
    if not holds_place:
        return []
    return [("event.ics", calendar_bytes([event], include_links=True), "text/calendar")]


def _registration(
    key: str,
    label: Promise,
    description: Promise,
    message: Promise,
    *,
    urgent: bool = False,
    attachments: Callable[[Notification], Sequence[Attachment]] | None = None,
) -> NotificationType:
    return register(
        NotificationType(
            key=f"events.{key}",
            module=MODULE,
            label=label,
            description=description,
            message=message,
            default=Channel.IMMEDIATE,
            mandatory=True,
            urgent=urgent,
            attachments=attachments,
        )
    )


REGISTRATION_CONFIRMED = _registration(
    "registration_confirmed",
    _("Place confirmed"),
    _("When your place at an event is confirmed."),
    _("Your place at %(event)s is confirmed."),
    attachments=calendar_entry,
)
REGISTRATION_WAITING = _registration(
    "registration_waiting",
    _("On the waiting list"),
    _("When you are put on the waiting list of a full event."),
    _("%(event)s is full; you are on the waiting list."),
)
REGISTRATION_PENDING = _registration(
    "registration_pending",
    _("Registration received"),
    _("When your registration waits for the organizers’ approval."),
    _("Your registration for %(event)s has arrived; the organizers will confirm it."),
)
PLACE_OFFERED = _registration(
    "place_offered",
    _("Place offered"),
    _("When a place becomes free and is offered to you from the waiting list."),
    _(
        "A place at %(event)s is free for you. Please accept it before the "
        "offer expires."
    ),
    urgent=True,
)
REGISTRATION_PROMOTED = _registration(
    "registration_promoted",
    _("Moved up from the waiting list"),
    _("When the organizers give you a place from the waiting list."),
    _("You have moved up from the waiting list: your place at %(event)s is confirmed."),
    attachments=calendar_entry,
)
OFFER_EXPIRED = _registration(
    "offer_expired",
    _("Offer expired"),
    _("When a place offered to you expires unanswered."),
    _("The place offered to you at %(event)s has expired and passed on."),
)
MOVED_TO_WAITING = _registration(
    "moved_to_waiting",
    _("Moved to the waiting list"),
    _("When the organizers move your registration to the waiting list."),
    _(
        "The organizers moved your registration for %(event)s to the waiting "
        "list. %(reason)s"
    ),
)
REGISTRATION_DECLINED = _registration(
    "registration_declined",
    _("Registration declined"),
    _("When the organizers decline your registration."),
    _("Your registration for %(event)s was declined. %(reason)s"),
)
REGISTRATION_CANCELLED_BY_ORGANIZER = _registration(
    "registration_cancelled_by_organizer",
    _("Registration cancelled by the organizers"),
    _("When the organizers cancel your registration."),
    _("The organizers cancelled your registration for %(event)s. %(reason)s"),
)
REGISTRATION_CANCELLED = _registration(
    "registration_cancelled",
    _("Registration cancelled"),
    _("When you cancel a registration yourself."),
    _("You have cancelled your registration for %(event)s."),
)
EVENT_CANCELLED = _registration(
    "event_cancelled",
    _("Event cancelled"),
    _("When an event you registered for is cancelled."),
    _("%(event)s has been cancelled. %(reason)s"),
)
ORGANIZER_MESSAGE = _registration(
    "organizer_message",
    _("Message from the organizers"),
    _("When the organizers of an event you take part in write to the participants."),
    _("The organizers of %(event)s write: “%(subject)s” %(body)s"),
)
REMINDER = register(
    NotificationType(
        key="events.reminder",
        module=MODULE,
        label=_("Reminder"),
        description=_("When an event you have a place at is about to begin."),
        message=_("Reminder: you have a place at %(event)s."),
        default=Channel.IMMEDIATE,
        urgent=True,
    )
)
PROPOSAL_SUBMITTED = register(
    NotificationType(
        key="events.proposal_submitted",
        module=MODULE,
        label=_("New event proposal"),
        description=_(
            "When an organization proposes an event for the staff to publish."
        ),
        message=_("%(organization)s proposes the event %(event)s."),
        default=Channel.IMMEDIATE,
    )
)
PROPOSAL_PUBLISHED = _registration(
    "proposal_published",
    _("Event proposal published"),
    _("When the staff publish an event your organization proposed."),
    _("The event %(event)s that your organization proposed has been published."),
)
PROPOSAL_DECLINED = _registration(
    "proposal_declined",
    _("Event proposal declined"),
    _("When the staff decline an event your organization proposed."),
    _(
        "The event %(event)s that your organization proposed was not "
        "published: %(reason)s"
    ),
)
