from __future__ import annotations

import pytest

from allmende.accounts.models import User
from allmende.helpdesk.models import Category
from tests.accounts.factories import UserFactory
from tests.helpdesk.factories import CategoryFactory


@pytest.fixture(autouse=True)
def _helpdesk_address(settings: object) -> None:
    settings.ALLMENDE_HELPDESK_ADDRESS = "hilfe@example.org"  # type: ignore[attr-defined]


@pytest.fixture
def category(db: None) -> Category:
    return CategoryFactory()


@pytest.fixture
def agent(category: Category) -> User:
    person = UserFactory()
    category.agents.add(person)
    return person
