"""Background jobs of calls: thin tasks, each safe to run twice."""

from __future__ import annotations

from datetime import timedelta

from celery import shared_task

from allmende.core import scheduler


@shared_task(name="programmes.close_due_calls")
def close_due_calls() -> int:
    from allmende.programmes.services import calls_close_due

    return calls_close_due()


scheduler.register("programmes.close_due_calls", timedelta(minutes=1), close_due_calls)


@shared_task(name="programmes.remind_reviewers")
def remind_reviewers() -> int:
    from allmende.programmes.review_services import reviews_remind_due

    return reviews_remind_due()


scheduler.register("programmes.remind_reviewers", timedelta(hours=1), remind_reviewers)


@shared_task(name="programmes.remind_milestones")
def remind_milestones() -> tuple[int, int]:
    from allmende.programmes.services_projects import milestones_remind

    return milestones_remind()


scheduler.register(
    "programmes.remind_milestones", timedelta(hours=1), remind_milestones
)
