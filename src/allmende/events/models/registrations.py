from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class RegistrationState(models.TextChoices):
    UNCONFIRMED = "unconfirmed", _("E-mail not confirmed yet")
    PENDING = "pending", _("Awaiting approval")
    WAITING = "waiting", _("Waiting list")
    OFFERED = "offered", _("Place offered")
    CONFIRMED = "confirmed", _("Confirmed")
    ATTENDED = "attended", _("Attended")
    CANCELLED = "cancelled", _("Cancelled")
    EXPIRED = "expired", _("Offer expired")
    REJECTED = "rejected", _("Declined by the organizer")


S = RegistrationState

# States in which a registration holds one of the event's places.
HOLDING_STATES = frozenset({S.CONFIRMED, S.ATTENDED, S.OFFERED})
# States in which a person still counts as signed up (one such per person).
ACTIVE_STATES = frozenset(
    {S.UNCONFIRMED, S.PENDING, S.WAITING, S.OFFERED, S.CONFIRMED, S.ATTENDED}
)

PARTICIPANT = "participant"
ORGANIZER = "organizer"
SYSTEM = "system"

# The state machine: every allowed change of state and who may make it.
# "system" is the platform itself (placing a new registration, promoting from the
# waiting list, expiring offers); "participant" the registered person;
# "organizer" whoever may manage the event's registrations.
TRANSITIONS: dict[tuple[str, str], frozenset[str]] = {
    (S.UNCONFIRMED, S.PENDING): frozenset({PARTICIPANT}),
    (S.UNCONFIRMED, S.WAITING): frozenset({PARTICIPANT}),
    (S.UNCONFIRMED, S.CONFIRMED): frozenset({PARTICIPANT}),
    (S.UNCONFIRMED, S.CANCELLED): frozenset({PARTICIPANT, ORGANIZER}),
    (S.PENDING, S.CONFIRMED): frozenset({ORGANIZER}),
    (S.PENDING, S.WAITING): frozenset({ORGANIZER}),
    (S.PENDING, S.REJECTED): frozenset({ORGANIZER}),
    (S.PENDING, S.CANCELLED): frozenset({PARTICIPANT, ORGANIZER}),
    (S.WAITING, S.OFFERED): frozenset({SYSTEM}),
    (S.WAITING, S.CONFIRMED): frozenset({ORGANIZER}),
    (S.WAITING, S.CANCELLED): frozenset({PARTICIPANT, ORGANIZER}),
    (S.OFFERED, S.CONFIRMED): frozenset({PARTICIPANT, ORGANIZER}),
    (S.OFFERED, S.EXPIRED): frozenset({SYSTEM}),
    (S.OFFERED, S.CANCELLED): frozenset({PARTICIPANT, ORGANIZER}),
    (S.CONFIRMED, S.ATTENDED): frozenset({ORGANIZER}),
    (S.CONFIRMED, S.WAITING): frozenset({ORGANIZER}),
    (S.CONFIRMED, S.CANCELLED): frozenset({PARTICIPANT, ORGANIZER}),
    (S.ATTENDED, S.CONFIRMED): frozenset({ORGANIZER}),
}


def transition_allowed(source: str, target: str, role: str) -> bool:
    return role in TRANSITIONS.get((source, target), frozenset())


class Registration(models.Model):
    event = models.ForeignKey(
        "events.Event", on_delete=models.CASCADE, related_name="registrations"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="event_registrations",
    )
    # Lower-cased; for registered users a copy of the account's address, so that
    # one person cannot sign up once with the account and once by e-mail.
    email = models.EmailField(_("e-mail address"))
    name = models.CharField(_("name"), max_length=150)
    state = models.CharField(
        _("status"),
        max_length=20,
        choices=RegistrationState.choices,
        default=RegistrationState.UNCONFIRMED,
    )
    slot = models.ForeignKey(
        "events.Slot",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="registrations",
        verbose_name=_("slot"),
    )
    question = models.TextField(_("your question"), blank=True, max_length=2000)
    answers = models.JSONField(_("answers"), default=dict, blank=True)
    # Random per registration; the links in mails carry an HMAC of it (see
    # ``services.registration_token``), so a copy of the database alone does not
    # let anyone act for a participant.
    nonce = models.CharField(max_length=32)
    language = models.CharField(max_length=8, default="de")
    created_at = models.DateTimeField(auto_now_add=True)
    # Position on the waiting list: the earliest waits longest.
    waiting_since = models.DateTimeField(null=True, blank=True)
    offer_expires_at = models.DateTimeField(null=True, blank=True)
    confirmed_at = models.DateTimeField(null=True, blank=True)
    cancelled_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("registration")
        verbose_name_plural = _("registrations")
        ordering = ["created_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["event", "email"],
                condition=Q(state__in=sorted(ACTIVE_STATES)),
                name="registration_one_active_per_email",
            ),
            models.UniqueConstraint(
                fields=["event", "user"],
                condition=Q(state__in=sorted(ACTIVE_STATES)),
                name="registration_one_active_per_user",
            ),
            models.UniqueConstraint(
                fields=["slot"],
                condition=Q(state__in=sorted(ACTIVE_STATES - {S.UNCONFIRMED})),
                name="registration_one_per_slot",
            ),
            models.CheckConstraint(
                condition=Q(state__in=[choice.value for choice in S]),
                name="registration_state_known",
            ),
            models.CheckConstraint(
                condition=~Q(state=S.OFFERED) | Q(offer_expires_at__isnull=False),
                name="registration_offer_has_expiry",
            ),
        ]
        indexes = [
            models.Index(fields=["event", "state"]),
            models.Index(fields=["state", "offer_expires_at"]),
        ]

    def __str__(self) -> str:
        return f"{self.name} – {self.event}"

    @property
    def holds_place(self) -> bool:
        return self.state in HOLDING_STATES

    @property
    def is_active(self) -> bool:
        return self.state in ACTIVE_STATES

    @property
    def sees_meeting_link(self) -> bool:
        return self.state in (S.CONFIRMED, S.ATTENDED)


class SentReminder(models.Model):
    """One reminder sent to one registration.

    The unique constraint is what makes a reminder go out exactly once: the row
    is written in the transaction that queues the mail, and a second run of the
    scheduler (or a second worker) fails to write it and sends nothing.
    """

    registration = models.ForeignKey(
        Registration, on_delete=models.CASCADE, related_name="reminders"
    )
    minutes_before = models.PositiveIntegerField()
    sent_at = models.DateTimeField()

    class Meta:
        verbose_name = _("sent reminder")
        verbose_name_plural = _("sent reminders")
        constraints = [
            models.UniqueConstraint(
                fields=["registration", "minutes_before"], name="reminder_once"
            )
        ]

    def __str__(self) -> str:
        return f"{self.registration} −{self.minutes_before} min"


class CalendarToken(models.Model):
    """The secret in a person's private calendar feed address."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+"
    )
    token = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("calendar feed address")
        verbose_name_plural = _("calendar feed addresses")

    def __str__(self) -> str:
        return f"{self.user}"
