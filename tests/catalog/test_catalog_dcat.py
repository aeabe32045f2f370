"""The DCAT-AP.de addresses: per dataset, content negotiation and the paged catalog."""

from __future__ import annotations

import datetime
import json
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import DCAT, DCTERMS, RDF, XSD

from allmende.catalog import dcat
from allmende.catalog import formats as file_formats
from allmende.catalog.models import Dataset
from tests.catalog.dcat_fixtures import full_dataset
from tests.catalog.factories import DatasetFactory, PublishedDatasetFactory
from tests.organizations.factories import MembershipFactory

pytestmark = pytest.mark.django_db

HYDRA = dcat.HYDRA


def _graph(response: Any, rdf_format: str) -> Graph:
    return Graph().parse(data=response.content, format=rdf_format)


def test_dataset_in_three_serializations(client: Client, settings: Any) -> None:
    settings.ALLMENDE_DCAT_CONTRIBUTOR_ID = "freistaatSachsen"
    dataset = full_dataset()
    node = URIRef(settings.SITE_URL + dataset.get_absolute_url())
    for ext, rdf_format, content_type in (
        ("ttl", "turtle", "text/turtle"),
        ("rdf", "xml", "application/rdf+xml"),
        ("jsonld", "json-ld", "application/ld+json"),
    ):
        response = client.get(f"/datasets/{dataset.slug}.{ext}")
        assert response.status_code == 200
        assert response["Content-Type"].startswith(content_type)
        graph = _graph(response, rdf_format)
        assert (node, RDF.type, DCAT.Dataset) in graph
        title = Literal("Cycle paths in Leipzig", lang="en")
        assert (node, DCTERMS.title, title) in graph
        assert (
            node,
            dcat.DCATDE.contributorID,
            URIRef("http://dcat-ap.de/def/contributors/freistaatSachsen"),
        ) in graph
        distributions = list(graph.objects(node, DCAT.distribution))
        assert len(distributions) == 2
        formats = {graph.value(d, DCTERMS.format) for d in distributions}
        assert formats == {URIRef(file_formats.FILE_TYPE_BASE + "CSV")}
        sizes = [graph.value(d, DCAT.byteSize) for d in distributions]
        assert XSD.nonNegativeInteger in {getattr(s, "datatype", None) for s in sizes}
        assert (node, DCTERMS.accessRights, dcat.ACCESS_RIGHT.PUBLIC) in graph
        # The uploaded table is stable and complete; the link says nothing of that.
        availability = {graph.value(d, dcat.DCATAP.availability) for d in distributions}
        assert availability == {dcat.AVAILABILITY.STABLE, None}
        statuses = {graph.value(d, dcat.ADMS.status) for d in distributions}
        assert statuses == {dcat.DISTRIBUTION_STATUS.COMPLETED, None}


def test_unknown_extension_is_404(client: Client) -> None:
    dataset = PublishedDatasetFactory()
    assert client.get(f"/datasets/{dataset.slug}.txt").status_code == 404


@pytest.mark.parametrize(
    ("accept", "expected"),
    [
        ("text/turtle", "text/turtle"),
        ("application/rdf+xml", "application/rdf+xml"),
        ("application/ld+json", "application/ld+json"),
        ("text/html,application/xhtml+xml,*/*;q=0.8", "text/html"),
        ("text/turtle;q=0.5, text/html", "text/html"),
    ],
)
def test_content_negotiation(client: Client, accept: str, expected: str) -> None:
    dataset = PublishedDatasetFactory()
    response = client.get(dataset.get_absolute_url(), HTTP_ACCEPT=accept)
    assert response.status_code == 200
    assert response["Content-Type"].startswith(expected)
    assert "Accept" in response["Vary"]


def test_page_links_the_serializations(client: Client) -> None:
    dataset = PublishedDatasetFactory()
    html = client.get(dataset.get_absolute_url()).content.decode()
    for ext, content_type in (
        ("ttl", "text/turtle"),
        ("rdf", "application/rdf+xml"),
        ("jsonld", "application/ld+json"),
    ):
        assert (
            f'<link rel="alternate" type="{content_type}" '
            f'href="/datasets/{dataset.slug}.{ext}">'
        ) in html


@pytest.mark.parametrize("private", [True, False])
def test_hidden_dataset_is_404_for_strangers(client: Client, private: bool) -> None:
    dataset = PublishedDatasetFactory(is_private=True) if private else DatasetFactory()
    assert client.get(f"/datasets/{dataset.slug}.ttl").status_code == 404
    response = client.get(dataset.get_absolute_url(), HTTP_ACCEPT="text/turtle")
    assert response.status_code == 404
    member = MembershipFactory(organization=dataset.organization)
    client.force_login(member.user)
    assert client.get(f"/datasets/{dataset.slug}.ttl").status_code == 200


def test_catalog_lists_only_public_published(client: Client, settings: Any) -> None:
    shown = PublishedDatasetFactory()
    PublishedDatasetFactory(is_private=True)
    DatasetFactory()
    graph = _graph(client.get("/catalog.ttl"), "turtle")
    catalog = dcat.catalog_uri()
    assert (catalog, RDF.type, DCAT.Catalog) in graph
    assert set(graph.objects(catalog, DCAT.dataset)) == {dcat.dataset_uri(shown)}
    for ext in ("rdf", "jsonld"):
        assert client.get(f"/catalog.{ext}").status_code == 200
    json.loads(client.get("/catalog.jsonld").content)


def test_catalog_is_paged_with_hydra(client: Client, settings: Any) -> None:
    settings.ALLMENDE_DCAT_PAGE_SIZE = 2
    PublishedDatasetFactory.create_batch(5)
    base = settings.SITE_URL + "/catalog.ttl?page="
    graph = _graph(client.get("/catalog.ttl?page=2"), "turtle")
    page = URIRef(base + "2")
    assert (page, RDF.type, HYDRA.PagedCollection) in graph
    assert graph.value(page, HYDRA.totalItems).toPython() == 5
    assert graph.value(page, HYDRA.itemsPerPage).toPython() == 2
    assert graph.value(page, HYDRA.firstPage) == URIRef(base + "1")
    assert graph.value(page, HYDRA.previousPage) == URIRef(base + "1")
    assert graph.value(page, HYDRA.nextPage) == URIRef(base + "3")
    assert graph.value(page, HYDRA.lastPage) == URIRef(base + "3")
    assert len(set(graph.objects(dcat.catalog_uri(), DCAT.dataset))) == 2
    assert client.get("/catalog.ttl?page=9").status_code == 404


def test_catalog_modified_since(client: Client) -> None:
    old = PublishedDatasetFactory()
    new = PublishedDatasetFactory()
    Dataset.objects.filter(pk=old.pk).update(
        modified_at=timezone.now() - datetime.timedelta(days=30)
    )
    since = (timezone.now() - datetime.timedelta(days=1)).date().isoformat()
    graph = _graph(client.get(f"/catalog.ttl?modified_since={since}"), "turtle")
    assert set(graph.objects(dcat.catalog_uri(), DCAT.dataset)) == {
        dcat.dataset_uri(new)
    }


def test_catalog_refuses_a_bad_date(client: Client) -> None:
    response = client.get("/catalog.ttl?modified_since=gestern")
    assert response.status_code == 400
    assert b"modified_since" in response.content
    assert b"ISO 8601" in response.content


def test_catalog_query_count_is_constant(client: Client) -> None:
    full_dataset()

    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert client.get("/catalog.ttl").status_code == 200
        return len(queries)

    one = count()
    full_dataset()
    full_dataset()
    assert count() == one
