"""Latency of the programme pages staff and the public use, with many
applications and projects in the database.

    .venv/bin/python bench/programmes.py [--applications 10000] [--current 2000]
                                         [--projects 300] [--runs 40]

Builds a fresh SQLite database in a temporary data folder (or uses
DATABASE_URL): five calls with ``--applications`` historic applications in
all, ``--current`` of them in the call being worked on, each with answers to
ten questions; ``--projects`` projects with four milestones, a mentor and a
result each. Then requests each page ``--runs`` times in the process (Django's
test client, DEBUG off, a staff member's session where the page needs one) and
prints the 50th and 95th percentile latency and the queries per request. The
exports and the milestone reminders are timed a few times each.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import timedelta


def _fill(applications: int, current: int, projects: int) -> dict[str, str]:
    import django

    django.setup()
    from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
    from django.core.management import call_command
    from django.db import connection, transaction
    from django.utils import timezone

    from allmende.accounts.models import User
    from allmende.organizations.models import Organization
    from allmende.programmes.models import (
        Application,
        Call,
        FieldKind,
        FormField,
        FormVersion,
        Mentorship,
        Milestone,
        Project,
        ProjectResult,
    )

    call_command("migrate", verbosity=0)
    call_command("collectstatic", verbosity=0, interactive=False)
    rng = random.Random(11)
    started = time.perf_counter()
    now = timezone.now()
    states = [
        "submitted",
        "screening",
        "more_information",
        "in_review",
        "ready_for_decision",
        "accepted",
        "rejected",
        "withdrawn",
    ]
    with transaction.atomic():
        staff = User.objects.create_user(
            "bench-staff", "staff@example.org", "x", is_staff=True
        )
        # Staff must have set up two-factor login to reach staff pages.
        TOTP.activate(staff, generate_totp_secret())
        people = User.objects.bulk_create(
            [
                User(username=f"person-{i}", email=f"person{i}@example.org")
                for i in range(applications)
            ],
            batch_size=2000,
        )
        organization = Organization.objects.create(
            name="Messnetz e.V.", slug="messnetz", city="Leipzig"
        )
        sizes = [current] + [(applications - current) // 4] * 4
        calls = []
        person = 0
        for number, size in enumerate(sizes):
            call = Call.objects.create(
                title_de=f"Datenlabor {2030 - number}",
                title_en=f"Data lab {2030 - number}",
                slug=f"datenlabor-{2030 - number}",
                state="closed" if number else "published",
                opens_at=now - timedelta(days=400 * number + 30),
                closes_at=now
                - timedelta(days=400 * number - (20 if not number else 0)),
                individuals_allowed=True,
                created_by=staff,
            )
            calls.append(call)
            version = FormVersion.objects.create(call=call, number=1)
            FormField.objects.bulk_create(
                [
                    FormField(
                        version=version,
                        key=f"q{i}",
                        kind=FieldKind.LONG_TEXT if i % 2 else FieldKind.SHORT_TEXT,
                        label_de=f"Frage {i}",
                        label_en=f"Question {i}",
                        position=i,
                    )
                    for i in range(10)
                ]
            )
            batch = []
            for _ in range(size):
                batch.append(
                    Application(
                        call=call,
                        form_version=version,
                        applicant=people[person],
                        state=rng.choice(states),
                        answers={
                            f"q{i}": f"Antwort {i} " * rng.randint(1, 40)
                            for i in range(10)
                        },
                        submitted_at=call.opens_at + timedelta(days=rng.randint(1, 19)),
                    )
                )
                person += 1
            Application.objects.bulk_create(batch, batch_size=2000)
        accepted = list(
            Application.objects.filter(state="accepted")
            .exclude(call=calls[0])
            .values_list("pk", "call_id")[:projects]
        )
        made = Project.objects.bulk_create(
            [
                Project(
                    application_id=pk,
                    call_id=call_id,
                    organization=organization,
                    slug=f"projekt-{i}",
                    title_de=f"Projekt {i}",
                    title_en=f"Project {i}",
                    description_de="Wir messen Feinstaub.",
                    state="completed" if i % 3 else "active",
                    started_on=timezone.localdate() - timedelta(days=300),
                    ended_on=None if not i % 3 else timezone.localdate(),
                )
                for i, (pk, call_id) in enumerate(accepted)
            ]
        )
        today = timezone.localdate()
        Milestone.objects.bulk_create(
            [
                Milestone(
                    project=project,
                    title_de=f"Meilenstein {m}",
                    due_on=today + timedelta(days=rng.randint(-60, 30)),
                    state="reached" if m < 2 else "open",
                    reached_on=today if m < 2 else None,
                )
                for project in made
                for m in range(4)
            ],
            batch_size=2000,
        )
        Mentorship.objects.bulk_create(
            [
                Mentorship(
                    project=project,
                    mentor=people[-1 - i % 100],
                    area="technical",
                    state="accepted",
                )
                for i, project in enumerate(made)
            ]
        )
        ProjectResult.objects.bulk_create(
            [
                ProjectResult(
                    project=project,
                    kind="code",
                    title="Quellcode",
                    url=f"https://git.example.org/{project.slug}",
                )
                for project in made
            ]
        )
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    print(
        f"loaded {applications} applications in {len(calls)} calls "
        f"({current} in the current one) and {len(made)} projects in "
        f"{time.perf_counter() - started:.1f} s ({connection.vendor})"
    )
    return {
        "call": calls[0].slug,
        "project": made[0].slug if made else "",
        "staff": staff.username,
    }


def _measure(run: Callable[[], object], runs: int) -> tuple[float, float, int]:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    run()
    times = []
    queries = 0
    for _ in range(runs):
        with CaptureQueriesContext(connection) as captured:
            started = time.perf_counter()
            run()
            times.append((time.perf_counter() - started) * 1000)
        queries = len(captured)
    times.sort()
    p95 = times[max(0, round(0.95 * len(times)) - 1)]
    return statistics.median(times), p95, queries


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--applications", type=int, default=10_000)
    parser.add_argument("--current", type=int, default=2_000)
    parser.add_argument("--projects", type=int, default=300)
    parser.add_argument("--runs", type=int, default=40)
    args = parser.parse_args()

    os.environ.setdefault(
        "ALLMENDE_DATA_DIR", tempfile.mkdtemp(prefix="allmende-bench-")
    )
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "allmende.config.settings")
    os.environ["ALLMENDE_DEBUG"] = "0"
    os.environ["ALLMENDE_SCHEDULER_THREAD"] = "0"
    os.environ.setdefault("ALLMENDE_LOG_LEVEL", "WARNING")
    names = _fill(args.applications, args.current, args.projects)

    from django.conf import settings
    from django.test import Client

    from allmende.accounts.models import User
    from allmende.programmes.services_projects import milestones_remind

    settings.ALLOWED_HOSTS = ["*"]
    anonymous = Client(headers={"accept-language": "de"})
    staff = Client(headers={"accept-language": "de"})
    staff.force_login(User.objects.get(username=names["staff"]))
    call, project = names["call"], names["project"]

    def get(client: Client, path: str) -> Callable[[], object]:
        def run() -> object:
            response = client.get(path)
            assert response.status_code == 200, (path, response.status_code)
            return response.content if hasattr(response, "content") else None

        return run

    pages = {
        "staff: applications of the call": (staff, f"/calls/{call}/applications/"),
        "staff: applications, filtered": (
            staff,
            f"/calls/{call}/applications/?state=in_review",
        ),
        "staff: dashboard with project queue": (staff, "/dashboard/"),
        "public: project gallery": (anonymous, "/projects/"),
        "public: project page": (anonymous, f"/projects/{project}/"),
        "staff: project page": (staff, f"/projects/{project}/"),
        "API: projects, 100 a page": (
            anonymous,
            "/api/programmes/projects?limit=100",
        ),
        "API: calls": (anonymous, "/api/programmes/calls"),
    }
    print(f"\nin process, Django test client, DEBUG off, {args.runs} runs each\n")
    print("| page | p50 ms | p95 ms | queries |")
    print("|---|---:|---:|---:|")
    for name, (client, path) in pages.items():
        p50, p95, queries = _measure(get(client, path), args.runs)
        print(f"| {name} | {p50:.1f} | {p95:.1f} | {queries} |")
    runs = max(3, args.runs // 10)
    for fmt in ("csv", "xlsx"):
        p50, p95, queries = _measure(
            get(staff, f"/calls/{call}/applications.{fmt}"), runs
        )
        print(
            f"| staff: export {args.current} applications ({fmt}) | {p50:.1f} "
            f"| {p95:.1f} | {queries} |"
        )
    started = time.perf_counter()
    soon, overdue = milestones_remind()
    first = (time.perf_counter() - started) * 1000
    started = time.perf_counter()
    again = milestones_remind()
    second = (time.perf_counter() - started) * 1000
    print(
        f"\nmilestone reminders: {soon} due soon and {overdue} overdue sent in "
        f"{first:.0f} ms; run again: {sum(again)} sent in {second:.0f} ms"
    )


if __name__ == "__main__":
    sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "src"))
    main()
