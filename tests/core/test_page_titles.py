"""Every page's <title>: "Page – Allmende", each part once."""

from __future__ import annotations

import re

import pytest
from django.test import Client

from allmende.accounts.models import User
from allmende.organizations.models import Organization
from tests.catalog.factories import PublishedDatasetFactory, add_table

pytestmark = pytest.mark.django_db


def title_of(client: Client, path: str) -> str:
    response = client.get(path, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code in (200, 404), path
    match = re.search(r"<title>(.*?)</title>", response.content.decode(), re.S)
    assert match, path
    return match.group(1)


def test_titles_separate_the_page_from_the_site_name(client: Client) -> None:
    assert title_of(client, "/") == "Start – Allmende"
    assert title_of(client, "/accounts/login/") == "Sign In – Allmende"
    assert title_of(client, "/does-not-exist/") == "Page not found – Allmende"


def test_a_resource_named_like_its_dataset_is_named_once(
    client: Client, org_member: User, organization: Organization
) -> None:
    dataset = PublishedDatasetFactory(organization=organization, title_de="Städte")
    resource = add_table(dataset, org_member, title="Städte")
    assert title_of(client, resource.get_absolute_url()) == "Städte – Allmende"
    assert (
        title_of(client, f"/datasets/{dataset.slug}/history/")
        == "Change history – Städte – Allmende"
    )
