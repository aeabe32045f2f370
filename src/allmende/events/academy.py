"""Reads for the academy: courses, learning paths and a person's progress."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from django.contrib.auth.models import AnonymousUser
from django.db.models import Prefetch, QuerySet

from allmende.accounts.models import User as Account
from allmende.events.models import (
    Course,
    CourseUnit,
    Event,
    EventStatus,
    LearningPath,
    PersonalPathCourse,
    Registration,
    UnitCompletion,
)
from allmende.events.models.registrations import RegistrationState as S

Viewer = Account | AnonymousUser


@dataclass(frozen=True)
class Progress:
    done: int
    total: int

    @property
    def complete(self) -> bool:
        return self.total > 0 and self.done >= self.total

    @property
    def percent(self) -> int:
        return round(100 * self.done / self.total) if self.total else 0


def course_sessions(course: Course) -> QuerySet[Event]:
    return course.sessions.exclude(
        status__in=[EventStatus.DRAFT, EventStatus.CANCELLED]
    ).order_by("starts_at")


def progress_for(*, user: Viewer, courses: list[Course]) -> dict[int, Progress]:
    """Progress per course id: sessions attended plus units completed.

    Three queries whatever the number of courses.
    """
    ids = [c.pk for c in courses]
    sessions: dict[int, set[int]] = defaultdict(set)
    for event_id, course_id in (
        Event.objects.filter(course_id__in=ids)
        .exclude(status__in=[EventStatus.DRAFT, EventStatus.CANCELLED])
        .values_list("pk", "course_id")
    ):
        sessions[course_id].add(event_id)
    units: dict[int, set[int]] = defaultdict(set)
    for unit_id, course_id in CourseUnit.objects.filter(course_id__in=ids).values_list(
        "pk", "course_id"
    ):
        units[course_id].add(unit_id)
    attended: set[int] = set()
    completed: set[int] = set()
    if user.is_authenticated:
        attended = set(
            Registration.objects.filter(
                user=user, state=S.ATTENDED, event__course_id__in=ids
            ).values_list("event_id", flat=True)
        )
        completed = set(
            UnitCompletion.objects.filter(
                user=user, unit__course_id__in=ids
            ).values_list("unit_id", flat=True)
        )
    return {
        cid: Progress(
            done=len(sessions[cid] & attended) + len(units[cid] & completed),
            total=len(sessions[cid]) + len(units[cid]),
        )
        for cid in ids
    }


def learning_paths() -> list[LearningPath]:
    return list(
        LearningPath.objects.prefetch_related(
            Prefetch(
                "courses",
                queryset=Course.objects.filter(is_published=True).order_by(
                    "learningpathcourse__position"
                ),
            )
        ).order_by("level", "title_de")
    )


def personal_courses(*, user: Viewer) -> list[Course]:
    if not user.is_authenticated:
        return []
    return [
        entry.course
        for entry in PersonalPathCourse.objects.filter(path__user=user)
        .select_related("course")
        .order_by("position", "id")
    ]
