"""Web addresses that are no valid IRIs: refused where they enter, and left out
of the DCAT feeds when one is stored already."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from rdflib import Graph, URIRef
from rdflib.namespace import DCAT, DCTERMS, FOAF

from allmende.catalog.forms import DatasetForm, ResourceForm
from allmende.catalog.models import Dataset, Resource
from allmende.core.iri import validate_iri
from allmende.organizations.forms import OrganizationForm
from allmende.organizations.models import Organization
from tests.catalog.dcat_fixtures import full_dataset

pytestmark = pytest.mark.django_db

BAD = 'https://verein.example.org/a"b{c}'


@pytest.mark.parametrize(
    "value",
    [
        'https://example.org/"x"',
        "https://example.org/{x}",
        "https://example.org/a|b",
        "https://example.org/a\\b",
        "https://example.org/a^b",
        "https://example.org/a`b",
        "https://example.org/<x>",
        "https://example.org/a b",
        "https://example.org/a\u0085b",
    ],
)
def test_characters_no_iri_contains_are_refused(value: str) -> None:
    with pytest.raises(ValidationError):
        validate_iri(value)


@pytest.mark.parametrize(
    "value",
    ["https://de.wikipedia.org/wiki/Straße", "https://example.org/a%22b?x=1&y=2#z"],
)
def test_iris_with_letters_and_encoded_characters_are_accepted(value: str) -> None:
    validate_iri(value)


@pytest.mark.parametrize(
    "value", ['https://example.org/"x"', "https://example.org/{x}"]
)
def test_forms_refuse_addresses_that_are_no_iri(value: str) -> None:
    organization = OrganizationForm(data={"website": value})
    assert "website" in organization.errors
    resource = ResourceForm(data={"url": value})
    assert "url" in resource.errors
    dataset = DatasetForm(data={"spatial_uri": value})
    assert "spatial_uri" in dataset.errors


def test_model_validation_refuses_an_address_that_is_no_iri() -> None:
    dataset = full_dataset()
    link = dataset.resources.get(kind=Resource.Kind.LINK)
    link.url = BAD
    with pytest.raises(ValidationError) as caught:
        link.full_clean()
    assert "url" in caught.value.message_dict


@pytest.mark.parametrize(
    ("ext", "rdf_format"),
    [("ttl", "turtle"), ("rdf", "xml"), ("jsonld", "json-ld")],
)
def test_feeds_leave_out_a_stored_address_that_is_no_iri(
    client: Client, settings: Any, ext: str, rdf_format: str
) -> None:
    dataset = full_dataset()
    # Stored before addresses were checked: written past every validation.
    Organization.objects.filter(pk=dataset.organization_id).update(website=BAD)
    Dataset.objects.filter(pk=dataset.pk).update(spatial_uri=BAD)
    Resource.objects.filter(dataset=dataset, kind=Resource.Kind.LINK).update(url=BAD)
    node = URIRef(settings.SITE_URL + dataset.get_absolute_url())

    for address in (f"/datasets/{dataset.slug}.{ext}", f"/catalog.{ext}"):
        response = client.get(address)
        assert response.status_code == 200, address
        assert b"verein.example.org/a" not in response.content
        graph = Graph().parse(data=response.content, format=rdf_format)
        assert (node, DCAT.distribution, None) in graph
        # Every distribution keeps an access address (DCAT-AP requires one).
        for distribution in graph.objects(node, DCAT.distribution):
            assert graph.value(distribution, DCAT.accessURL) is not None
        publisher = graph.value(node, DCTERMS.publisher)
        assert publisher is not None
        assert graph.value(publisher, FOAF.homepage) is None
