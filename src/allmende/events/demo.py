"""Demo events and academy: one of every type, a full one with a waiting list."""

from __future__ import annotations

import random
import secrets
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from allmende.accounts.models import User
from allmende.core.models import FocusArea
from allmende.events.models import (
    ConsultationSeries,
    Course,
    CourseUnit,
    Event,
    EventFormat,
    EventStatus,
    EventType,
    LearningPath,
    LearningPathCourse,
    Level,
    Registration,
)
from allmende.events.models.registrations import RegistrationState as S
from allmende.events.services.events import consultation_series_generate, event_create
from allmende.events.services.proposals import event_propose
from allmende.events.services.registrations import registration_create
from allmende.notifications.models import Notification
from allmende.notifications.services import notification_mark_read
from allmende.organizations.models import Membership

EVENTS: list[dict[str, Any]] = [
    {
        "title_de": "Datenschutz im Verein: die DSGVO in der Praxis",
        "title_en": "Data protection for associations: the GDPR in practice",
        "event_type": EventType.WORKSHOP,
        "format": EventFormat.IN_PERSON,
        "level": Level.BEGINNER,
        "days": 6,
        "hour": 17,
        "capacity": 12,
        "full": True,
        "topics": ["digitales", "bildung"],
        "venue": "Stadtbibliothek, Raum 2",
        "street": "Wilhelm-Leuschner-Platz 10",
        "postal_code": "04107",
        "city": "Leipzig",
        "step_free": True,
        "quiet_room": True,
    },
    {
        "title_de": "Offene Daten für Einsteigerinnen und Einsteiger",
        "title_en": "Open data for beginners",
        "event_type": EventType.COURSE,
        "format": EventFormat.ONLINE,
        "level": Level.BEGINNER,
        "days": 10,
        "hour": 18,
        "capacity": 20,
        "topics": ["offene-daten"],
        "captions": True,
        "course": "offene-daten-grundlagen",
    },
    {
        "title_de": "Tabellen sauber halten: Daten aufbereiten mit freien Werkzeugen",
        "title_en": "Keeping tables clean: preparing data with free tools",
        "event_type": EventType.COURSE,
        "format": EventFormat.HYBRID,
        "level": Level.INTERMEDIATE,
        "days": 17,
        "hour": 18,
        "capacity": 16,
        "topics": ["offene-daten", "digitales"],
        "venue": "Digitalwerkstatt",
        "street": "Karl-Liebknecht-Straße 12",
        "postal_code": "10178",
        "city": "Berlin",
        "step_free": True,
        "course": "offene-daten-grundlagen",
    },
    {
        "title_de": "Wie Kommunen offene Daten nutzen – ein Erfahrungsbericht",
        "title_en": "How municipalities use open data – a field report",
        "event_type": EventType.TALK,
        "format": EventFormat.HYBRID,
        "level": Level.ADVANCED,
        "days": 21,
        "hour": 19,
        "capacity": 80,
        "topics": ["offene-daten", "demokratie"],
        "venue": "Rathaus, Festsaal",
        "street": "Marktplatz 1",
        "postal_code": "01067",
        "city": "Dresden",
        "sign_language": True,
        "step_free": True,
    },
    {
        "title_de": "Freie Software für die Vereinsarbeit",
        "title_en": "Free software for running an association",
        "event_type": EventType.WORKSHOP,
        "format": EventFormat.ONLINE,
        "level": Level.INTERMEDIATE,
        "days": 28,
        "hour": 10,
        "capacity": 25,
        "topics": ["digitales"],
        "captions": True,
        "requires_approval": True,
        "questions": ["Welche Software nutzt Ihr Verein heute?"],
    },
]
DESCRIPTION = (
    "In dieser Veranstaltung lernen Sie an praktischen Beispielen, worauf es "
    "ankommt.\n\n- kurze Einführung\n- Übungen in kleinen Gruppen\n"
    "- Zeit für Ihre Fragen"
)


def load_demo(*, rng: random.Random, stdout: Any) -> None:
    if Event.objects.exists():
        stdout.write("Events already present; left as they are.")
        return
    admin = User.objects.filter(is_superuser=True).order_by("pk").first()
    if admin is None:
        return
    people = list(
        User.objects.filter(is_superuser=False, email__endswith="@example.org")
    )
    zone = ZoneInfo(settings.TIME_ZONE)
    today = timezone.localdate()
    areas = {area.slug: area for area in FocusArea.objects.all()}
    with transaction.atomic():
        courses = _courses(areas)
        count = 0
        for spec in EVENTS:
            spec = dict(spec)
            day = today + timedelta(days=spec.pop("days"))
            hour = spec.pop("hour")
            starts_at = datetime.combine(day, time(hour, 0), tzinfo=zone)
            full = spec.pop("full", False)
            topic_slugs = spec.pop("topics")
            course_slug = spec.pop("course", None)
            if spec["format"] != EventFormat.IN_PERSON:
                spec["online_url"] = "https://meet.example.org/allmende-demo"
            event = event_create(
                actor=admin,
                topics=[areas[s] for s in topic_slugs if s in areas],
                starts_at=starts_at,
                ends_at=starts_at + timedelta(hours=2),
                description_de=DESCRIPTION,
                description_en="Practical examples, exercises and your questions.",
                course=courses.get(course_slug) if course_slug else None,
                **spec,
            )
            taken = event.capacity + 3 if full else rng.randint(0, event.capacity // 2)
            _fill(event, rng.sample(people, k=min(taken, len(people))))
            count += 1
        series = ConsultationSeries.objects.create(
            title_de="Digitale Sprechstunde",
            title_en="Digital consultation hour",
            weekday=1,
            week_of_month=1,
            start_time=time(16, 0),
            end_time=time(18, 0),
            slot_minutes=20,
            format=EventFormat.ONLINE,
            online_url="https://meet.example.org/sprechstunde",
            first_date=today,
        )
        occurrences = consultation_series_generate(
            actor=admin,
            series=series,
            until=date(today.year + 1, today.month, 1) - timedelta(days=1),
            description_de=(
                "Eine Person, zwanzig Minuten, Ihre Frage zu Software, Daten "
                "oder Datenschutz. Bitte schreiben Sie Ihre Frage bei der "
                "Buchung dazu."
            ),
            description_en="One person, twenty minutes, your question.",
            topics=[areas["digitales"]] if "digitales" in areas else [],
        )
        proposed = _propose(today=today, zone=zone)
        _register_admin(admin)
    _read_oldest(admin)
    stdout.write(
        f"Demo events loaded: {count} events, a consultation hour on "
        f"{len(occurrences)} dates, {len(courses)} courses"
        + (", an event proposed by an organization." if proposed else ".")
    )


def _propose(*, today: date, zone: ZoneInfo) -> bool:
    """An organization that may not host events yet proposes one for the staff
    to publish (the staff's dashboard shows it)."""
    membership = (
        Membership.objects.filter(
            role=Membership.Role.ADMIN,
            organization__event_host__isnull=True,
            user__is_staff=False,
        )
        .select_related("organization", "user")
        .order_by("organization__name")
        .first()
    )
    if membership is None:
        return False
    starts_at = datetime.combine(today + timedelta(days=24), time(18, 0), tzinfo=zone)
    event_propose(
        actor=membership.user,
        organization=membership.organization,
        title_de="Reparieren statt wegwerfen: offenes Repair-Café",
        title_en="Repair instead of throwing away: open repair café",
        description_de="Bringen Sie Geräte mit, wir reparieren sie gemeinsam.",
        description_en="Bring your devices, we repair them together.",
        event_type=EventType.WORKSHOP,
        format=EventFormat.IN_PERSON,
        level=Level.BEGINNER,
        starts_at=starts_at,
        ends_at=starts_at + timedelta(hours=3),
        capacity=15,
        venue="Nachbarschaftshaus",
        street="Hauptstraße 5",
        postal_code="04109",
        city="Leipzig",
    )
    return True


def _register_admin(admin: User) -> None:
    """The staff account signs up for two events through the service, so that
    its inbox shows a confirmed place and a place on a waiting list."""
    events = Event.objects.filter(status=EventStatus.PUBLISHED).order_by("starts_at")
    free = next((e for e in events if e.places_taken < e.capacity), None)
    full = next((e for e in events if e.places_taken >= e.capacity), None)
    for event in (free, full):
        if event is not None and not event.has_slots:
            registration_create(event=event, actor=admin)


def _read_oldest(user: User) -> None:
    """Mark the first notification read, so the inbox shows both kinds."""
    oldest = Notification.objects.filter(recipient=user).order_by("pk").first()
    if oldest is not None:
        notification_mark_read(actor=user, notification=oldest)


def _fill(event: Event, people: list[User]) -> None:
    """Sign demo people up quietly (no mails), as the services would place them."""
    now = timezone.now()
    confirmed = 0
    for person in people:
        state = S.CONFIRMED if confirmed < event.capacity else S.WAITING
        Registration.objects.create(
            event=event,
            user=person,
            email=person.email,
            name=person.public_name,
            state=state,
            nonce=secrets.token_hex(16),
            confirmed_at=now if state == S.CONFIRMED else None,
            waiting_since=now if state == S.WAITING else None,
        )
        confirmed += state == S.CONFIRMED
    Event.objects.filter(pk=event.pk).update(places_taken=F("places_taken") + confirmed)


def _courses(areas: dict[str, FocusArea]) -> dict[str, Course]:
    basics = Course.objects.create(
        slug="offene-daten-grundlagen",
        title_de="Offene Daten: Grundlagen",
        title_en="Open data: the basics",
        level=Level.BEGINNER,
        description_de="Zwei Abende und zwei Einheiten zum Selbstlernen.",
        description_en="Two evenings and two self-paced units.",
    )
    CourseUnit.objects.create(
        course=basics,
        position=1,
        title_de="Was sind offene Daten?",
        title_en="What is open data?",
        body_de="Offene Daten dürfen alle nutzen, weiterverbreiten und verändern.",
    )
    CourseUnit.objects.create(
        course=basics,
        position=2,
        title_de="Lizenzen verstehen",
        title_en="Understanding licences",
        body_de="CC BY 4.0, CC0 und die Datenlizenz Deutschland im Vergleich.",
    )
    privacy = Course.objects.create(
        slug="datenschutz-selbstlernkurs",
        title_de="Datenschutz im Ehrenamt (Selbstlernkurs)",
        title_en="Data protection for volunteers (self-paced)",
        level=Level.BEGINNER,
    )
    for position, (de, en) in enumerate(
        [
            ("Welche Daten erhebt Ihr Verein?", "What data does your club collect?"),
            ("Das Verarbeitungsverzeichnis", "The record of processing"),
            ("Auskunft und Löschung", "Access and erasure"),
        ],
        start=1,
    ):
        CourseUnit.objects.create(
            course=privacy, position=position, title_de=de, title_en=en
        )
    for course in (basics, privacy):
        if "digitales" in areas:
            course.topics.add(areas["digitales"])
    path = LearningPath.objects.create(
        slug="einstieg-digitales-ehrenamt",
        title_de="Einstieg: digitales Ehrenamt",
        title_en="Getting started: digital volunteering",
        level=Level.BEGINNER,
    )
    LearningPathCourse.objects.create(path=path, course=privacy, position=1)
    LearningPathCourse.objects.create(path=path, course=basics, position=2)
    return {course.slug: course for course in (basics, privacy)}
