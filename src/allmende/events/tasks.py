"""Background jobs of events: thin tasks, each safe to run twice."""

from __future__ import annotations

from datetime import timedelta

from celery import shared_task

from allmende.core import scheduler


@shared_task(name="events.expire_offers")
def expire_offers() -> int:
    from allmende.events.services.registrations import offers_expire

    return offers_expire()


@shared_task(name="events.send_reminders")
def send_reminders() -> int:
    from allmende.events.services.reminders import reminders_send

    return reminders_send()


scheduler.register("events.expire_offers", timedelta(minutes=1), expire_offers)
scheduler.register("events.send_reminders", timedelta(minutes=1), send_reminders)
