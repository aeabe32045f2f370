"""The helpdesk's mail intake: the IMAP fetcher (:mod:`allmende.helpdesk.mail`)
handing each mail to the ticket services.

Run by the periodic job ``helpdesk.fetch_mail`` and by ``allmende
helpdesk_fetch`` (for cron); both read the mailboxes of
``ALLMENDE_HELPDESK_IMAP_URLS`` and do nothing without them.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.conf import settings

from allmende.helpdesk.mail.imap import FetchReport, Mailbox, fetch_all
from allmende.helpdesk.mail.parse import ParsedMail
from allmende.helpdesk.models import HeldMail, TicketMessage
from allmende.helpdesk.services import mail_too_large, ticket_message_from_mail


def handle_mail(
    parsed: ParsedMail, *, mailbox: str, uidvalidity: int, uid: int, eml_path: str
) -> TicketMessage | HeldMail:
    """One fetched mail becomes one ticket message or held mail (idempotent)."""
    return ticket_message_from_mail(
        parsed=parsed,
        mailbox=mailbox,
        uidvalidity=uidvalidity,
        uid=uid,
        eml_path=eml_path,
    )


def handle_too_large(
    mailbox: str,
    uidvalidity: int,
    uid: int,
    size: int,
    envelope_from: str,
    *,
    headers: ParsedMail | None,
) -> HeldMail:
    """A mail over the size limit: held for staff, its sender told."""
    return mail_too_large(
        mailbox=mailbox,
        uidvalidity=uidvalidity,
        uid=uid,
        size=size,
        envelope_from=envelope_from,
        headers=headers,
    )


def mail_fetch(
    *, mailboxes: Iterable[Mailbox] | None = None, limit: int | None = None
) -> list[FetchReport]:
    """Read every configured mailbox once (nothing without any); safe to run
    any number of times, in several workers at once."""
    if mailboxes is None and not settings.ALLMENDE_HELPDESK_IMAP_URLS:
        return []
    return fetch_all(
        handle=handle_mail,
        on_too_large=handle_too_large,
        mailboxes=mailboxes,
        limit=limit,
    )
