"""The academy: personal learning paths and self-paced units."""

from __future__ import annotations

from django.db import transaction
from django.db.models import Max

from allmende.core.services import audit_log_record
from allmende.events.models import (
    Course,
    CourseUnit,
    LearningPath,
    PersonalPath,
    PersonalPathCourse,
    UnitCompletion,
)
from allmende.events.services.common import User, require


def _path_of(actor: User) -> PersonalPath:
    path, _created = PersonalPath.objects.get_or_create(user=actor)  # type: ignore[misc]
    return path


@transaction.atomic
def personal_path_add(*, actor: User, course: Course) -> PersonalPath:
    require(actor, "events.keep_learning_path")
    path = _path_of(actor)
    if not PersonalPathCourse.objects.filter(path=path, course=course).exists():
        last = PersonalPathCourse.objects.filter(path=path).aggregate(
            m=Max("position")
        )["m"]
        PersonalPathCourse.objects.create(
            path=path, course=course, position=(last or 0) + 1
        )
        path.save(update_fields=["updated_at"])
    return path


@transaction.atomic
def personal_path_adopt(*, actor: User, learning_path: LearningPath) -> PersonalPath:
    """Add every course of a suggested learning path, in its order."""
    path = _path_of(actor)
    for course in learning_path.courses.order_by("learningpathcourse__position"):
        personal_path_add(actor=actor, course=course)
    return path


@transaction.atomic
def personal_path_remove(*, actor: User, course: Course) -> None:
    require(actor, "events.keep_learning_path")
    PersonalPathCourse.objects.filter(path__user=actor, course=course).delete()  # type: ignore[misc]


@transaction.atomic
def personal_path_move(*, actor: User, course: Course, step: int) -> None:
    """Move a course one place up (``step=-1``) or down (``step=1``)."""
    require(actor, "events.keep_learning_path")
    path = _path_of(actor)
    entries = list(
        PersonalPathCourse.objects.select_for_update()
        .filter(path=path)
        .order_by("position", "id")
    )
    index = next((i for i, e in enumerate(entries) if e.course_id == course.pk), None)
    if index is None:
        return
    other = index + step
    if not 0 <= other < len(entries):
        return
    entries[index], entries[other] = entries[other], entries[index]
    for position, entry in enumerate(entries, start=1):
        if entry.position != position:
            entry.position = position
            entry.save(update_fields=["position"])


@transaction.atomic
def unit_complete(*, actor: User, unit: CourseUnit, done: bool = True) -> None:
    require(actor, "events.keep_learning_path")
    if done:
        _entry, created = UnitCompletion.objects.get_or_create(user=actor, unit=unit)  # type: ignore[misc]
        if created:
            audit_log_record(actor=actor, action="course_unit.completed", obj=unit)
    else:
        UnitCompletion.objects.filter(user=actor, unit=unit).delete()  # type: ignore[misc]
