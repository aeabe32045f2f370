"""Read the helpdesk's mailboxes once (for cron; the periodic job does the same)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from allmende.helpdesk.intake import mail_fetch
from allmende.helpdesk.mail.imap import MailboxConfigError


class Command(BaseCommand):
    help = (
        "Fetch the mail of the helpdesk's IMAP mailboxes "
        "(ALLMENDE_HELPDESK_IMAP_URLS) once; safe to run at any time."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--limit",
            type=int,
            default=None,
            help="Handle at most this many mails per mailbox in this run.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if not settings.ALLMENDE_HELPDESK_IMAP_URLS:
            self.stdout.write("no mailbox configured (ALLMENDE_HELPDESK_IMAP_URLS)")
            return
        try:
            reports = mail_fetch(limit=options["limit"])
        except MailboxConfigError as error:
            raise CommandError(str(error)) from error
        failed = 0
        for report in reports:
            self.stdout.write(
                f"{report.mailbox}: {report.seen} seen, {report.handled} handled, "
                f"{report.too_large} too large, {report.failed} failed"
            )
            failed += report.failed
        if failed:
            raise CommandError(f"{failed} mails could not be handled")
