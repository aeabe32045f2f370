"""Reading any mail that reaches the helpdesk into one plain, typed value.

:func:`parse_message` never raises: whatever a mail program, a mobile phone, a
mailing list or a broken gateway produced, the result has a sender, a subject
and readable text. Charsets that lie or are unknown are decoded with
replacement characters; HTML is cleaned with nh3 (as all HTML the platform
shows) and gives a text version when a mail has no plain part; earlier
messages quoted below a reply are split off into ``quoted``, kept for the
record and folded away for display.

The result also carries what the helpdesk threads and guards by: the token of a
reply address (``hilfe+TOKEN@...``), the ticket number in the subject
(``[#1234]``), whether the mail was sent automatically (RFC 3834) and, for a
delivery status notification, the Message-IDs of the mail that bounced.
"""

from __future__ import annotations

import codecs
import logging
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email import message_from_bytes, policy
from email.headerregistry import Address
from email.message import Message
from email.parser import BytesHeaderParser
from email.utils import collapse_rfc2231_value, getaddresses, parsedate_to_datetime
from html.parser import HTMLParser
from typing import NamedTuple

import nh3
from charset_normalizer import from_bytes

from allmende.core.markdown import ALLOWED_ATTRIBUTES, ALLOWED_TAGS

logger = logging.getLogger(__name__)

# Mail bodies use a few more tags than Markdown produces; still no images
# (they would load from other hosts), no styles and no scripts.
MAIL_TAGS = ALLOWED_TAGS | {
    "div", "span", "h1", "h5", "h6", "u", "s", "small", "sub", "sup", "caption",
    "tfoot", "dl", "dt", "dd",
}  # fmt: skip
REPLY_PREFIX = re.compile(
    r"^\s*(?:(?:re|aw|wg|fwd?|sv|vs|antw|tr|rif|r)\s*(?:\[\d+\]|\(\d+\))?\s*:\s*)+",
    re.IGNORECASE,
)
TICKET_TAG = re.compile(r"\[#(\d{1,12})\]")
AUTO_SENDER = re.compile(
    r"^(?:mailer-daemon|postmaster|no[-_.]?reply|do[-_.]?not[-_.]?reply|"
    r"bounces?|bounce[-+].*|noreply[-+].*|no-reply[-+].*)$",
    re.IGNORECASE,
)
SIGNATURE_TYPES = {
    "application/pgp-signature",
    "application/pkcs7-signature",
    "application/x-pkcs7-signature",
}
# Latin-1 as declared by mail programs is nearly always Windows-1252 (curly
# quotes, the euro sign), as browsers have long assumed.
CHARSET_ALIASES = {
    "iso-8859-1": "cp1252",
    "iso8859-1": "cp1252",
    "latin1": "cp1252",
    "latin-1": "cp1252",
    "us-ascii": "cp1252",
    "ascii": "cp1252",
    "ks_c_5601-1987": "cp949",
    "x-unknown": "",
    "unknown-8bit": "",
}


class Attachment(NamedTuple):
    """A file that came with a mail (also an inline image, or a forwarded mail)."""

    filename: str
    content_type: str
    content: bytes


@dataclass(frozen=True)
class ParsedMail:
    """What the helpdesk needs of one mail; see :func:`parse_message`.

    Message-IDs (``message_id``, ``in_reply_to``, ``references``,
    ``bounce_original_message_ids``) are given without angle brackets.
    """

    from_address: str
    from_name: str
    reply_to_address: str
    to_addresses: tuple[str, ...]
    cc_addresses: tuple[str, ...]
    subject: str
    date: datetime | None
    message_id: str
    in_reply_to: str
    references: tuple[str, ...]
    text: str
    html: str | None
    quoted: str
    attachments: tuple[Attachment, ...]
    reply_token: str | None
    subject_ticket_number: int | None
    is_auto: bool
    auto_reasons: tuple[str, ...]
    is_bounce: bool
    bounce_original_message_ids: tuple[str, ...]
    size: int
    defects: tuple[str, ...] = field(default=())
    # Marked as spam by a filter on the way (X-Spam-Flag, X-Spam-Status).
    is_spam: bool = False

    @property
    def topic(self) -> str:
        """The subject without reply prefixes and ticket tag (for a new ticket)."""
        return strip_subject(self.subject)


def strip_subject(subject: str) -> str:
    """``AW: Re: [#12] Frage`` -> ``Frage``."""
    return REPLY_PREFIX.sub("", TICKET_TAG.sub("", subject)).strip()


def normalize_message_id(value: str) -> str:
    """A Message-ID without angle brackets and white space."""
    value = value.strip()
    match = re.search(r"<([^<>\s]+)>", value)
    if match:
        return match.group(1)
    return value.strip("<> \t\r\n")


def message_ids(value: str) -> tuple[str, ...]:
    """All Message-IDs in a References or In-Reply-To header, in order."""
    found = re.findall(r"<([^<>\s]+)>", value)
    if not found and value.strip():
        found = [normalize_message_id(part) for part in value.split()]
    return tuple(dict.fromkeys(item for item in found if item))


# --- Decoding --------------------------------------------------------------


def _repair(text: str) -> str:
    """Undo the surrogate escapes the parser leaves for 8-bit header bytes."""
    if not any("\udc80" <= char <= "\udcff" for char in text):
        return text
    raw = text.encode("utf-8", "surrogateescape")
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        return raw.decode("cp1252", "replace")


def decode_bytes(payload: bytes, charset: str | None) -> str:
    """Text from bytes in the declared charset, never raising.

    A declared charset that fails is tried against UTF-8 (mail programs that
    declare Latin-1 and write UTF-8 exist), then guessed; the last resort is
    Windows-1252 with replacement characters.
    """
    label = (charset or "").strip().strip("\"'").lower()
    label = CHARSET_ALIASES.get(label, label)
    codec = None
    if label:
        try:
            codec = codecs.lookup(label).name
        except LookupError:
            codec = None
    if codec:
        try:
            return payload.decode(codec)
        except UnicodeDecodeError:
            pass
    for fallback in ("utf-8", "cp1252"):
        # Declared UTF-8 that is not is mostly Windows-1252 (or Latin-1).
        if fallback != codec and (fallback == "utf-8" or codec == "utf-8"):
            try:
                return payload.decode(fallback)
            except UnicodeDecodeError:
                pass
    if codec:
        return payload.decode(codec, "replace")
    best = from_bytes(payload[:65536]).best()
    if best is not None and best.encoding:
        return payload.decode(best.encoding, "replace")
    return payload.decode("cp1252", "replace")


def _header(message: Message, name: str) -> str:
    """A header's decoded value ('' if missing or unreadable)."""
    try:
        value = message.get(name)
    except Exception:  # noqa: BLE001 - a broken header must not stop the mail
        value = None
        for key, raw in message.raw_items() if hasattr(message, "raw_items") else ():
            if key.lower() == name.lower():
                value = raw
                break
    if value is None:
        return ""
    return _repair(" ".join(str(value).split()))


def _addresses(message: Message, name: str) -> list[tuple[str, str]]:
    """(name, address) pairs of an address header, addresses lower-cased."""
    pairs: list[tuple[str, str]] = []
    try:
        header = message.get(name)
        if header is None:
            return []
        for address in getattr(header, "addresses", ()):
            if not isinstance(address, Address):
                continue
            pairs.append(
                (_repair(address.display_name), _repair(address.addr_spec).lower())
            )
    except Exception:  # noqa: BLE001 - fall back to the lenient parser below
        pairs = []
    if not pairs:
        raw = [str(value) for key, value in message.raw_items() if key.lower() == name]
        for display, addr in getaddresses([_repair(value) for value in raw]):
            if addr:
                pairs.append((display, addr.lower()))
    cleaned = []
    for display, addr in pairs:
        if not _PLAIN_ADDRESS.fullmatch(addr):
            # What a lenient parse left of a broken header: take the address in it.
            found = _ADDRESS_IN_TEXT.findall(addr)
            addr = found[-1].lower() if found else ""
        if addr:
            cleaned.append((display, addr))
    return cleaned


_PLAIN_ADDRESS = re.compile(r"[^\s<>\"(),;:@]+@[^\s<>\"(),;:@]+")
_ADDRESS_IN_TEXT = re.compile(r"[\w.+%'=-]+@[\w.-]+\.\w+")


def _date(message: Message) -> datetime | None:
    raw = _header(message, "date")
    if not raw:
        return None
    try:
        value = parsedate_to_datetime(raw)
    except (TypeError, ValueError, IndexError):
        return None
    if value is None:
        return None
    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)


# --- HTML ------------------------------------------------------------------


def sanitize_html(html: str) -> str:
    """HTML of a mail, safe to show inside a page of the platform."""
    return str(
        nh3.clean(
            html,
            tags=MAIL_TAGS,
            attributes=ALLOWED_ATTRIBUTES,
            url_schemes={"http", "https", "mailto"},
            link_rel="nofollow noopener noreferrer",
            clean_content_tags={"script", "style", "title", "head", "template"},
        )
    ).strip()


class _TextFromHtml(HTMLParser):
    BLOCK = {
        "p", "div", "br", "tr", "li", "h1", "h2", "h3", "h4", "h5", "h6",
        "blockquote", "pre", "table", "ul", "ol", "hr", "dt", "dd",
    }  # fmt: skip
    SKIP = {"style", "script", "head", "title"}

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.skipping = 0
        self.quote_depth = 0
        self.href: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in self.SKIP:
            self.skipping += 1
        elif tag == "blockquote":
            self.quote_depth += 1
            self.parts.append("\n")
        elif tag in self.BLOCK:
            self.parts.append("\n")
        elif tag == "a":
            self.href = dict(attrs).get("href")
        elif tag in ("td", "th"):
            self.parts.append(" ")

    def handle_endtag(self, tag: str) -> None:
        if tag in self.SKIP:
            self.skipping = max(0, self.skipping - 1)
        elif tag == "blockquote":
            self.quote_depth = max(0, self.quote_depth - 1)
            self.parts.append("\n")
        elif tag in ("p", "div", "h1", "h2", "h3", "h4", "table", "ul", "ol"):
            self.parts.append("\n")
        elif tag == "a":
            self.href = None

    def handle_data(self, data: str) -> None:
        if self.skipping:
            return
        text = re.sub(r"[ \t\r\n\xa0]+", " ", data)
        if self.quote_depth:
            text = text.replace("\n", "\n" + "> " * self.quote_depth)
            if not self.parts or self.parts[-1].endswith("\n"):
                text = "> " * self.quote_depth + text.lstrip()
        self.parts.append(text)

    def text(self) -> str:
        lines = [line.strip() for line in "".join(self.parts).splitlines()]
        return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()


def html_to_text(html: str) -> str:
    """A readable text version of an HTML mail."""
    parser = _TextFromHtml()
    try:
        parser.feed(html)
        parser.close()
    except Exception:  # noqa: BLE001 - HTMLParser is lenient; this is a last guard
        return re.sub(r"<[^>]+>", " ", html)
    return parser.text()


# --- Quoted earlier messages -------------------------------------------------

_ATTRIBUTION = re.compile(
    r"^(?:"
    r"Am\s.{4,200}?schrieb\s.{0,200}:"
    r"|On\s.{4,200}?wrote:"
    r"|Le\s.{4,200}?a\s+écrit\s*:"
    r"|El\s.{4,200}?escribió:"
    r"|Op\s.{4,200}?schreef.{0,100}:"
    r")\s*$",
    re.IGNORECASE,
)
# "Name <address> schrieb am Di., 1. Dez. 2026, 16:00:" (Gmail on Android) and
# other forms: only when quoted lines follow.
_LOOSE_ATTRIBUTION = re.compile(
    r"^.{0,300}\s(?:schrieb|wrote|a écrit|escribió)\b.{0,120}:\s*$", re.IGNORECASE
)
_SEPARATOR = re.compile(
    r"^\s*-{2,}\s*(?:Ursprüngliche Nachricht|Original Message|Originalnachricht|"
    r"Message d'origine)\s*-{2,}\s*$",
    re.IGNORECASE,
)
_HEADER_FROM = re.compile(r"^\s*\*?(?:From|Von|De)\s*:\*?\s+\S", re.IGNORECASE)
_HEADER_SENT = re.compile(
    r"^\s*\*?(?:Sent|Gesendet|Date|Datum|Envoyé)\s*:\*?\s+\S", re.IGNORECASE
)


def _is_quote(line: str) -> bool:
    return line.lstrip().startswith(">")


def split_quoted(text: str) -> tuple[str, str]:
    """(new text, quoted earlier text) of a reply.

    The earlier text starts at an attribution line ("Am ... schrieb ...:",
    "On ... wrote:"), an Outlook separator or header block ("From: ... Sent:"),
    or is the block of ``>`` lines that ends the mail. Inline answers between
    quoted lines stay in the new text. Forwarded messages are not folded.
    """
    lines = text.splitlines()
    start = next(
        (index for index in range(len(lines)) if _earlier_text_starts(lines, index)),
        None,
    )
    if start is None:
        # A block of quoted lines at the end (bottom of a top-posted reply).
        end = len(lines)
        while end and (not lines[end - 1].strip() or _is_quote(lines[end - 1])):
            end -= 1
        if end < len(lines) and any(_is_quote(line) for line in lines[end:]):
            start = end
    if start is None:
        return text.strip(), ""
    new = "\n".join(lines[:start]).strip()
    if not new:
        return text.strip(), ""
    return new, "\n".join(lines[start:]).strip()


def _earlier_text_starts(lines: list[str], index: int) -> bool:
    """Whether the quoted earlier text starts at ``lines[index]``."""
    line = lines[index]
    stripped = line.strip()
    if not stripped or _is_quote(line):
        return False
    nearby = lines[index + 1 : index + 4]
    if _SEPARATOR.match(stripped):
        return True
    if stripped == "_" * len(stripped) and len(stripped) >= 20:
        following = [item for item in nearby if item.strip()]
        return bool(following) and bool(_HEADER_FROM.match(following[0]))
    if _HEADER_FROM.match(stripped):
        return any(_HEADER_SENT.match(item) for item in nearby)
    if _ATTRIBUTION.match(stripped):
        return _text_follows(lines, index + 1)
    if _LOOSE_ATTRIBUTION.match(stripped):
        return _quote_follows(lines, index + 1)
    if index + 1 >= len(lines) or stripped.endswith(":"):
        return False
    # An attribution wrapped over two lines (Gmail wraps long names).
    joined = f"{stripped} {lines[index + 1].strip()}"
    if _ATTRIBUTION.match(joined):
        return _text_follows(lines, index + 2)
    return bool(_LOOSE_ATTRIBUTION.match(joined)) and _quote_follows(lines, index + 2)


def _text_follows(lines: list[str], index: int) -> bool:
    """Whether earlier text follows an attribution (quoted or not)."""
    return any(line.strip() for line in lines[index : index + 3])


def _quote_follows(lines: list[str], index: int) -> bool:
    """Whether the next non-empty line is quoted with ``>``."""
    rest = [line for line in lines[index : index + 4] if line.strip()]
    return bool(rest) and _is_quote(rest[0])


_PGP_SIGNED = re.compile(
    r"-----BEGIN PGP SIGNED MESSAGE-----\r?\n(?:[A-Za-z-]+: .*\r?\n)*\r?\n"
    r"(?P<body>.*?)\r?\n-----BEGIN PGP SIGNATURE-----.*?-----END PGP SIGNATURE-----",
    re.DOTALL,
)


def _unarmor(text: str) -> str:
    """The signed text of an inline-PGP message (dash-escaping undone)."""
    match = _PGP_SIGNED.search(text)
    if not match:
        return text
    body = re.sub(r"^- ", "", match.group("body"), flags=re.MULTILINE)
    return text[: match.start()] + body + text[match.end() :]


# --- The walk over the parts ------------------------------------------------


@dataclass
class _Collected:
    texts: list[str] = field(default_factory=list)
    htmls: list[str] = field(default_factory=list)
    attachments: list[Attachment] = field(default_factory=list)
    bounce_ids: list[str] = field(default_factory=list)
    is_report: bool = False


def _payload(part: Message) -> bytes:
    try:
        payload = part.get_payload(decode=True)
    except Exception:  # noqa: BLE001 - broken transfer encoding
        payload = None
    if isinstance(payload, bytes):
        return payload
    raw = part.get_payload()
    if isinstance(raw, str):
        return raw.encode("utf-8", "surrogateescape")
    return b""


def _text_of(part: Message) -> str:
    return decode_bytes(_payload(part), part.get_content_charset()).replace(
        "\r\n", "\n"
    )


def _filename(part: Message, index: int) -> str:
    try:
        name = part.get_filename()
    except Exception:  # noqa: BLE001 - a malformed parameter
        name = None
    if name:
        name = _repair(str(name))
        # Never a path: only the last component, without control characters.
        name = re.split(r"[\\/]", name)[-1]
        name = "".join(char for char in name if char.isprintable()).strip()
    if name:
        return name
    content_type = part.get_content_type()
    extension = {
        "image/png": "png",
        "image/jpeg": "jpg",
        "image/gif": "gif",
        "application/pdf": "pdf",
        "message/rfc822": "eml",
        "text/plain": "txt",
        "text/html": "html",
        "text/calendar": "ics",
    }.get(content_type, "bin")
    inner = _inner_message(part)
    if inner is not None:
        subject = strip_subject(_header(inner, "subject"))
        if subject:
            safe = re.sub(r"[^\w\- ]+", "", subject).strip()[:60]
            if safe:
                return f"{safe}.eml"
    return f"part-{index}.{extension}"


def _is_attachment(part: Message, *, has_text: bool) -> bool:
    """Whether a text part is a file rather than (more of) the body: marked as
    attachment, or named like a file once the body has begun (Apple Mail sends
    an attached text file inline, with its name)."""
    disposition = str(part.get("content-disposition") or "").split(";")[0].strip()
    if disposition.lower() == "attachment":
        return True
    try:
        named = bool(part.get_filename())
    except Exception:  # noqa: BLE001 - a malformed parameter
        named = False
    return named and has_text


def _inner_message(part: Message) -> Message | None:
    """The mail inside a message/rfc822 part."""
    if part.get_content_type() != "message/rfc822":
        return None
    payload = part.get_payload()
    if isinstance(payload, list) and payload and isinstance(payload[0], Message):
        return payload[0]
    return None


def _attach(part: Message, collected: _Collected) -> None:
    content_type = part.get_content_type()
    inner = _inner_message(part)
    if inner is not None:
        try:
            content = inner.as_bytes(policy=policy.SMTP)
        except Exception:  # noqa: BLE001 - a mail that cannot be re-serialised
            content = str(inner).encode("utf-8", "replace")
    else:
        content = _payload(part)
    collected.attachments.append(
        Attachment(
            filename=_filename(part, len(collected.attachments) + 1),
            content_type=content_type,
            content=content,
        )
    )


def _walk(part: Message, collected: _Collected) -> None:
    content_type = part.get_content_type()
    if content_type == "message/rfc822":
        # A forwarded or bounced mail is a file of its own, not part of the text.
        inner = _inner_message(part)
        if collected.is_report and inner is not None:
            collected.bounce_ids.extend(message_ids(_header(inner, "message-id")))
        _attach(part, collected)
        return
    if part.is_multipart():
        children = [child for child in part.get_payload() if isinstance(child, Message)]
        subtype = part.get_content_subtype()
        if subtype == "alternative":
            _alternative(children, collected)
        elif subtype == "signed":
            # The first part is what was signed; the signature is no attachment.
            for child in children:
                if child.get_content_type() not in SIGNATURE_TYPES:
                    _walk(child, collected)
                    break
        elif subtype == "report":
            report_type = collapse_rfc2231_value(part.get_param("report-type") or "")
            collected.is_report = collected.is_report or (
                report_type.lower() == "delivery-status"
            )
            for child in children:
                _walk(child, collected)
        else:
            for child in children:
                _walk(child, collected)
        return
    if content_type in SIGNATURE_TYPES:
        return
    if content_type == "text/rfc822-headers":
        headers = BytesHeaderParser(policy=policy.default).parsebytes(_payload(part))
        collected.bounce_ids.extend(message_ids(_header(headers, "message-id")))
        return
    if content_type == "message/delivery-status":
        return
    if content_type in ("text/plain", "text/html") and not _is_attachment(
        part, has_text=bool(collected.texts or collected.htmls)
    ):
        target = collected.texts if content_type == "text/plain" else collected.htmls
        target.append(_text_of(part))
        return
    _attach(part, collected)


def _alternative(children: list[Message], collected: _Collected) -> None:
    """The richest text and HTML of a multipart/alternative (the last wins)."""
    plain: Message | None = None
    rich: Message | None = None
    for child in children:
        kind = child.get_content_type()
        if kind == "text/plain":
            plain = child
        elif kind == "text/html":
            rich = child
        elif child.is_multipart():
            # multipart/related (HTML with inline images) or mixed inside.
            inner = _Collected(is_report=collected.is_report)
            _walk(child, inner)
            if inner.htmls:
                collected.htmls.extend(inner.htmls)
                collected.attachments.extend(inner.attachments)
                rich = None
            if inner.texts and plain is None:
                collected.texts.extend(inner.texts)
    if plain is not None:
        collected.texts.append(_text_of(plain))
    if rich is not None:
        collected.htmls.append(_text_of(rich))


# --- Loop guard --------------------------------------------------------------


def _auto_reasons(message: Message, from_address: str) -> list[str]:
    """Why a mail counts as sent automatically (RFC 3834 and common practice)."""
    reasons = []
    auto_submitted = _header(message, "auto-submitted").split(";")[0].strip().lower()
    if auto_submitted and auto_submitted != "no":
        reasons.append(f"auto-submitted: {auto_submitted}")
    if message.get("x-auto-response-suppress") is not None:
        reasons.append("x-auto-response-suppress")
    precedence = _header(message, "precedence").strip().lower()
    if precedence in ("bulk", "list", "junk", "auto_reply"):
        reasons.append(f"precedence: {precedence}")
    for name in ("list-id", "list-unsubscribe"):
        if message.get(name) is not None:
            reasons.append(name)
    for name in ("x-autoreply", "x-autorespond", "x-autoresponder"):
        if message.get(name) is not None:
            reasons.append(name)
    return_paths = [
        str(value).strip() for key, value in message.raw_items()
        if key.lower() == "return-path"
    ]  # fmt: skip
    if any(value.replace(" ", "") == "<>" for value in return_paths):
        reasons.append("empty return-path")
    local = from_address.partition("@")[0]
    if not from_address or AUTO_SENDER.match(local):
        reasons.append(f"sender: {from_address or 'none'}")
    return reasons


# --- The whole mail ------------------------------------------------------------


def _reply_token(
    recipients: Iterable[str], helpdesk_addresses: Iterable[str], separator: str
) -> str | None:
    """``TOKEN`` from ``hilfe+TOKEN@example.org`` for a helpdesk ``hilfe@...``."""
    wanted = {address.lower().strip() for address in helpdesk_addresses if address}
    for recipient in recipients:
        local, _, domain = recipient.lower().rpartition("@")
        base, sep, token = local.partition(separator)
        if sep and token and f"{base}@{domain}" in wanted:
            token = re.sub(r"[^a-z0-9_-]", "", token)
            if token:
                return token
    return None


def _helpdesk_addresses() -> list[str]:
    try:
        from email.utils import parseaddr

        from django.conf import settings

        # The address the helpdesk answers from (its replies go out from
        # ``local+TOKEN@domain`` of it) and any further ones it receives at.
        own = str(getattr(settings, "ALLMENDE_HELPDESK_ADDRESS", "")).strip()
        own = own or parseaddr(str(getattr(settings, "DEFAULT_FROM_EMAIL", "")))[1]
        extra = list(getattr(settings, "ALLMENDE_HELPDESK_ADDRESSES", []))
        return [address for address in [own, *extra] if address]
    except Exception:  # noqa: BLE001 - settings not configured (a script)
        return []


def parse_message(
    raw: bytes,
    *,
    helpdesk_addresses: Iterable[str] | None = None,
    token_separator: str = "+",  # noqa: S107 - a separator, not a password
) -> ParsedMail:
    """Read one mail (its bytes as the IMAP server keeps them). Never raises.

    ``helpdesk_addresses`` are the addresses whose plus-addressed form carries
    a reply token; by default ``settings.ALLMENDE_HELPDESK_ADDRESSES``.
    """
    if helpdesk_addresses is None:
        helpdesk_addresses = _helpdesk_addresses()
    try:
        return _parse(raw, list(helpdesk_addresses), token_separator)
    except Exception:  # noqa: BLE001 - the last guard: a mail is never lost
        logger.exception("Mail could not be parsed; kept as plain text")
        return _fallback(raw)


def _parse(raw: bytes, helpdesk_addresses: list[str], separator: str) -> ParsedMail:
    message = message_from_bytes(raw, policy=policy.default)
    senders = _addresses(message, "from") or _addresses(message, "sender")
    from_name, from_address = senders[0] if senders else ("", "")
    reply_to = _addresses(message, "reply-to")
    to = [addr for _, addr in _addresses(message, "to")]
    cc = [addr for _, addr in _addresses(message, "cc")]
    envelope = [
        addr
        for name in ("delivered-to", "x-original-to", "envelope-to")
        for _, addr in _addresses(message, name)
    ]
    subject = _header(message, "subject")

    collected = _Collected()
    _walk(message, collected)
    html_source = "\n".join(collected.htmls)
    html = sanitize_html(html_source) if html_source.strip() else None
    if collected.texts:
        body = "\n\n".join(text.strip("\n") for text in collected.texts)
    elif html_source:
        body = html_to_text(html_source)
    else:
        body = ""
    body = _unarmor(body)
    text, quoted = split_quoted(body)

    reasons = _auto_reasons(message, from_address)
    local = from_address.partition("@")[0].lower()
    is_bounce = collected.is_report or (
        local in ("mailer-daemon", "postmaster") and bool(collected.bounce_ids)
    )
    if is_bounce and "delivery status notification" not in reasons:
        reasons.append("delivery status notification")
    ticket = TICKET_TAG.search(subject)
    return ParsedMail(
        from_address=from_address,
        from_name=from_name,
        reply_to_address=reply_to[0][1] if reply_to else "",
        to_addresses=tuple(to),
        cc_addresses=tuple(cc),
        subject=subject,
        date=_date(message),
        message_id=normalize_message_id(_header(message, "message-id")),
        in_reply_to=next(iter(message_ids(_header(message, "in-reply-to"))), ""),
        references=message_ids(_header(message, "references")),
        text=text,
        html=html,
        quoted=quoted,
        attachments=tuple(collected.attachments),
        reply_token=_reply_token([*to, *cc, *envelope], helpdesk_addresses, separator),
        subject_ticket_number=int(ticket.group(1)) if ticket else None,
        is_auto=bool(reasons),
        auto_reasons=tuple(reasons),
        is_bounce=is_bounce,
        bounce_original_message_ids=tuple(dict.fromkeys(collected.bounce_ids)),
        size=len(raw),
        defects=tuple(type(defect).__name__ for defect in message.defects),
        is_spam=_header(message, "x-spam-flag").strip().lower() == "yes"
        or _header(message, "x-spam-status").strip().lower().startswith("yes"),
    )


def _fallback(raw: bytes) -> ParsedMail:
    head, _, body = raw.partition(b"\r\n\r\n")
    if not body:
        head, _, body = raw.partition(b"\n\n")
    text = decode_bytes(body, None)
    return ParsedMail(
        from_address="",
        from_name="",
        reply_to_address="",
        to_addresses=(),
        cc_addresses=(),
        subject="",
        date=None,
        message_id="",
        in_reply_to="",
        references=(),
        text=text.strip(),
        html=None,
        quoted="",
        attachments=(),
        reply_token=None,
        subject_ticket_number=None,
        is_auto=True,
        auto_reasons=("unparsable",),
        is_bounce=False,
        bounce_original_message_ids=(),
        size=len(raw),
        defects=("unparsable",),
    )
