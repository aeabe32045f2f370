from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from allmende.core.models import Address
from allmende.core.translation import TitledInTwoLanguages, translated


class EventType(models.TextChoices):
    WORKSHOP = "workshop", _("Workshop")
    COURSE = "course", _("Course")
    TALK = "talk", _("Talk")
    CONSULTATION = "consultation", _("Consultation hour")


class EventFormat(models.TextChoices):
    ONLINE = "online", _("Online")
    IN_PERSON = "in_person", _("In person")
    HYBRID = "hybrid", _("Hybrid")


class Level(models.TextChoices):
    BEGINNER = "beginner", _("Beginner")
    INTERMEDIATE = "intermediate", _("Intermediate")
    ADVANCED = "advanced", _("Advanced")


class EventStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    PUBLISHED = "published", _("Published")
    CANCELLED = "cancelled", _("Cancelled")


def default_reminders() -> list[int]:
    return list(settings.ALLMENDE_EVENT_REMINDER_MINUTES)


def default_questions() -> list[str]:
    return []


class Host(models.Model):
    """An organization that staff allowed to publish events of its own."""

    organization = models.OneToOneField(
        "organizations.Organization",
        on_delete=models.CASCADE,
        related_name="event_host",
        verbose_name=_("organization"),
    )
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("event host")
        verbose_name_plural = _("event hosts")

    def __str__(self) -> str:
        return str(self.organization)


class ConsultationSeries(models.Model):
    """A recurring consultation hour, e.g. every first Tuesday, 16:00 to 18:00.

    Each occurrence becomes an :class:`Event` of type consultation hour with
    bookable :class:`Slot` rows, generated ahead by a service.
    """

    title_de = models.CharField(_("title (German)"), max_length=200)
    title_en = models.CharField(_("title (English)"), max_length=200, blank=True)
    organization = models.ForeignKey(
        "organizations.Organization",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="consultation_series",
    )
    weekday = models.PositiveSmallIntegerField(
        _("weekday"),
        validators=[MaxValueValidator(6)],
        help_text=_("0 is Monday, 6 is Sunday."),
    )
    week_of_month = models.PositiveSmallIntegerField(
        _("week of the month"),
        default=0,
        validators=[MaxValueValidator(6)],
        help_text=_(
            "1 to 5 for the first to fifth such weekday, 6 for the last; 0 for "
            "every week."
        ),
    )
    start_time = models.TimeField(_("start"))
    end_time = models.TimeField(_("end"))
    slot_minutes = models.PositiveSmallIntegerField(
        _("minutes per slot"), validators=[MinValueValidator(5)]
    )
    format = models.CharField(
        _("format"),
        max_length=20,
        choices=EventFormat.choices,
        default=EventFormat.ONLINE,
    )
    online_url = models.URLField(_("meeting link"), blank=True)
    description_de = models.TextField(_("description (German)"), blank=True)
    description_en = models.TextField(_("description (English)"), blank=True)
    first_date = models.DateField(_("first date"))
    last_date = models.DateField(_("last date"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("consultation hour series")
        verbose_name_plural = _("consultation hour series")
        constraints = [
            models.CheckConstraint(
                condition=Q(end_time__gt=F("start_time")),
                name="series_ends_after_start",
            )
        ]

    def __str__(self) -> str:
        return translated(self, "title")

    def clean(self) -> None:
        errors: dict[str, Any] = {}
        if self.start_time is not None and self.end_time is not None:
            start = self.start_time.hour * 60 + self.start_time.minute
            minutes = self.end_time.hour * 60 + self.end_time.minute - start
            if minutes <= 0:
                errors["end_time"] = _("The end must be after the start.")
            elif self.slot_minutes and minutes % self.slot_minutes:
                errors["slot_minutes"] = _(
                    "%(length)d-minute slots do not fill the %(total)d minutes "
                    "between start and end; choose a length that divides "
                    "%(total)d, such as %(example)d."
                ) % {
                    "length": self.slot_minutes,
                    "total": minutes,
                    "example": _fitting_length(minutes, self.slot_minutes),
                }
        if self.first_date and self.last_date and self.last_date < self.first_date:
            errors["last_date"] = _("The last date must not be before the first.")
        if errors:
            raise ValidationError(errors)


def _fitting_length(total: int, wanted: int) -> int:
    """The slot length closest to ``wanted`` that fills ``total`` minutes."""
    lengths = [n for n in range(5, total + 1) if total % n == 0] or [total]
    return min(lengths, key=lambda n: (abs(n - wanted), n))


class Event(TitledInTwoLanguages, Address):
    title_de = models.CharField(_("title (German)"), max_length=200)
    title_en = models.CharField(_("title (English)"), max_length=200, blank=True)
    slug = models.SlugField(_("short name in addresses"), max_length=220, unique=True)
    event_type = models.CharField(
        _("type"), max_length=20, choices=EventType.choices, default=EventType.WORKSHOP
    )
    format = models.CharField(
        _("format"),
        max_length=20,
        choices=EventFormat.choices,
        default=EventFormat.IN_PERSON,
    )
    level = models.CharField(
        _("level"), max_length=20, choices=Level.choices, default=Level.BEGINNER
    )
    language = models.CharField(
        _("language"), max_length=2, choices=settings.LANGUAGES, default="de"
    )
    topics = models.ManyToManyField(
        "core.FocusArea", verbose_name=_("topics"), blank=True, related_name="events"
    )
    status = models.CharField(
        _("status"),
        max_length=20,
        choices=EventStatus.choices,
        default=EventStatus.PUBLISHED,
    )
    organization = models.ForeignKey(
        "organizations.Organization",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="events",
        verbose_name=_("organizer"),
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    course = models.ForeignKey(
        "events.Course",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="sessions",
        verbose_name=_("course"),
    )
    series = models.ForeignKey(
        ConsultationSeries,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="occurrences",
    )
    description_de = models.TextField(_("description (German)"), blank=True)
    description_en = models.TextField(_("description (English)"), blank=True)
    starts_at = models.DateTimeField(_("starts at"), db_index=True)
    ends_at = models.DateTimeField(_("ends at"))
    online_url = models.URLField(
        _("meeting link"),
        blank=True,
        help_text=_("Shown only to confirmed participants."),
    )
    venue = models.CharField(_("venue"), max_length=200, blank=True)
    step_free = models.BooleanField(_("step-free access"), default=False)
    sign_language = models.BooleanField(
        _("sign language interpretation"), default=False
    )
    captions = models.BooleanField(_("live captions"), default=False)
    quiet_room = models.BooleanField(_("quiet room"), default=False)
    accessibility_notes = models.TextField(_("more on accessibility"), blank=True)
    capacity = models.PositiveIntegerField(
        _("places"), validators=[MinValueValidator(1)]
    )
    # Places held by confirmed, attended and offered registrations. Changed only
    # in the transaction that changes those registrations, under a row lock on
    # the event; the check constraint makes overbooking impossible even for code
    # that forgets the lock.
    places_taken = models.PositiveIntegerField(default=0, editable=False)
    registration_opens_at = models.DateTimeField(
        _("registration opens"), null=True, blank=True
    )
    registration_closes_at = models.DateTimeField(
        _("registration closes"),
        null=True,
        blank=True,
        help_text=_("Empty: registration is open until the event starts."),
    )
    requires_approval = models.BooleanField(
        _("organizer approves each registration"), default=False
    )
    questions = models.JSONField(
        _("questions on the registration form"),
        default=default_questions,
        blank=True,
    )
    offer_hours = models.PositiveSmallIntegerField(
        _("hours to answer a waiting-list offer"),
        default=24,
        validators=[MinValueValidator(1)],
    )
    reminder_minutes = models.JSONField(
        _("reminders (minutes before the start)"),
        default=default_reminders,
        blank=True,
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("event")
        verbose_name_plural = _("events")
        ordering = ["starts_at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(places_taken__lte=F("capacity")),
                name="event_places_within_capacity",
            ),
            models.CheckConstraint(
                condition=Q(ends_at__gt=F("starts_at")),
                name="event_ends_after_start",
            ),
            models.CheckConstraint(
                condition=Q(registration_closes_at__isnull=True)
                | Q(registration_opens_at__isnull=True)
                | Q(registration_closes_at__gt=F("registration_opens_at")),
                name="event_registration_window_ordered",
            ),
            models.CheckConstraint(
                condition=(
                    Q(latitude__isnull=True, longitude__isnull=True)
                    | Q(latitude__isnull=False, longitude__isnull=False)
                ),
                name="event_location_complete",
            ),
        ]
        indexes = [
            models.Index(fields=["status", "starts_at"]),
            models.Index(fields=["event_type", "starts_at"]),
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("events:detail", kwargs={"slug": self.slug})

    @property
    def places_left(self) -> int:
        return max(self.capacity - self.places_taken, 0)

    @property
    def is_full(self) -> bool:
        return self.places_taken >= self.capacity

    @property
    def is_cancelled(self) -> bool:
        return self.status == EventStatus.CANCELLED

    @property
    def is_online(self) -> bool:
        return self.format in (EventFormat.ONLINE, EventFormat.HYBRID)

    @property
    def is_in_person(self) -> bool:
        return self.format in (EventFormat.IN_PERSON, EventFormat.HYBRID)

    @property
    def has_slots(self) -> bool:
        return self.event_type == EventType.CONSULTATION

    @property
    def offer_validity(self) -> timedelta:
        return timedelta(hours=self.offer_hours)

    def accessibility_features(self) -> list[str]:
        names = [
            ("step_free", _("Step-free access")),
            ("sign_language", _("Sign language interpretation")),
            ("captions", _("Live captions")),
            ("quiet_room", _("Quiet room")),
        ]
        return [str(label) for field, label in names if getattr(self, field)]


class Slot(models.Model):
    """A bookable part of a consultation hour, for one person."""

    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="slots")
    starts_at = models.DateTimeField(_("starts at"))
    ends_at = models.DateTimeField(_("ends at"))

    class Meta:
        verbose_name = _("slot")
        verbose_name_plural = _("slots")
        ordering = ["starts_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["event", "starts_at"], name="slot_unique_start"
            ),
            models.CheckConstraint(
                condition=Q(ends_at__gt=F("starts_at")), name="slot_ends_after_start"
            ),
        ]

    def __str__(self) -> str:
        from django.utils import timezone

        start = timezone.localtime(self.starts_at)
        end = timezone.localtime(self.ends_at)
        return f"{start:%H:%M}–{end:%H:%M}"
