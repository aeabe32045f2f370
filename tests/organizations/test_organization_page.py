"""An organization's page lists its upcoming events and the datasets one may see."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from allmende.accounts.models import User
from allmende.organizations.models import Organization
from tests.catalog.factories import DatasetFactory, PublishedDatasetFactory
from tests.conftest import client_for
from tests.events.factories import EventFactory

pytestmark = pytest.mark.django_db


def test_organization_page_lists_upcoming_events_and_visible_datasets(
    organization: Organization, org_member: User, django_assert_max_num_queries: Any
) -> None:
    for number in range(5):
        EventFactory(
            organization=organization,
            title_de=f"Treffen {number}",
            title_en=f"Treffen {number}",
        )
        PublishedDatasetFactory(organization=organization, title_de=f"Daten {number}")
    EventFactory(organization=organization, title_en="Entwurf", status="draft")
    EventFactory(
        organization=organization,
        title_en="Vorbei",
        starts_at=timezone.now() - timedelta(days=3),
        ends_at=timezone.now() - timedelta(days=2),
    )
    PublishedDatasetFactory(
        organization=organization, title_de="Intern", is_private=True
    )
    DatasetFactory(organization=organization, title_de="Halbfertig")

    anonymous = client_for(None)
    with django_assert_max_num_queries(12):
        page = anonymous.get(organization.get_absolute_url()).content.decode()
    for number in range(5):
        assert f"Treffen {number}" in page
        assert f"Daten {number}" in page
    for hidden in ("Entwurf", "Vorbei", "Intern", "Halbfertig"):
        assert hidden not in page
    assert (
        "Intern"
        in client_for(org_member).get(organization.get_absolute_url()).content.decode()
    )


def test_organization_page_queries_stay_constant_with_more_events_and_datasets(
    organization: Organization, org_admin: User
) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = client_for(org_admin)

    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert client.get(organization.get_absolute_url()).status_code == 200
        return len(queries)

    EventFactory(organization=organization)
    PublishedDatasetFactory(organization=organization)
    few = count()
    for _ in range(8):
        EventFactory(organization=organization)
        PublishedDatasetFactory(organization=organization)
    assert count() == few
