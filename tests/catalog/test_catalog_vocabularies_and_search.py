from __future__ import annotations

import os
import re
from pathlib import Path

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from allmende.accounts.models import User
from allmende.catalog import services
from allmende.catalog.models import DatasetTheme
from allmende.catalog.vocabularies import LICENCES, THEMES
from allmende.organizations.models import Organization
from tests.catalog.factories import PublishedDatasetFactory, add_table
from tests.organizations.factories import OrganizationFactory

# The official DCAT-AP.de licence list lies next to the repository, not in it.
LICENCE_LIST = (
    Path(__file__).resolve().parents[3]
    / "shared"
    / "dcat-ap-de"
    / "dcat-ap-de-licenses-open.rdf"
)


def test_every_licence_uri_is_in_the_dcat_ap_de_licence_list() -> None:
    if not LICENCE_LIST.exists():
        if os.environ.get("CI") == "true":
            pytest.fail(f"the DCAT-AP.de licence list is missing: {LICENCE_LIST}")
        pytest.skip("the DCAT-AP.de licence list is not beside this checkout")
    published = set(re.findall(r'rdf:about="([^"]+)"', LICENCE_LIST.read_text()))
    missing = [term.uri for term in LICENCES if term.uri not in published]
    assert missing == []


def test_themes_are_the_thirteen_eu_data_themes() -> None:
    assert [t.code for t in THEMES] == [
        "AGRI", "ECON", "EDUC", "ENER", "ENVI", "GOVE", "HEAL", "INTR", "JUST",
        "REGI", "SOCI", "TECH", "TRAN",
    ]  # fmt: skip


@pytest.mark.django_db
def test_search_page_finds_by_text_and_facets(
    org_member: User, organization: Organization
) -> None:
    water = PublishedDatasetFactory(
        organization=organization, title_de="Wasserqualität der Seen"
    )
    services.dataset_index(water)
    DatasetTheme.objects.create(dataset=water, theme=THEMES[4].uri)
    other = PublishedDatasetFactory(title_de="Radwege", licence=LICENCES[2].uri)
    services.dataset_index(other)
    html = Client().get("/datasets/?q=wasser").content.decode()
    assert "Wasserqualität" in html and "Radwege" not in html
    html = Client().get(f"/datasets/?licence={LICENCES[2].uri}").content.decode()
    assert "Radwege" in html and "Wasserqualität" not in html
    html = Client().get(f"/datasets/?theme={THEMES[4].uri}").content.decode()
    assert "Wasserqualität" in html and "Radwege" not in html
    html = Client().get(f"/datasets/?organization={organization.slug}").content.decode()
    assert "Wasserqualität" in html and "Radwege" not in html


@pytest.mark.django_db
def test_search_page_query_count_does_not_grow_with_datasets(
    org_member: User, organization: Organization
) -> None:
    def count_queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert Client().get("/datasets/").status_code == 200
        return len(captured)

    dataset = PublishedDatasetFactory(organization=organization)
    add_table(dataset, org_member)
    DatasetTheme.objects.create(dataset=dataset, theme=THEMES[0].uri)
    few = count_queries()
    for _ in range(8):
        extra = PublishedDatasetFactory(organization=OrganizationFactory())
        DatasetTheme.objects.create(dataset=extra, theme=THEMES[1].uri)
    assert count_queries() == few
    assert few <= 12
