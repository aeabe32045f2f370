"""What the helpdesk needs to know of a mail that arrived.

The mail parser (``allmende.helpdesk.mail``) turns raw bytes into an object
with these attributes; :func:`allmende.helpdesk.services.ticket_message_from_mail`
reads nothing else. Tests build :class:`InboundMail` directly.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Protocol

from allmende.helpdesk.mail.parse import normalize_message_id

# The one form of a Message-ID the helpdesk stores and compares: without angle
# brackets (``abc@example.org``), as the parser gives them.
normalise_message_id = normalize_message_id

# (file name, media type, content)
AttachmentData = tuple[str, str, bytes]


class ParsedMailLike(Protocol):
    """The attributes of a parsed mail the helpdesk reads.

    ``from_address`` is the sender's address (any case), ``text`` the plain
    text (quoted earlier text included), ``html`` sanitised HTML or empty.
    ``message_id``, ``in_reply_to`` and ``references`` hold Message-IDs with
    or without their angle brackets: the helpdesk stores and compares them in
    one form, without (:func:`normalise_message_id`, the parser's). ``is_auto``
    is true for anything that must never be answered automatically (RFC 3834
    auto-submitted, bulk, list, empty Return-Path, mailer-daemon-like senders);
    ``is_bounce`` for a delivery status notification, whose
    ``bounce_original_message_ids`` are the Message-IDs of the mail that could
    not be delivered; ``is_spam`` for a mail a spam filter marked.
    ``reply_token`` is the token of the reply address (``hilfe+<token>@...``)
    the mail was sent to, if any. :class:`allmende.helpdesk.mail.parse.ParsedMail`
    is one.
    """

    @property
    def from_address(self) -> str: ...
    @property
    def from_name(self) -> str: ...
    @property
    def subject(self) -> str: ...
    @property
    def text(self) -> str: ...
    @property
    def html(self) -> str | None: ...
    @property
    def attachments(self) -> Sequence[AttachmentData]: ...
    @property
    def message_id(self) -> str: ...
    @property
    def in_reply_to(self) -> str: ...
    @property
    def references(self) -> Sequence[str]: ...
    @property
    def is_auto(self) -> bool: ...
    @property
    def is_bounce(self) -> bool: ...
    @property
    def bounce_original_message_ids(self) -> Sequence[str]: ...
    @property
    def is_spam(self) -> bool: ...
    @property
    def reply_token(self) -> str | None: ...


@dataclass(frozen=True)
class InboundMail:
    """A plain implementation of :class:`ParsedMailLike`."""

    from_address: str
    subject: str = ""
    text: str = ""
    from_name: str = ""
    html: str | None = ""
    attachments: Sequence[AttachmentData] = ()
    message_id: str = ""
    in_reply_to: str = ""
    references: Sequence[str] = field(default_factory=tuple)
    is_auto: bool = False
    is_bounce: bool = False
    bounce_original_message_ids: Sequence[str] = field(default_factory=tuple)
    is_spam: bool = False
    reply_token: str | None = None


# Reply and forward prefixes of German and English mail programs, repeated
# and in any case ("AW: Re: WG:", "Fwd:", "Antw:").
_PREFIX = re.compile(
    r"^\s*(?:(?:re|aw|wg|fw|fwd|antw|sv)\s*(?:\[\d+\])?\s*:\s*)+", re.I
)
_TAG = re.compile(r"\[#(\d{1,12})\]")


def subject_ticket_number(subject: str) -> int | None:
    """The ticket number of a ``[#1234]`` tag in ``subject``, if there is one."""
    match = _TAG.search(subject)
    return int(match.group(1)) if match else None


def strip_reply_prefixes(subject: str) -> str:
    """``subject`` without leading reply and forward prefixes."""
    return _PREFIX.sub("", subject).strip()


def clean_subject(subject: str) -> str:
    """A subject for a new ticket: no prefixes, no ticket tag, one line."""
    without_tag = _TAG.sub("", strip_reply_prefixes(subject))
    return " ".join(without_tag.split())[:200]


def normalise_address(address: str) -> str:
    return address.strip().lower()


def message_ids(mail: ParsedMailLike) -> list[str]:
    """The Message-IDs a mail refers to (normalised): In-Reply-To first, then
    References from the newest."""
    found: list[str] = []
    for value in [mail.in_reply_to, *reversed(list(mail.references))]:
        value = normalise_message_id(value or "")
        if value and value not in found:
            found.append(value)
    return found
