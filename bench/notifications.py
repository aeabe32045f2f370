"""Notifications at scale: fan-out, the daily summary, the unread count.

    .venv/bin/python bench/notifications.py [--people 10000] [--unread 20]

Builds a fresh SQLite database in a temporary data folder (or uses
DATABASE_URL, e.g. ``DATABASE_URL=postgres:///bench_notifications`` on an
empty database), creates ``--people`` accounts and then measures:

* fan-out: one notification to every account (``notify_now``), ``--unread``
  times, which also fills the database for the next step;
* the daily summary job (``digests_send``) for everyone, each with
  ``--unread`` unread notifications: wall time, mails sent (one per person),
  and the process's peak RSS before and after the job (the job reads in
  batches, so the growth should not depend on the number of people);
* running the job a second time (it must send nothing);
* the header's unread count: the number of queries and the database's plan.

Mail is rendered (text and HTML) and handed to a backend that counts and
drops it, so the figures measure Allmende's work, not a mail server or the
MIME encoding of the SMTP backend.
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import sys
import tempfile
import time
from collections.abc import Sequence
from datetime import timedelta
from typing import Any

from django.core.mail.backends.base import BaseEmailBackend


class DiscardingBackend(BaseEmailBackend):
    """Counts the messages and drops them (like Django's dummy backend)."""

    sent = 0
    size = 0

    def send_messages(self, email_messages: Sequence[Any]) -> int:
        for message in email_messages:
            DiscardingBackend.size += len(message.body) + sum(
                len(content) for content, _type in message.alternatives
            )
        DiscardingBackend.sent += len(email_messages)
        return len(email_messages)


def _rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--people", type=int, default=10_000)
    parser.add_argument("--unread", type=int, default=20)
    args = parser.parse_args()

    os.environ.setdefault(
        "ALLMENDE_DATA_DIR", tempfile.mkdtemp(prefix="allmende-bench-")
    )
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "allmende.config.settings")
    os.environ["ALLMENDE_DEBUG"] = "0"
    os.environ["ALLMENDE_SCHEDULER_THREAD"] = "0"
    os.environ["ALLMENDE_TASK_MODE"] = "sync"
    os.environ.setdefault("ALLMENDE_LOG_LEVEL", "WARNING")
    os.environ.setdefault("ALLMENDE_SITE_URL", "https://allmende.example.org")

    import django

    django.setup()
    from django.conf import settings
    from django.contrib.auth.hashers import make_password
    from django.core.management import call_command
    from django.db import connection
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone

    from allmende.accounts.models import User
    from allmende.notifications import delivery
    from allmende.notifications.models import Notification, NotificationMail
    from allmende.notifications.registry import Channel, NotificationType, register
    from allmende.notifications.services import notify_now

    settings.ALLMENDE_EMAIL_DELIVERY_BACKEND = "__main__.DiscardingBackend"
    call_command("migrate", verbosity=0)
    kind = register(
        NotificationType(
            key="bench.something_new",
            module="Bench",
            label="Something new",
            description="A notification of the benchmark.",
            message="%(what)s has something new for you.",
            default=Channel.DAILY,
        )
    )
    print(
        f"database: {connection.vendor}, people: {args.people:,}, "
        f"unread each: {args.unread}"
    )

    started = time.perf_counter()
    password = make_password("bench-password")
    User.objects.bulk_create(
        [
            User(username=f"p{i}", email=f"p{i}@example.org", password=password)
            for i in range(args.people)
        ],
        batch_size=2000,
    )
    print(f"accounts created in {time.perf_counter() - started:.1f} s")

    timings: list[float] = []
    cpu_timings: list[float] = []
    for round_ in range(args.unread):
        values = {
            "type": kind.key,
            "context": {"what": f"Project {round_}"},
            "url": f"/organizations/project-{round_}/",
            "object_label": f"Project {round_}",
        }
        started = time.perf_counter()
        cpu_started = time.process_time()
        written = notify_now(kind, User.objects.all(), values=values)
        timings.append(time.perf_counter() - started)
        cpu_timings.append(time.process_time() - cpu_started)
        assert written == args.people, written
    print(
        f"fan-out to {args.people:,}: first {timings[0]:.2f} s, "
        f"median {statistics.median(timings):.2f} s, max {max(timings):.2f} s "
        f"({len(timings)} runs; median CPU time of this process "
        f"{statistics.median(cpu_timings):.2f} s)"
    )
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")

    # The next day at the summary time, well after every notification.
    local = timezone.localtime(timezone.now()) + timedelta(days=1)
    at = local.replace(hour=7, minute=5, second=0, microsecond=0)
    rss_before = _rss_mb()
    started = time.perf_counter()
    cpu_started = time.process_time()
    sent = delivery.digests_send(now=at)
    elapsed = time.perf_counter() - started
    cpu = time.process_time() - cpu_started
    rss_after = _rss_mb()
    assert sent == args.people, sent
    assert DiscardingBackend.sent == args.people
    assert NotificationMail.objects.filter(state="sent").count() == args.people
    print(
        f"daily summary: {sent:,} mails in {elapsed:.1f} s "
        f"(CPU time of this process {cpu:.1f} s) "
        f"({DiscardingBackend.size / sent / 1024:.1f} KiB text and HTML each), "
        f"peak RSS {rss_before:.0f} MB before, {rss_after:.0f} MB after"
    )
    started = time.perf_counter()
    again = delivery.digests_send(now=at + timedelta(minutes=1))
    print(f"summary job again: {again} mails in {time.perf_counter() - started:.2f} s")

    person = User.objects.order_by("pk").first()
    assert person is not None
    unread = Notification.objects.filter(recipient=person, read_at__isnull=True)
    with CaptureQueriesContext(connection) as queries:
        count = unread.count()
    print(f"unread count ({count}): {len(queries)} query")
    print("  " + queries[0]["sql"])
    explain = "EXPLAIN " if connection.vendor == "postgresql" else "EXPLAIN QUERY PLAN "
    with connection.cursor() as cursor:
        cursor.execute(explain + queries[0]["sql"])
        plan = "\n".join(str(row[-1]) for row in cursor.fetchall())
    print("  plan: " + plan.replace("\n", "\n        "))


if __name__ == "__main__":
    sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "src"))
    main()
