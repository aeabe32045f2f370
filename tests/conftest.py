from __future__ import annotations

import os
from collections.abc import Sequence
from typing import Any

import pytest
from django.core.cache import cache
from django.test import Client

from allmende.accounts.models import User
from allmende.organizations.models import Membership, Organization
from tests.accounts.factories import StaffFactory, UserFactory
from tests.organizations.factories import MembershipFactory, OrganizationFactory

# Real mail servers (Dovecot, SMTP) as fixtures for every test folder.
pytest_plugins = ["tests.helpdesk.mail.servers", "tests.s3_server"]


def pytest_configure(config: pytest.Config) -> None:
    _empty_postgresql_tables_by_delete()


def _empty_postgresql_tables_by_delete() -> None:
    """Empty the tables after a transactional test with DELETE, not TRUNCATE.

    Django empties every table after each test that commits (browser tests,
    tests of concurrency). On PostgreSQL one TRUNCATE of some 200 tables gives
    each a new file on disk, which costs seconds per test; deleting the few
    rows a test wrote costs milliseconds. The foreign keys Django creates are
    checked at commit (DEFERRABLE INITIALLY DEFERRED) and the flush runs in
    one transaction, so the order of the tables does not matter. Sequences
    are reset by TRUNCATE as before where a test asks for it.
    """
    from django.db.backends.postgresql.operations import DatabaseOperations

    truncate = DatabaseOperations.sql_flush

    def sql_flush(
        self: DatabaseOperations,
        style: Any,
        tables: Sequence[str],
        *,
        reset_sequences: bool = False,
        allow_cascade: bool = False,
    ) -> list[str]:
        if reset_sequences or not tables:
            return truncate(
                self,
                style,
                tables,
                reset_sequences=reset_sequences,
                allow_cascade=allow_cascade,
            )
        return [
            f"{style.SQL_KEYWORD('DELETE FROM')} "
            f"{style.SQL_FIELD(self.quote_name(table))};"
            for table in tables
        ]

    DatabaseOperations.sql_flush = sql_flush  # type: ignore[method-assign]


def pytest_collection_modifyitems(
    config: pytest.Config, items: list[pytest.Item]
) -> None:
    """With ``ALLMENDE_TESTS_DATABASE_ONLY`` set, keep only tests that use a database.

    ``make test`` runs the suite on SQLite and then on PostgreSQL; a test that
    never touches the database says nothing new the second time, so the second
    run keeps only the tests whose fixtures reach ``django_db_setup``, without
    those marked ``any_database``.
    """
    if not os.environ.get("ALLMENDE_TESTS_DATABASE_ONLY"):
        return
    keep: list[pytest.Item] = []
    skipped: list[pytest.Item] = []
    for item in items:
        uses_db = item.get_closest_marker("django_db") is not None or (
            "django_db_setup" in getattr(item, "fixturenames", ())
        )
        # Layout and accessibility checks read pages whose markup does not
        # depend on the engine; what the engine decides is tested by the rest.
        engine_free = item.get_closest_marker("any_database") is not None
        (keep if uses_db and not engine_free else skipped).append(item)
    if skipped:
        config.hook.pytest_deselected(items=skipped)
        items[:] = keep


@pytest.fixture(autouse=True)
def _test_defaults(settings: object) -> None:
    """English messages unless a test asks for German; mail through jobs.

    Django's test set-up replaces EMAIL_BACKEND with its in-memory backend; this
    puts the platform's queued backend back, so every message goes through the
    job queue and arrives in ``mail.outbox`` from the job.
    """
    settings.LANGUAGE_CODE = "en"  # type: ignore[attr-defined]
    # Rate limits (allauth) and cached values must not carry over between tests.
    cache.clear()
    settings.EMAIL_BACKEND = "allmende.core.mail.QueuedEmailBackend"  # type: ignore[attr-defined]


@pytest.fixture
def user(db: None) -> User:
    return UserFactory()


@pytest.fixture
def staff(db: None) -> User:
    return StaffFactory()


@pytest.fixture
def organization(db: None) -> Organization:
    return OrganizationFactory()


@pytest.fixture
def org_admin(organization: Organization) -> User:
    return MembershipFactory(organization=organization, role=Membership.Role.ADMIN).user


@pytest.fixture
def org_member(organization: Organization) -> User:
    return MembershipFactory(organization=organization).user


def client_for(user: User | None) -> Client:
    client = Client()
    if user is not None:
        client.force_login(user)
    return client
