"""Reads of calls and applications that depend on who is looking."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.db.models import Q, QuerySet
from django.utils import timezone

from allmende.programmes.models import (
    Application,
    Call,
    CallState,
    CoApplicant,
    FormField,
)
from allmende.programmes.models.applications import ApplicationState as A


def _is_staff(viewer: Any) -> bool:
    return bool(getattr(viewer, "is_authenticated", False) and viewer.is_staff)


def visible_calls(viewer: Any) -> QuerySet[Call]:
    calls = Call.objects.all()
    if not _is_staff(viewer):
        calls = calls.exclude(state=CallState.DRAFT)
    return calls


def call_for_viewer(*, slug: str, viewer: Any) -> Call | None:
    return visible_calls(viewer).filter(slug=slug).first()


CALL_FILTERS = ("open", "upcoming", "past", "draft")


def call_list(
    *, viewer: Any, state: str = "", now: datetime | None = None
) -> tuple[list[Call], list[Call]]:
    """The calls ``viewer`` sees: (open and upcoming, soonest closing first;
    past calls, latest first), kept to ``state`` when one is given."""
    now = now or timezone.now()
    calls = visible_calls(viewer)
    current = calls.filter(state=CallState.PUBLISHED, closes_at__gt=now)
    past = calls.filter(
        state__in=[CallState.PUBLISHED, CallState.CLOSED, CallState.ARCHIVED]
    ).exclude(state=CallState.PUBLISHED, closes_at__gt=now)
    drafts = calls.filter(state=CallState.DRAFT)
    if state == "open":
        return list(current.filter(opens_at__lte=now).order_by("closes_at")), []
    if state == "upcoming":
        return list(current.filter(opens_at__gt=now).order_by("opens_at")), []
    if state == "past":
        return [], list(past.order_by("-closes_at"))
    if state == "draft":
        return list(drafts.order_by("closes_at")), []
    first = list(current.order_by("closes_at"))
    if _is_staff(viewer):
        first += list(drafts.order_by("closes_at"))
    return first, list(past.order_by("-closes_at"))


def open_calls(*, limit: int, now: datetime | None = None) -> list[Call]:
    now = now or timezone.now()
    return list(
        Call.objects.filter(
            state=CallState.PUBLISHED, opens_at__lte=now, closes_at__gt=now
        ).order_by("closes_at")[:limit]
    )


def form_fields(version_id: int) -> list[FormField]:
    return list(FormField.objects.filter(version_id=version_id).order_by("position"))


def applications_of(*, user: Any, limit: int | None = None) -> list[Application]:
    if not getattr(user, "is_authenticated", False):
        return []
    shared = CoApplicant.objects.filter(
        user_id=user.pk, accepted_at__isnull=False, revoked_at__isnull=True
    ).values("application_id")
    applications = (
        Application.objects.filter(Q(applicant_id=user.pk) | Q(pk__in=shared))
        .select_related("call", "organization")
        .order_by("-updated_at")
    )
    return list(applications[:limit] if limit else applications)


def application_of(*, call: Call, user: Any) -> Application | None:
    if not getattr(user, "is_authenticated", False):
        return None
    return (
        Application.objects.filter(call=call, applicant_id=user.pk)
        .exclude(state=A.WITHDRAWN)
        .first()
    )


def call_applications(*, call: Call, state: str = "") -> QuerySet[Application]:
    applications = Application.objects.filter(call=call).select_related(
        "organization", "applicant"
    )
    if state:
        applications = applications.filter(state=state)
    else:
        applications = applications.exclude(state=A.DRAFT)
    return applications.order_by("submitted_at", "id")


def screening_queue() -> QuerySet[Application]:
    """Submitted applications waiting for staff to screen them."""
    return (
        Application.objects.filter(state=A.SUBMITTED)
        .select_related("call", "organization", "applicant")
        .order_by("submitted_at", "id")
    )


def application_team(application: Application) -> list[CoApplicant]:
    """Everyone invited to ``application`` whose invitation was not taken back."""
    return list(
        CoApplicant.objects.filter(application=application, revoked_at__isnull=True)
        .select_related("user", "organization")
        .order_by("created_at", "id")
    )


def invitation_for(*, pk: int, user: Any) -> CoApplicant | None:
    if not getattr(user, "is_authenticated", False):
        return None
    return (
        CoApplicant.objects.filter(pk=pk, user_id=user.pk)
        .select_related("application__call", "application__organization")
        .first()
    )
