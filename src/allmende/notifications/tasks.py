"""Background jobs of notifications: thin tasks, each safe to run twice."""

from __future__ import annotations

from datetime import timedelta

from celery import shared_task

from allmende.core import scheduler


@shared_task(name="notifications.send_immediate_mails")
def send_immediate_mails() -> int:
    from allmende.notifications.delivery import immediate_mails_send

    return immediate_mails_send()


@shared_task(name="notifications.send_digests")
def send_digests() -> int:
    from allmende.notifications.delivery import digests_send

    return digests_send()


scheduler.register(
    "notifications.send_immediate_mails", timedelta(minutes=1), send_immediate_mails
)
scheduler.register("notifications.send_digests", timedelta(minutes=1), send_digests)
