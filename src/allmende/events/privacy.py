"""Personal data in events and the academy: export, and clean-up on deletion."""

from __future__ import annotations

from typing import Any

from django.utils import timezone

from allmende.accounts.models import User
from allmende.events.models import Registration
from allmende.events.models.academy import PersonalPath, UnitCompletion
from allmende.events.models.registrations import (
    ACTIVE_STATES,
    CalendarToken,
    RegistrationState,
)


def export_personal_data(*, user: User) -> dict[str, Any]:
    path = PersonalPath.objects.filter(user=user).first()
    return {
        "registrations": [
            {
                "event": r.event.title,
                "starts_at": r.event.starts_at.isoformat(),
                "state": r.state,
                "registered_at": r.created_at.isoformat(),
                "slot": r.slot.starts_at.isoformat() if r.slot else None,
                "question": r.question,
                "answers": r.answers,
            }
            for r in Registration.objects.filter(user=user)
            .select_related("event", "slot")
            .order_by("created_at")
        ],
        "learning_path": (
            [str(course) for course in path.courses.all()] if path else []
        ),
        "completed_units": [
            {"unit": str(c.unit), "completed_at": c.completed_at.isoformat()}
            for c in UnitCompletion.objects.filter(user=user).select_related("unit")
        ],
        "private_calendar_feed": CalendarToken.objects.filter(user=user).exists(),
    }


def before_account_deletion(*, user: User) -> None:
    """Give up the person's places in upcoming events, so others get them.

    Deleting the account removes the registrations; cancelling them first keeps
    each event's count of taken places right and offers the places to the
    waiting list.
    """
    from allmende.events.services.registrations import registration_cancel

    holding = ACTIVE_STATES - {RegistrationState.ATTENDED}
    upcoming = Registration.objects.filter(
        user=user, state__in=holding, event__starts_at__gt=timezone.now()
    ).select_related("event")
    for registration in upcoming:
        registration_cancel(registration=registration, actor=user)
