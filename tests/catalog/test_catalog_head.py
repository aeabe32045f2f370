from __future__ import annotations

import pytest
from django.test import Client

from allmende.accounts.models import User
from allmende.organizations.models import Organization
from tests.catalog.factories import PublishedDatasetFactory, add_table

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "fmt", ["original", "csv", "json", "parquet"], ids=lambda fmt: f"download.{fmt}"
)
def test_head_on_a_download_answers_like_get_without_a_body(
    org_member: User, organization: Organization, fmt: str
) -> None:
    dataset = PublishedDatasetFactory(organization=organization)
    resource = add_table(dataset, org_member)
    url = f"/datasets/{dataset.slug}/resources/{resource.pk}/v1/download.{fmt}"

    get = Client().get(url)
    head = Client().head(url)

    assert get.status_code == 200
    assert head.status_code == 200
    assert head["Content-Type"] == get["Content-Type"]
    assert head["Content-Disposition"] == get["Content-Disposition"]
    assert b"".join(head.streaming_content) == b""  # type: ignore[attr-defined]


@pytest.mark.parametrize("url", ["/catalog.ttl", "/events/feed.ics"])
def test_head_on_a_feed_answers_like_get_without_a_body(
    org_member: User, organization: Organization, url: str
) -> None:
    dataset = PublishedDatasetFactory(organization=organization)
    add_table(dataset, org_member)

    get = Client().get(url)
    head = Client().head(url)

    assert get.status_code == head.status_code == 200
    assert head["Content-Type"] == get["Content-Type"]
    assert head.content == b""


def test_head_on_a_dataset_feed_answers_like_get_without_a_body(
    org_member: User, organization: Organization
) -> None:
    dataset = PublishedDatasetFactory(organization=organization)
    url = f"/datasets/{dataset.slug}.ttl"

    head = Client().head(url)

    assert head.status_code == 200
    assert head["Content-Type"] == Client().get(url)["Content-Type"]
    assert head.content == b""
