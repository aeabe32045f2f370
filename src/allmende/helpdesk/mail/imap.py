"""Fetching the helpdesk's mail from IMAP mailboxes, safe to run any number of times.

A mail is known by its mailbox, the folder's UIDVALIDITY and its UID (and by its
Message-ID, which the handler also records). One run of :func:`fetch_mailbox`:

1. lists the UIDs in the folder and asks the server for their sizes;
2. a mail over the limit is not downloaded: ``on_too_large`` is told (so the
   sender gets a notice and staff see it), then it is moved away;
3. every other mail is downloaded, its original kept as ``.eml`` in the private
   storage, parsed, and handed to ``handle``;
4. only after ``handle`` returned is the mail moved to the processed folder
   (``MOVE``, or ``COPY`` + ``\\Deleted`` + ``EXPUNGE`` where the server lacks it).

Nothing is deleted before the handler succeeded, so a run that dies anywhere
loses nothing: the next run sees the same mails again. That a mail seen twice
(a run killed between handler and move, two workers at once, the same mail
delivered twice) still becomes one ticket message is the handler's part: it
must be idempotent, by database constraints on mailbox + UIDVALIDITY + UID and
on the Message-ID.
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
import ssl
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any, Literal, Protocol
from urllib.parse import parse_qs, unquote, urlsplit

from django.conf import settings
from django.core.files.base import ContentFile
from imapclient import IMAPClient
from imapclient.exceptions import IMAPClientError

from allmende.core import files
from allmende.helpdesk.mail.parse import ParsedMail, parse_message

logger = logging.getLogger(__name__)

Security = Literal["tls", "starttls", "plain"]
SCHEMES: dict[str, tuple[Security, int]] = {
    "imaps": ("tls", 993),
    "imap": ("starttls", 143),
    # Without any encryption: only for a server on the same machine (tests).
    "imap+plain": ("plain", 143),
}
# UIDs asked about in one command, and the most bytes downloaded in one.
SIZE_BATCH = 500
DOWNLOAD_BATCH = 50
DOWNLOAD_BATCH_BYTES = 32 * 1024 * 1024
# Commands repeated when another worker moved some of their mails meanwhile.
RACE_ATTEMPTS = 3
STORAGE_FOLDER = "helpdesk/mail"


class MailHandler(Protocol):
    """What the helpdesk does with one mail; must be idempotent (see above)."""

    def __call__(
        self,
        parsed: ParsedMail,
        *,
        mailbox: str,
        uidvalidity: int,
        uid: int,
        eml_path: str,
    ) -> object: ...


class TooLargeHandler(Protocol):
    """Told about a mail over the size limit (it is not downloaded): ``headers``
    is its header alone, parsed (for the loop guard and threading), or ``None``
    where the server did not give it."""

    def __call__(
        self,
        mailbox: str,
        uidvalidity: int,
        uid: int,
        size: int,
        envelope_from: str,
        *,
        headers: ParsedMail | None,
    ) -> object: ...


class MailboxConfigError(ValueError):
    """A mailbox address in the settings that cannot be used."""


@dataclass(frozen=True)
class Mailbox:
    """One IMAP folder the helpdesk reads, from an address such as

    ``imaps://user:password@imap.example.org:993/INBOX?processed=Done&name=hilfe``

    ``imaps`` is TLS from the start, ``imap`` is STARTTLS (required), and
    ``imap+plain`` has no encryption (for a server on the same machine only).
    User and password are percent-encoded. ``name`` identifies the mailbox in
    the records (default: user@host/folder), ``processed`` is the folder the
    mails go to once handled (default: ``Processed``), ``max_bytes`` the size
    limit (default: ``ALLMENDE_HELPDESK_MAIL_MAX_BYTES``).
    """

    name: str
    host: str
    port: int
    security: Security
    user: str
    password: str
    folder: str = "INBOX"
    processed_folder: str = "Processed"
    max_bytes: int = 25 * 1024 * 1024

    @classmethod
    def from_url(cls, url: str, *, max_bytes: int | None = None) -> Mailbox:
        parts = urlsplit(url.strip())
        if parts.scheme not in SCHEMES:
            raise MailboxConfigError(
                f"Unknown scheme {parts.scheme!r}: use imaps, imap or imap+plain"
            )
        if not parts.hostname or not parts.username:
            raise MailboxConfigError("An IMAP address needs a user and a host")
        security, default_port = SCHEMES[parts.scheme]
        query = {key: values[-1] for key, values in parse_qs(parts.query).items()}
        folder = unquote(parts.path.lstrip("/")) or "INBOX"
        user = unquote(parts.username)
        limit = query.get("max_bytes")
        return cls(
            name=query.get("name") or f"{user}@{parts.hostname}/{folder}",
            host=parts.hostname,
            port=parts.port or default_port,
            security=security,
            user=user,
            password=unquote(parts.password or ""),
            folder=folder,
            processed_folder=query.get("processed") or "Processed",
            max_bytes=int(limit)
            if limit
            else max_bytes
            if max_bytes is not None
            else settings.ALLMENDE_HELPDESK_MAIL_MAX_BYTES,
        )

    def __repr__(self) -> str:
        # Never the password (it would end up in logs and tracebacks).
        return f"Mailbox({self.name!r}, {self.host}:{self.port}, {self.security})"


def configured_mailboxes() -> list[Mailbox]:
    """The mailboxes of ``ALLMENDE_HELPDESK_IMAP_URLS``."""
    return [
        Mailbox.from_url(url)
        for url in settings.ALLMENDE_HELPDESK_IMAP_URLS
        if url.strip()
    ]


@dataclass
class FetchReport:
    """What one run did with one mailbox."""

    mailbox: str
    uidvalidity: int = 0
    seen: int = 0
    handled: int = 0
    too_large: int = 0
    failed: int = 0
    moved: int = 0


def connect(mailbox: Mailbox, *, timeout: float = 60.0) -> IMAPClient:
    """A logged-in client (TLS or STARTTLS as configured, certificates checked)."""
    context = ssl.create_default_context()
    client = IMAPClient(
        mailbox.host,
        port=mailbox.port,
        ssl=mailbox.security == "tls",
        ssl_context=context if mailbox.security == "tls" else None,
        timeout=timeout,
    )
    try:
        if mailbox.security == "starttls":
            client.starttls(context)
        client.login(mailbox.user, mailbox.password)
    except BaseException:
        _close(client)
        raise
    return client


def _close(client: IMAPClient) -> None:
    try:
        client.logout()
    except (IMAPClientError, OSError):
        with contextlib.suppress(IMAPClientError, OSError):
            client.shutdown()


def store_original(raw: bytes) -> str:
    """Keep the original mail in the private storage; its storage name.

    The name comes from the content, so a mail stored again (a repeated run, the
    same mail in two mailboxes) is kept once. A file of that name with another
    size is being written by another worker, or was cut short by a run that
    died: it is left alone and the mail is written beside it (the storage picks
    a free name).
    """
    storage = files.private_storage()
    name = f"{STORAGE_FOLDER}/{hashlib.sha256(raw).hexdigest()}.eml"
    try:
        if storage.exists(name) and storage.size(name) == len(raw):
            return name
    except OSError:
        pass
    return str(storage.save(name, ContentFile(raw)))


def ensure_folder(client: IMAPClient, folder: str) -> None:
    """Create ``folder`` unless it exists (another worker may create it too)."""
    if client.folder_exists(folder):
        return
    try:
        client.create_folder(folder)
    except IMAPClientError:
        if not client.folder_exists(folder):
            raise


def move_messages(
    client: IMAPClient,
    uids: Sequence[int],
    folder: str,
    *,
    use_move: bool | None = None,
) -> None:
    """Move mails of the selected folder to ``folder``.

    Mails that another worker moved meanwhile are no error: the command is
    repeated for those still there.
    """
    if use_move is None:
        use_move = client.has_capability("MOVE")
    for attempt in range(RACE_ATTEMPTS):
        if attempt:
            uids = existing(client, uids)
        if not uids:
            return
        try:
            _move(client, uids, folder, use_move=use_move)
            return
        except IMAPClientError:
            if attempt == RACE_ATTEMPTS - 1:
                raise
            logger.info("Mails moved by another worker; moving the rest")


def existing(client: IMAPClient, uids: Sequence[int]) -> list[int]:
    """Those of ``uids`` still in the selected folder (after the server told
    this session what other sessions expunged)."""
    client.noop()
    if not uids:
        return []
    found = {int(uid) for uid in client.search(["UID", _uid_set(uids)])}
    return [uid for uid in uids if uid in found]


def _uid_set(uids: Sequence[int]) -> str:
    return ",".join(str(uid) for uid in uids)


def fetch_present(
    client: IMAPClient, uids: Sequence[int], items: list[str]
) -> dict[int, dict[bytes, Any]]:
    """FETCH that tolerates mails another worker has just moved away."""
    for attempt in range(RACE_ATTEMPTS):
        if attempt:
            uids = existing(client, uids)
        if not uids:
            return {}
        try:
            return {
                int(uid): data for uid, data in client.fetch(list(uids), items).items()
            }
        except IMAPClientError:
            if attempt == RACE_ATTEMPTS - 1:
                raise
    return {}


def _move(
    client: IMAPClient, uids: Sequence[int], folder: str, *, use_move: bool
) -> None:
    if use_move:
        client.move(list(uids), folder)
        return
    client.copy(list(uids), folder)
    client.delete_messages(list(uids))
    if client.has_capability("UIDPLUS"):
        client.uid_expunge(list(uids))
    else:
        # Without UIDPLUS this expunges every mail marked as deleted.
        client.expunge()


def _envelope_from(envelope: Any) -> str:
    try:
        sender = envelope.from_[0]
        local = (sender.mailbox or b"").decode("utf-8", "replace")
        host = (sender.host or b"").decode("utf-8", "replace")
    except (AttributeError, IndexError, TypeError):
        return ""
    return f"{local}@{host}".lower() if local and host else ""


def _chunks(items: Sequence[int], size: int) -> Iterator[list[int]]:
    for start in range(0, len(items), size):
        yield list(items[start : start + size])


def _download_groups(uids: Iterable[int], sizes: dict[int, int]) -> Iterator[list[int]]:
    """UIDs in groups of at most DOWNLOAD_BATCH mails and about as many bytes."""
    group: list[int] = []
    total = 0
    for uid in uids:
        if group and (
            len(group) >= DOWNLOAD_BATCH or total + sizes[uid] > DOWNLOAD_BATCH_BYTES
        ):
            yield group
            group, total = [], 0
        group.append(uid)
        total += sizes[uid]
    if group:
        yield group


def fetch_mailbox(
    mailbox: Mailbox,
    *,
    handle: MailHandler,
    on_too_large: TooLargeHandler | None = None,
    limit: int | None = None,
    store: Callable[[bytes], str] = store_original,
    use_move: bool | None = None,
) -> FetchReport:
    """Read the mails in one mailbox once (see the module's docstring).

    ``limit`` caps the mails handled in this run (the rest wait for the next).
    A mail whose handler raised stays in the folder for the next run.
    """
    report = FetchReport(mailbox=mailbox.name)
    client = connect(mailbox)
    try:
        ensure_folder(client, mailbox.processed_folder)
        selected = client.select_folder(mailbox.folder)
        uidvalidity = int(selected[b"UIDVALIDITY"])
        report.uidvalidity = uidvalidity
        uids = sorted(int(uid) for uid in client.search(["NOT", "DELETED"]))
        if limit is not None:
            uids = uids[:limit]
        report.seen = len(uids)
        for chunk in _chunks(uids, SIZE_BATCH):
            _fetch_chunk(
                client,
                mailbox,
                chunk,
                uidvalidity=uidvalidity,
                handle=handle,
                on_too_large=on_too_large,
                store=store,
                use_move=use_move,
                report=report,
            )
    finally:
        _close(client)
    return report


def _fetch_chunk(
    client: IMAPClient,
    mailbox: Mailbox,
    uids: list[int],
    *,
    uidvalidity: int,
    handle: MailHandler,
    on_too_large: TooLargeHandler | None,
    store: Callable[[bytes], str],
    use_move: bool | None,
    report: FetchReport,
) -> None:
    sizes = {
        int(uid): int(data[b"RFC822.SIZE"])
        for uid, data in fetch_present(client, uids, ["RFC822.SIZE"]).items()
        if b"RFC822.SIZE" in data
    }
    # A UID without an answer was moved by another worker meanwhile.
    present = [uid for uid in uids if uid in sizes]
    large = [uid for uid in present if sizes[uid] > mailbox.max_bytes]
    small = [uid for uid in present if sizes[uid] <= mailbox.max_bytes]
    if large:
        _too_large(
            client, mailbox, large, sizes, uidvalidity, on_too_large, use_move, report
        )
    for group in _download_groups(small, sizes):
        bodies = fetch_present(client, group, ["BODY.PEEK[]"])
        done: list[int] = []
        for uid in group:
            raw = bodies.get(uid, {}).get(b"BODY[]")
            if raw is None:
                continue
            try:
                eml_path = store(bytes(raw))
                parsed = parse_message(bytes(raw))
                handle(
                    parsed,
                    mailbox=mailbox.name,
                    uidvalidity=uidvalidity,
                    uid=uid,
                    eml_path=eml_path,
                )
            except Exception:
                # Left in the folder: the next run tries again.
                logger.exception(
                    "Helpdesk mail %s/%s/%s could not be handled",
                    mailbox.name,
                    uidvalidity,
                    uid,
                )
                report.failed += 1
                continue
            report.handled += 1
            done.append(uid)
        move_messages(client, done, mailbox.processed_folder, use_move=use_move)
        report.moved += len(done)


def _too_large(
    client: IMAPClient,
    mailbox: Mailbox,
    uids: list[int],
    sizes: dict[int, int],
    uidvalidity: int,
    on_too_large: TooLargeHandler | None,
    use_move: bool | None,
    report: FetchReport,
) -> None:
    envelopes = fetch_present(client, uids, ["ENVELOPE", "BODY.PEEK[HEADER]"])
    done = []
    for uid in uids:
        envelope = envelopes.get(uid, {}).get(b"ENVELOPE")
        header = envelopes.get(uid, {}).get(b"BODY[HEADER]")
        headers = parse_message(bytes(header)) if header else None
        sender = _envelope_from(envelope)
        logger.warning(
            "Helpdesk mail %s/%s/%s from %s is too large (%s bytes)",
            mailbox.name,
            uidvalidity,
            uid,
            sender or "unknown",
            sizes[uid],
        )
        if on_too_large is None:
            # Nobody would be told: leave it where people can see it.
            continue
        try:
            on_too_large(
                mailbox.name, uidvalidity, uid, sizes[uid], sender, headers=headers
            )
        except Exception:
            logger.exception("Notice of too large mail %s failed", uid)
            report.failed += 1
            continue
        report.too_large += 1
        done.append(uid)
    move_messages(client, done, mailbox.processed_folder, use_move=use_move)
    report.moved += len(done)


def fetch_all(
    *,
    handle: MailHandler,
    on_too_large: TooLargeHandler | None = None,
    mailboxes: Iterable[Mailbox] | None = None,
    limit: int | None = None,
) -> list[FetchReport]:
    """Read every configured mailbox once; a mailbox that fails is logged and
    does not keep the others from being read."""
    reports = []
    for mailbox in configured_mailboxes() if mailboxes is None else mailboxes:
        try:
            reports.append(
                fetch_mailbox(
                    mailbox, handle=handle, on_too_large=on_too_large, limit=limit
                )
            )
        except (IMAPClientError, OSError):
            logger.exception("Helpdesk mailbox %s could not be read", mailbox.name)
    return reports
