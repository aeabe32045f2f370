"""The owner sees which recommended DCAT-AP.de details a dataset still lacks."""

from __future__ import annotations

import pytest

from allmende.accounts.models import User
from allmende.catalog import selectors
from allmende.catalog.quality import dataset_quality
from allmende.organizations.models import Organization
from tests.catalog.dcat_fixtures import full_dataset, minimal_dataset
from tests.catalog.factories import PublishedDatasetFactory
from tests.conftest import client_for

pytestmark = pytest.mark.django_db


def test_full_dataset_passes_every_check() -> None:
    dataset = full_dataset()
    quality = dataset_quality(dataset, selectors.dataset_resources(dataset=dataset))
    assert quality.missing == []
    assert quality.score == 100


def test_minimal_dataset_lists_what_is_missing() -> None:
    dataset = minimal_dataset()
    quality = dataset_quality(dataset, selectors.dataset_resources(dataset=dataset))
    assert [c.field for c in quality.missing] == [
        "description_de",
        "resources",
        "keywords",
        "themes",
        "contact_email",
        "spatial",
        "temporal_start",
        "update_frequency",
    ]
    # Only the link-format check passes (there are no links).
    assert quality.score == round(100 / 9)


def test_owner_sees_missing_details_with_links_to_the_fields(
    org_admin: User, organization: Organization
) -> None:
    dataset = PublishedDatasetFactory(organization=organization, keywords=["Rad"])
    page = client_for(org_admin).get(dataset.get_absolute_url()).content.decode()
    assert "Complete the description" in page
    assert f'href="/datasets/{dataset.slug}/edit/#id_themes_0"' in page
    assert f'href="/datasets/{dataset.slug}/edit/#id_keywords"' not in page
    assert f'href="/datasets/{dataset.slug}/resources/new/"' in page

    form = client_for(org_admin).get(f"/datasets/{dataset.slug}/edit/").content
    html = form.decode()
    assert 'href="#id_contact_email"' in html
    assert 'id="id_contact_email"' in html
    assert "(recommended)" in html


def test_visitors_see_the_score_but_not_the_to_do_list(user: User) -> None:
    dataset = minimal_dataset()
    page = client_for(user).get(dataset.get_absolute_url()).content.decode()
    assert "Complete the description" not in page
    assert "11 % (1 of 9 recommended details)" in page


def test_german_page_translates_the_checks(
    org_admin: User, organization: Organization
) -> None:
    dataset = PublishedDatasetFactory(organization=organization)
    client = client_for(org_admin)
    page = client.get(
        dataset.get_absolute_url(), HTTP_ACCEPT_LANGUAGE="de"
    ).content.decode()
    assert "Beschreibung vervollständigen" in page
