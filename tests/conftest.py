from __future__ import annotations

import pytest
from django.test import Client

from allmende.accounts.models import User
from allmende.organizations.models import Membership, Organization
from tests.accounts.factories import StaffFactory, UserFactory
from tests.organizations.factories import MembershipFactory, OrganizationFactory


@pytest.fixture(autouse=True)
def _english_by_default(settings: object) -> None:
    """Tests read messages in English unless they ask for German."""
    settings.LANGUAGE_CODE = "en"  # type: ignore[attr-defined]


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
    return MembershipFactory(
        organization=organization, role=Membership.Role.ADMIN
    ).user


@pytest.fixture
def org_member(organization: Organization) -> User:
    return MembershipFactory(organization=organization).user


def client_for(user: User | None) -> Client:
    client = Client()
    if user is not None:
        client.force_login(user)
    return client
