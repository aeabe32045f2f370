from __future__ import annotations

import pytest
from django.core.cache import cache
from django.test import Client

from allmende.accounts.models import User
from allmende.organizations.models import Membership, Organization
from tests.accounts.factories import StaffFactory, UserFactory
from tests.organizations.factories import MembershipFactory, OrganizationFactory


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
