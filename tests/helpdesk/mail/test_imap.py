"""The fetch loop against a real Dovecot: exactly once, nothing lost."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from imapclient import IMAPClient
from imapclient.exceptions import IMAPClientError

from allmende.core import files
from allmende.helpdesk.mail import imap
from allmende.helpdesk.mail.imap import Mailbox, MailboxConfigError, fetch_mailbox
from allmende.helpdesk.mail.parse import ParsedMail, normalize_message_id
from tests.helpdesk.mail.servers import Dovecot

TESTDATA = Path(__file__).resolve().parent.parent / "testdata"
CORPUS = sorted(TESTDATA.glob("*.eml"))


class Killed(BaseException):
    """Stands for the job being killed: nothing after it runs."""


@dataclass
class Recorder:
    """A handler that keeps what it got, refusing a second message per key
    (mailbox, UIDVALIDITY, UID) as the helpdesk's unique constraint does."""

    messages: dict[tuple[str, int, int], ParsedMail] = field(default_factory=dict)
    paths: dict[tuple[str, int, int], str] = field(default_factory=dict)
    calls: int = 0
    duplicates: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)

    def __call__(
        self,
        parsed: ParsedMail,
        *,
        mailbox: str,
        uidvalidity: int,
        uid: int,
        eml_path: str,
    ) -> None:
        key = (mailbox, uidvalidity, uid)
        with self.lock:
            self.calls += 1
            if key in self.messages:
                self.duplicates += 1
                return
            self.messages[key] = parsed
            self.paths[key] = eml_path


@pytest.fixture
def client(dovecot: Dovecot) -> Iterator[IMAPClient]:
    with IMAPClient(dovecot.host, port=dovecot.port, ssl=False) as connection:
        connection.login(dovecot.user, dovecot.password)
        yield connection


@pytest.fixture
def mailbox(dovecot: Dovecot, imap_folder: str) -> Mailbox:
    return Mailbox.from_url(
        dovecot.url(imap_folder, processed=f"{imap_folder}/Processed", name="hilfe")
    )


@pytest.fixture(autouse=True)
def _private_files(settings: object, tmp_path: Path) -> None:
    settings.STORAGES = {  # type: ignore[attr-defined]
        **settings.STORAGES,  # type: ignore[attr-defined]
        "private": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(tmp_path / "private")},
        },
    }
    settings.ALLMENDE_HELPDESK_ADDRESSES = ["hilfe@allmende.example"]  # type: ignore[attr-defined]


def append(client: IMAPClient, folder: str, raws: list[bytes]) -> None:
    for raw in raws:
        client.append(folder, raw)


def count(client: IMAPClient, folder: str) -> int:
    return int(client.folder_status(folder, ["MESSAGES"])[b"MESSAGES"])


def test_every_mail_is_handled_once_kept_and_moved(
    client: IMAPClient, mailbox: Mailbox
) -> None:
    raws = [path.read_bytes() for path in CORPUS]
    append(client, mailbox.folder, raws)
    handler = Recorder()

    report = fetch_mailbox(mailbox, handle=handler)

    assert report.seen == report.handled == report.moved == len(raws)
    assert report.failed == report.too_large == 0
    assert handler.calls == len(raws) and handler.duplicates == 0
    assert count(client, mailbox.folder) == 0
    assert count(client, mailbox.processed_folder) == len(raws)
    assert {key[0] for key in handler.messages} == {"hilfe"}
    assert {key[1] for key in handler.messages} == {report.uidvalidity}
    # The originals are in the private storage as the server hands them out
    # (IMAP's line ends are CRLF).
    storage = files.private_storage()
    by_subject = {mail.subject: key for key, mail in handler.messages.items()}
    key = by_subject["Frühjahrsputz – Förderung für Müllsäcke und Greifzangen"]
    with storage.open(handler.paths[key], "rb") as stored:
        original = (TESTDATA / "19_umlauts_every_header.eml").read_bytes()
        assert stored.read() == original.replace(b"\n", b"\r\n")
    assert handler.paths[key].startswith("helpdesk/mail/")
    assert handler.messages[key].from_name == "Jörg Straßer"
    token_mail = handler.messages[by_subject["Re: [#315] Zugang zum Datenkatalog"]]
    assert token_mail.reply_token == "ab12cd34ef"

    again = fetch_mailbox(mailbox, handle=handler)
    assert again.seen == 0 and handler.calls == len(raws)


def test_run_killed_after_handler_before_move_loses_and_doubles_nothing(
    client: IMAPClient, mailbox: Mailbox
) -> None:
    raws = [path.read_bytes() for path in CORPUS[:20]]
    append(client, mailbox.folder, raws)
    handler = Recorder()

    def dies_after_the_seventh(parsed: ParsedMail, **where: object) -> None:
        handler(parsed, **where)  # type: ignore[arg-type]
        if handler.calls == 7:
            raise Killed

    with pytest.raises(Killed):
        fetch_mailbox(mailbox, handle=dies_after_the_seventh)
    # Killed before the move: every mail is still there.
    assert count(client, mailbox.folder) == 20
    assert count(client, mailbox.processed_folder) == 0

    report = fetch_mailbox(mailbox, handle=handler)
    assert report.handled == 20
    assert len(handler.messages) == 20
    assert handler.duplicates == 7
    assert count(client, mailbox.folder) == 0
    assert count(client, mailbox.processed_folder) == 20


def test_a_failing_handler_leaves_its_mail_for_the_next_run(
    client: IMAPClient, mailbox: Mailbox
) -> None:
    raws = [path.read_bytes() for path in CORPUS[:5]]
    append(client, mailbox.folder, raws)
    handler = Recorder()
    failing_subject = "AW: [#1042] Frage zum Förderantrag"

    def refuses_one(parsed: ParsedMail, **where: object) -> None:
        if parsed.subject == failing_subject:
            raise RuntimeError("database unavailable")
        handler(parsed, **where)  # type: ignore[arg-type]

    report = fetch_mailbox(mailbox, handle=refuses_one)
    assert (report.handled, report.failed, report.moved) == (4, 1, 4)
    assert count(client, mailbox.folder) == 1

    report = fetch_mailbox(mailbox, handle=handler)
    assert (report.seen, report.handled) == (1, 1)
    assert len(handler.messages) == 5
    assert count(client, mailbox.folder) == 0


def test_two_workers_at_once_hand_over_each_mail_and_move_all(
    client: IMAPClient, mailbox: Mailbox
) -> None:
    raws = [path.read_bytes() for path in CORPUS] * 3
    append(client, mailbox.folder, raws)
    handler = Recorder()
    errors: list[BaseException] = []

    def worker() -> None:
        try:
            fetch_mailbox(mailbox, handle=handler)
        except BaseException as exc:  # noqa: BLE001 - reported by the assert below
            errors.append(exc)

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == []
    assert len(handler.messages) == len(raws)
    assert handler.calls == len(raws) + handler.duplicates
    assert count(client, mailbox.folder) == 0
    # Every mail reached the processed folder. Dovecot carries out MOVE as copy
    # and expunge, so two sessions moving the same mail at the same instant may
    # leave two copies there; the ticket message is one all the same.
    assert count(client, mailbox.processed_folder) >= len(raws)
    client.select_folder(mailbox.processed_folder, readonly=True)
    processed = client.fetch(
        client.search("ALL"), ["BODY.PEEK[HEADER.FIELDS (MESSAGE-ID)]"]
    )
    ids = {
        normalize_message_id(
            data[b"BODY[HEADER.FIELDS (MESSAGE-ID)]"].decode().partition(":")[2]
        )
        for data in processed.values()
    }
    assert ids == {mail.message_id for mail in handler.messages.values()}


def test_the_same_mail_twice_reaches_the_handler_with_one_message_id(
    client: IMAPClient, mailbox: Mailbox
) -> None:
    raw = (TESTDATA / "03_thunderbird_reply_token.eml").read_bytes()
    append(client, mailbox.folder, [raw, raw])
    handler = Recorder()

    fetch_mailbox(mailbox, handle=handler)

    mails = list(handler.messages.values())
    assert len(mails) == 2
    assert {mail.message_id for mail in mails} == {
        "4f1c2d3e-aaaa-bbbb-cccc-0123456789ab@kiezdaten.example"
    }
    # One original kept, whatever the number of copies.
    assert len(set(handler.paths.values())) == 1


def test_too_large_mail_is_reported_not_downloaded(
    client: IMAPClient, dovecot: Dovecot, imap_folder: str
) -> None:
    mailbox = Mailbox.from_url(
        dovecot.url(imap_folder, processed=f"{imap_folder}/Processed", max_bytes="4000")
    )
    big = (
        b"From: Gro\xc3\x9fe Datei <Big@Sender.example>\r\n"
        b"To: hilfe@allmende.example\r\n"
        b"Subject: Anhang\r\nMessage-ID: <big-1@sender.example>\r\n\r\n"
        + b"x" * 5000
        + b"\r\n"
    )
    small = (TESTDATA / "30_subject_prefixes.eml").read_bytes()
    append(client, mailbox.folder, [big, small])
    notices: list[tuple[str, int, int, int, str]] = []
    stored: list[bytes] = []
    handler = Recorder()

    def store(raw: bytes) -> str:
        stored.append(raw)
        return imap.store_original(raw)

    def on_too_large(
        mailbox: str,
        uidvalidity: int,
        uid: int,
        size: int,
        envelope_from: str,
        *,
        headers: ParsedMail | None,
    ) -> None:
        notices.append((mailbox, uidvalidity, uid, size, envelope_from))
        assert headers is not None
        assert headers.message_id == "big-1@sender.example"
        assert headers.subject == "Anhang"

    report = fetch_mailbox(
        mailbox, handle=handler, on_too_large=on_too_large, store=store
    )

    assert report.too_large == 1 and report.handled == 1
    assert len(notices) == 1
    name, uidvalidity, uid, size, sender = notices[0]
    assert (name, uidvalidity, uid) == (mailbox.name, report.uidvalidity, 1)
    assert size == len(big)
    assert sender == "big@sender.example"
    assert stored == [small.replace(b"\n", b"\r\n")]
    assert count(client, mailbox.folder) == 0


def test_too_large_mail_stays_when_nobody_would_be_told(
    client: IMAPClient, dovecot: Dovecot, imap_folder: str
) -> None:
    mailbox = Mailbox.from_url(dovecot.url(imap_folder, max_bytes="100"))
    thread = (TESTDATA / "27_very_long_thread.eml").read_bytes()
    append(client, mailbox.folder, [thread])
    report = fetch_mailbox(mailbox, handle=Recorder())
    assert (report.seen, report.handled, report.too_large) == (1, 0, 0)
    assert count(client, mailbox.folder) == 1
    client.delete_folder("Processed")


def test_copy_delete_expunge_where_move_is_not_used(
    client: IMAPClient, mailbox: Mailbox
) -> None:
    append(client, mailbox.folder, [path.read_bytes() for path in CORPUS[:4]])
    handler = Recorder()
    report = fetch_mailbox(mailbox, handle=handler, use_move=False)
    assert report.moved == 4
    assert count(client, mailbox.folder) == 0
    assert count(client, mailbox.processed_folder) == 4


def test_limit_leaves_the_rest_for_the_next_run(
    client: IMAPClient, mailbox: Mailbox
) -> None:
    append(client, mailbox.folder, [path.read_bytes() for path in CORPUS[:6]])
    handler = Recorder()
    assert fetch_mailbox(mailbox, handle=handler, limit=4).handled == 4
    assert count(client, mailbox.folder) == 2
    assert fetch_mailbox(mailbox, handle=handler).handled == 2
    assert len(handler.messages) == 6


def test_starttls_is_required_not_skipped(dovecot: Dovecot, imap_folder: str) -> None:
    # The test server offers no TLS: an imap:// mailbox must refuse to log in
    # in plain text rather than send the password unencrypted.
    mailbox = Mailbox.from_url(dovecot.url(imap_folder).replace("imap+plain", "imap"))
    assert mailbox.security == "starttls"
    with pytest.raises((IMAPClientError, OSError)):
        fetch_mailbox(mailbox, handle=Recorder())


def test_fetch_all_reads_the_configured_mailboxes(
    client: IMAPClient, dovecot: Dovecot, imap_folder: str, settings: object
) -> None:
    second = f"{imap_folder}/Second"
    client.create_folder(second)
    settings.ALLMENDE_HELPDESK_IMAP_URLS = [  # type: ignore[attr-defined]
        dovecot.url(imap_folder, processed=f"{imap_folder}/Processed", name="a"),
        dovecot.url(second, processed=f"{imap_folder}/Processed", name="b"),
        "imap+plain://nobody:wrong@127.0.0.1:1/INBOX?name=unreachable",
    ]
    append(client, imap_folder, [CORPUS[0].read_bytes()])
    append(client, second, [CORPUS[1].read_bytes(), CORPUS[2].read_bytes()])
    handler = Recorder()

    reports = imap.fetch_all(handle=handler)

    assert [(report.mailbox, report.handled) for report in reports] == [
        ("a", 1),
        ("b", 2),
    ]
    assert {key[0] for key in handler.messages} == {"a", "b"}
    client.delete_folder(second)


def test_mailbox_from_url() -> None:
    mailbox = Mailbox.from_url(
        "imaps://hilfe%40example.org:p%40ss%2Cw0rd@imap.example.org/Helpdesk%20In"
        "?processed=Helpdesk/Done"
    )
    assert mailbox == Mailbox(
        name="hilfe@example.org@imap.example.org/Helpdesk In",
        host="imap.example.org",
        port=993,
        security="tls",
        user="hilfe@example.org",
        password="p@ss,w0rd",
        folder="Helpdesk In",
        processed_folder="Helpdesk/Done",
        max_bytes=25 * 1024 * 1024,
    )
    assert "p@ss" not in repr(mailbox)
    starttls = Mailbox.from_url("imap://u:p@mail.example.org")
    assert (starttls.security, starttls.port, starttls.folder) == (
        "starttls",
        143,
        "INBOX",
    )
    with pytest.raises(MailboxConfigError):
        Mailbox.from_url("pop3://u:p@mail.example.org")
    with pytest.raises(MailboxConfigError):
        Mailbox.from_url("imaps://mail.example.org")
