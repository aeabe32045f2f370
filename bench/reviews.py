"""Reviews at scale: automatic assignment and the score matrix.

    .venv/bin/python bench/reviews.py [--applications 2000] [--reviewers 100]

Builds a fresh SQLite database in a temporary data folder (or uses
DATABASE_URL on an empty database), creates one call with
``--applications`` applications in review, each of its own organization,
and ``--reviewers`` reviewers, each a member of one of those organizations
(so every reviewer has a conflict with one application). Then measures:

* automatic assignment of 3 conflict-free reviewers per application: wall
  time, the number of queries, and the spread of the reviewers' load;
* the score matrix (every assignment submitted with scores on 3 criteria):
  median and 95th percentile over ``--runs`` runs, and its query count.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--applications", type=int, default=2000)
    parser.add_argument("--reviewers", type=int, default=100)
    parser.add_argument("--runs", type=int, default=20)
    args = parser.parse_args()
    os.environ.setdefault(
        "ALLMENDE_DATA_DIR", tempfile.mkdtemp(prefix="allmende-bench-")
    )
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "allmende.config.settings")
    os.environ["ALLMENDE_DEBUG"] = "0"
    os.environ["ALLMENDE_SCHEDULER_THREAD"] = "0"
    os.environ["ALLMENDE_TASK_MODE"] = "sync"
    os.environ.setdefault("ALLMENDE_LOG_LEVEL", "WARNING")

    import django

    django.setup()
    from datetime import timedelta

    from django.core.management import call_command
    from django.db import connection, transaction
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone

    from allmende.accounts.models import User
    from allmende.organizations.models import Membership, Organization
    from allmende.programmes.models import (
        Application,
        Call,
        FormVersion,
        Review,
        ReviewCriterion,
        Reviewer,
        Score,
    )
    from allmende.programmes.review_selectors import score_matrix
    from allmende.programmes.review_services import reviews_assign_automatically

    call_command("migrate", verbosity=0)
    now = timezone.now()
    with transaction.atomic():
        admin = User.objects.create(
            username="bench-admin", is_staff=True, is_superuser=True
        )
        call = Call.objects.create(
            title_de="Bench",
            slug="bench",
            description_de="Bench",
            state="closed",
            opens_at=now - timedelta(days=60),
            closes_at=now - timedelta(days=1),
        )
        version = FormVersion.objects.create(call=call, number=1)
        for position, (name, weight) in enumerate(
            [("Gemeinwohl", 3), ("Machbarkeit", 2), ("Offenheit", 1)], start=1
        ):
            ReviewCriterion.objects.create(
                call=call, name_de=name, weight=weight, position=position
            )
        Organization.objects.bulk_create(
            Organization(name=f"Verein {i}", slug=f"verein-{i}")
            for i in range(args.applications)
        )
        organizations = list(Organization.objects.order_by("pk"))
        User.objects.bulk_create(
            User(username=f"applicant{i}", email=f"applicant{i}@example.org")
            for i in range(args.applications)
        )
        User.objects.bulk_create(
            User(username=f"reviewer{i}", email=f"reviewer{i}@example.org")
            for i in range(args.reviewers)
        )
        applicants = list(
            User.objects.filter(username__startswith="applicant").order_by("pk")
        )
        reviewers = list(
            User.objects.filter(username__startswith="reviewer").order_by("pk")
        )
        Membership.objects.bulk_create(
            [
                Membership(organization=o, user=u)
                for o, u in zip(organizations, applicants, strict=True)
            ]
            + [
                Membership(organization=organizations[i], user=u)
                for i, u in enumerate(reviewers)
            ]
        )
        Reviewer.objects.bulk_create(Reviewer(call=call, user=u) for u in reviewers)
        Application.objects.bulk_create(
            Application(
                call=call,
                form_version=version,
                applicant=u,
                organization=o,
                state="in_review",
                submitted_at=now - timedelta(days=5),
            )
            for o, u in zip(organizations, applicants, strict=True)
        )

    with CaptureQueriesContext(connection) as queries:
        started = time.perf_counter()
        made = reviews_assign_automatically(actor=admin, call=call, per_application=3)
        elapsed = time.perf_counter() - started
    loads = [
        Review.objects.filter(reviewer=r, application__call=call).count()
        for r in reviewers
    ]
    print(
        f"assignment: {args.applications} applications x 3 of {args.reviewers} "
        f"reviewers: {made} reviews in {elapsed:.2f} s, {len(queries)} queries, "
        f"load {min(loads)}-{max(loads)} per reviewer"
    )

    criteria = list(call.review_criteria.all())
    reviews = list(Review.objects.filter(application__call=call))
    Review.objects.filter(application__call=call).update(
        state="submitted", submitted_at=now, recommendation="maybe"
    )
    Score.objects.bulk_create(
        Score(review=review, criterion=criterion, value=(review.pk + criterion.pk) % 6)
        for review in reviews
        for criterion in criteria
    )
    times = []
    for _ in range(args.runs):
        with CaptureQueriesContext(connection) as queries:
            started = time.perf_counter()
            score_matrix(call)
            times.append((time.perf_counter() - started) * 1000)
    times.sort()
    p95 = times[max(0, int(len(times) * 0.95) - 1)]
    print(
        f"score matrix: {args.applications} applications x {len(criteria)} "
        f"criteria, {len(reviews)} reviews: median {statistics.median(times):.0f} "
        f"ms, p95 {p95:.0f} ms, {len(queries)} queries"
    )
    if os.environ.get("BENCH_PROFILE"):
        import cProfile

        cProfile.runctx("score_matrix(call)", globals(), locals(), sort="cumtime")
    sys.stdout.flush()


if __name__ == "__main__":
    main()
