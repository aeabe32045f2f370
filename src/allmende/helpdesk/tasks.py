"""Background jobs of the helpdesk: thin tasks, each safe to run twice."""

from __future__ import annotations

from datetime import timedelta

from celery import shared_task

from allmende.core import scheduler


@shared_task(name="helpdesk.auto_resolve")
def auto_resolve() -> int:
    from allmende.helpdesk.services import tickets_auto_resolve

    return tickets_auto_resolve()


@shared_task(name="helpdesk.fetch_mail")
def fetch_mail() -> int:
    """Read the mailboxes of ``ALLMENDE_HELPDESK_IMAP_URLS`` (none: nothing)."""
    from allmende.helpdesk.intake import mail_fetch

    return sum(report.handled + report.too_large for report in mail_fetch())


scheduler.register("helpdesk.auto_resolve", timedelta(hours=1), auto_resolve)
scheduler.register("helpdesk.fetch_mail", timedelta(minutes=1), fetch_mail)
