"""Helpdesk mail intake from a real IMAP server: speed and exactly-once.

    .venv/bin/python bench/helpdesk.py [--mails 5000]
    DATABASE_URL=postgres:///bench_helpdesk .venv/bin/python bench/helpdesk.py

Starts a private Dovecot (as the tests do), APPENDs ``--mails`` mails shaped
like the test corpus (tests/helpdesk/testdata, each with a Message-ID of its
own) and measures:

* one worker reading the whole folder (``fetch_mailbox``): mails per second,
  everything included (size check, download, original kept in the private
  storage, parsing, the handler's database write, the move to the processed
  folder);
* two worker processes reading a second folder of the same size at once, one
  of them killed with SIGKILL in the middle and started again.

The handler writes one row per mail into a table the benchmark creates (the
helpdesk's ticket models are not used here) with the same guarantees the
helpdesk's handler has: unique on mailbox + UIDVALIDITY + UID and unique on
the Message-ID, written with ``ON CONFLICT DO NOTHING``. The benchmark asserts
exactly ``--mails`` rows per folder, one per Message-ID sent, and an empty
folder afterwards: no duplicate and no loss.
"""

from __future__ import annotations

import argparse
import os
import re
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TESTDATA = ROOT / "tests" / "helpdesk" / "testdata"
TABLE = "bench_helpdesk_message"


def setup_django(data_dir: str) -> None:
    os.environ["ALLMENDE_DATA_DIR"] = data_dir
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "allmende.config.settings")
    os.environ["ALLMENDE_DEBUG"] = "0"
    os.environ["ALLMENDE_SCHEDULER_THREAD"] = "0"
    os.environ["ALLMENDE_TASK_MODE"] = "sync"
    os.environ.setdefault("ALLMENDE_LOG_LEVEL", "WARNING")
    import django

    django.setup()


def create_table() -> None:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(f"DROP TABLE IF EXISTS {TABLE}")
        cursor.execute(
            f"""CREATE TABLE {TABLE} (
                mailbox varchar(200) NOT NULL,
                uidvalidity bigint NOT NULL,
                uid bigint NOT NULL,
                message_id varchar(300) NOT NULL UNIQUE,
                subject text NOT NULL,
                eml_path varchar(300) NOT NULL,
                worker integer NOT NULL,
                UNIQUE (mailbox, uidvalidity, uid)
            )"""
        )


class Handler:
    """Records each mail once; a second sight of it changes nothing."""

    def __init__(self, worker: int) -> None:
        self.worker = worker
        self.calls = 0
        self.conflicts = 0

    def __call__(
        self, parsed: object, *, mailbox: str, uidvalidity: int, uid: int, eml_path: str
    ) -> None:
        from django.db import connection, transaction

        self.calls += 1
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(
                f"INSERT INTO {TABLE} (mailbox, uidvalidity, uid, message_id, "
                "subject, eml_path, worker) VALUES (%s, %s, %s, %s, %s, %s, %s) "
                "ON CONFLICT DO NOTHING",
                [
                    mailbox,
                    uidvalidity,
                    uid,
                    parsed.message_id,  # type: ignore[attr-defined]
                    parsed.subject,  # type: ignore[attr-defined]
                    eml_path,
                    self.worker,
                ],
            )
            if cursor.rowcount == 0:
                self.conflicts += 1


def rows(mailbox: str) -> tuple[int, int]:
    """(rows, distinct Message-IDs) recorded for ``mailbox``."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT COUNT(*), COUNT(DISTINCT message_id) FROM {TABLE} "
            "WHERE mailbox = %s",
            [mailbox],
        )
        count, distinct = cursor.fetchone()
    return int(count), int(distinct)


def message_ids(mailbox: str) -> set[str]:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(f"SELECT message_id FROM {TABLE} WHERE mailbox = %s", [mailbox])
        return {row[0] for row in cursor.fetchall()}


def mails(count: int, prefix: str) -> list[bytes]:
    """``count`` corpus-shaped mails, each with its own Message-ID."""
    corpus = [path.read_bytes() for path in sorted(TESTDATA.glob("*.eml"))]
    result = []
    for index in range(count):
        raw = re.sub(rb"(?im)^message-id:[^\n]*\n", b"", corpus[index % len(corpus)])
        raw = raw.replace(b"\r\n", b"\n").replace(b"\n", b"\r\n")
        result.append(
            f"Message-ID: <{prefix}-{index}@bench.example>\r\n".encode() + raw
        )
    return result


def worker_main(args: argparse.Namespace) -> None:
    """One intake worker: reads the folder until it is empty."""
    setup_django(args.data_dir)
    from allmende.helpdesk.mail.imap import Mailbox, fetch_mailbox

    mailbox = Mailbox.from_url(args.url)
    handler = Handler(args.worker)
    started = time.perf_counter()
    while True:
        report = fetch_mailbox(mailbox, handle=handler, limit=args.batch)
        if report.seen == 0:
            break
    elapsed = time.perf_counter() - started
    print(
        f"  worker {args.worker}: {handler.calls} mails handled, "
        f"{handler.conflicts} seen before, {elapsed:.1f} s",
        flush=True,
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--mails", type=int, default=5000)
    parser.add_argument("--worker", type=int, default=0, help=argparse.SUPPRESS)
    parser.add_argument("--url", default="", help=argparse.SUPPRESS)
    parser.add_argument("--data-dir", default="", help=argparse.SUPPRESS)
    parser.add_argument("--batch", type=int, default=200, help=argparse.SUPPRESS)
    args = parser.parse_args()
    sys.path[:0] = [str(ROOT), str(ROOT / "src")]
    if args.worker:
        worker_main(args)
        return

    data_dir = tempfile.mkdtemp(prefix="allmende-bench-helpdesk-")
    setup_django(data_dir)
    from django.db import connection
    from imapclient import IMAPClient

    from allmende.helpdesk.mail.imap import Mailbox, fetch_mailbox
    from tests.helpdesk.mail.servers import start_dovecot, stop_dovecot

    create_table()
    root = Path(tempfile.mkdtemp(prefix="allmende-bench-dovecot-"))
    root.chmod(0o711)
    dovecot = start_dovecot(root)
    try:
        client = IMAPClient(dovecot.host, port=dovecot.port, ssl=False)
        client.login(dovecot.user, dovecot.password)
        print(f"database: {connection.vendor}, mails per folder: {args.mails:,}")

        for folder in ("One", "Two"):
            client.create_folder(folder)
            batch = mails(args.mails, folder.lower())
            started = time.perf_counter()
            for start in range(0, len(batch), 500):
                client.multiappend(folder, batch[start : start + 500])
            elapsed = time.perf_counter() - started
            print(
                f"APPEND {len(batch):,} mails to {folder}: {elapsed:.1f} s "
                f"({len(batch) / elapsed:,.0f} mails/s, "
                f"{sum(map(len, batch)) / 1e6:.1f} MB)"
            )

        # One worker.
        one = Mailbox.from_url(dovecot.url("One", processed="Done", name="one"))
        handler = Handler(worker=1)
        started = time.perf_counter()
        cpu = time.process_time()
        report = fetch_mailbox(one, handle=handler)
        elapsed = time.perf_counter() - started
        cpu = time.process_time() - cpu
        count, distinct = rows("one")
        print(
            f"one worker: {report.handled:,} mails in {elapsed:.1f} s = "
            f"{report.handled / elapsed:.0f} mails/s "
            f"(CPU of the worker {cpu:.1f} s = {cpu / report.handled * 1000:.1f} ms "
            "per mail)"
        )
        assert (count, distinct) == (args.mails, args.mails), (count, distinct)
        assert message_ids("one") == {
            f"one-{index}@bench.example" for index in range(args.mails)
        }
        assert client.folder_status("One", ["MESSAGES"])[b"MESSAGES"] == 0

        # Two workers, one killed in the middle and started again.
        url = dovecot.url("Two", processed="Done", name="two")

        def start(worker: int) -> subprocess.Popen[bytes]:
            return subprocess.Popen(
                [
                    sys.executable,
                    __file__,
                    "--worker",
                    str(worker),
                    "--url",
                    url,
                    "--data-dir",
                    data_dir,
                ],
                env=os.environ.copy(),
            )

        started = time.perf_counter()
        workers = {1: start(1), 2: start(2)}
        kill_at = args.mails * 4 // 10
        while rows("two")[0] < kill_at:
            try:
                workers[1].wait(timeout=0.05)
                break
            except subprocess.TimeoutExpired:
                pass
        workers[1].send_signal(signal.SIGKILL)
        workers[1].wait()
        killed_at = rows("two")[0]
        print(f"  worker 1 killed (SIGKILL) at {killed_at:,} recorded mails")
        workers[1] = start(3)
        for process in workers.values():
            process.wait()
            assert process.returncode == 0, process.returncode
        elapsed = time.perf_counter() - started
        count, distinct = rows("two")
        remaining = client.folder_status("Two", ["MESSAGES"])[b"MESSAGES"]
        print(
            f"two workers, one killed and restarted: {count:,} mails recorded "
            f"({distinct:,} distinct Message-IDs) in {elapsed:.1f} s = "
            f"{count / elapsed:.0f} mails/s together; {remaining} left in the folder"
        )
        assert (count, distinct) == (args.mails, args.mails), (count, distinct)
        assert message_ids("two") == {
            f"two-{index}@bench.example" for index in range(args.mails)
        }
        assert remaining == 0
        # Every mail reached the processed folder. Two sessions that MOVE the same
        # mail at the same instant can leave two copies there (Dovecot moves by
        # copy and expunge); counted, not a second ticket message.
        client.select_folder("Done", readonly=True)
        headers = client.fetch(
            client.search("ALL"), ["BODY.PEEK[HEADER.FIELDS (MESSAGE-ID)]"]
        )
        archived = [
            data[b"BODY[HEADER.FIELDS (MESSAGE-ID)]"].decode().strip()
            for data in headers.values()
        ]
        expected = {
            f"Message-ID: <{prefix}-{index}@bench.example>"
            for prefix in ("one", "two")
            for index in range(args.mails)
        }
        assert set(archived) == expected, len(expected - set(archived))
        print(
            f"processed folder: all {len(expected):,} mails, "
            f"{len(archived) - len(expected):,} of them twice (moved by both workers "
            "at the same instant)"
        )
        print("exactly once: no duplicate ticket message, no loss")
        client.logout()
    finally:
        stop_dovecot(dovecot.process)
        import shutil

        shutil.rmtree(root, ignore_errors=True)
        shutil.rmtree(data_dir, ignore_errors=True)


if __name__ == "__main__":
    main()
