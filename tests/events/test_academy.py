from __future__ import annotations

import io
import random

import pytest

from allmende.accounts.models import User
from allmende.events.models import (
    Course,
    CourseUnit,
    Event,
    LearningPath,
    LearningPathCourse,
    Registration,
)
from allmende.events.services import registrations as services
from tests.conftest import client_for
from tests.events.factories import EventFactory

# Real commits, so that mails queued with on_commit go out as in production.
pytestmark = pytest.mark.django_db(transaction=True)


def _course() -> tuple[Course, list[Event], CourseUnit]:
    course = Course.objects.create(slug="daten", title_de="Daten", level="beginner")
    sessions = [EventFactory(course=course), EventFactory(course=course)]
    unit = CourseUnit.objects.create(course=course, title_de="Lizenzen")
    return course, sessions, unit


def test_progress_comes_from_attendance_and_units_and_unlocks_the_certificate(
    user: User, staff: User
) -> None:
    course, sessions, unit = _course()
    client = client_for(user)
    certificate = f"/events/academy/courses/{course.slug}/certificate.pdf"
    assert client.get(certificate).status_code == 404
    for event in sessions:
        registration = services.registration_create(event=event, actor=user)
        services.registration_move(
            registration=registration, move="attended", actor=staff
        )
    page = client.get(course.get_absolute_url()).content.decode()
    assert "2 of 3 parts done" in page
    client.post(f"/events/academy/units/{unit.pk}/done/", {"done": "1"})
    page = client.get(course.get_absolute_url()).content.decode()
    assert "3 of 3 parts done" in page
    response = client.get(certificate)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")


def test_certificate_is_refused_to_someone_who_did_not_attend(user: User) -> None:
    course, _sessions, _unit = _course()  # registered, but not attended
    for event in _sessions:
        services.registration_create(event=event, actor=user)
    assert not Registration.objects.filter(user=user, state="attended").exists()
    response = client_for(user).get(
        f"/events/academy/courses/{course.slug}/certificate.pdf"
    )
    assert response.status_code == 404


def test_person_composes_and_orders_a_personal_learning_path(user: User) -> None:
    first = Course.objects.create(slug="a", title_de="A", level="beginner")
    second = Course.objects.create(slug="b", title_de="B", level="intermediate")
    path = LearningPath.objects.create(slug="p", title_de="Pfad", level="beginner")
    LearningPathCourse.objects.create(path=path, course=first, position=1)
    LearningPathCourse.objects.create(path=path, course=second, position=2)
    client = client_for(user)
    client.post("/events/academy/my-path/", {"action": "adopt", "path": path.pk})
    page = client.get("/events/academy/my-path/").content.decode()
    assert page.index(">A<") < page.index(">B<")
    client.post("/events/academy/my-path/", {"action": "up", "course": second.pk})
    page = client.get("/events/academy/my-path/").content.decode()
    assert page.index(">B<") < page.index(">A<")
    client.post("/events/academy/my-path/", {"action": "remove", "course": first.pk})
    page = client.get("/events/academy/my-path/").content.decode()
    assert ">A<" not in page


def test_academy_page_lists_paths_and_courses() -> None:
    _course()
    page = client_for(None).get("/events/academy/")
    assert page.status_code == 200
    assert b"Daten" in page.content


def test_demo_data_has_every_type_and_a_full_event_and_runs_once() -> None:
    from django.core.management import call_command

    from allmende.events.models import EventType

    out = io.StringIO()
    call_command("demo", "--organizations", "3", "--people", "30", stdout=out)
    types = set(Event.objects.values_list("event_type", flat=True))
    assert types == set(EventType.values)
    full = [e for e in Event.objects.all() if e.is_full and not e.has_slots]
    assert full
    assert full[0].registrations.filter(state="waiting").exists()
    count = Event.objects.count()
    call_command("demo", stdout=out)
    assert Event.objects.count() == count
    from allmende.events.demo import load_demo

    load_demo(rng=random.Random(1), stdout=out)
    assert Event.objects.count() == count
    assert client_for(None).get("/events/feed.ics").status_code == 200
