"""What a source may not make the harvester do: reach private addresses, load
other documents through the parser, or expand entities without bound."""

from __future__ import annotations

import json
import time
from typing import Any

import pytest

from allmende.accounts.models import User
from allmende.catalog.models import Dataset
from allmende.harvest import dcat
from allmende.harvest.models import HarvestRun
from allmende.harvest.records import HarvestError
from allmende.organizations.models import Organization
from tests.harvest.conftest import TESTDATA, Handler, harvest, make_source

pytestmark = pytest.mark.django_db

BILLION_LAUGHS = (TESTDATA / "bomb.rdf").read_bytes()


def test_a_source_on_a_private_address_is_refused_by_default(
    staff: User, organization: Organization, remote: str, settings: Any
) -> None:
    settings.ALLMENDE_FETCH_PRIVATE_ADDRESSES = False
    Handler.requests.clear()
    run = harvest(make_source(staff, organization, f"{remote}/catalog.ttl"), staff)
    assert run.status == HarvestRun.Status.FAILED
    assert "127.0.0.1 is not on the public internet" in run.error_text
    assert Handler.requests == []
    assert not Dataset.objects.exists()


def test_a_source_on_a_private_address_is_read_when_the_operator_allows_it(
    staff: User, organization: Organization, remote: str, settings: Any
) -> None:
    settings.ALLMENDE_FETCH_PRIVATE_ADDRESSES = True
    run = harvest(make_source(staff, organization, f"{remote}/catalog.rdf"), staff)
    assert run.status == HarvestRun.Status.SUCCEEDED, run.error_text
    assert Dataset.objects.exists()


def test_a_run_stops_at_its_total_time_limit(
    staff: User, organization: Organization, remote: str, settings: Any
) -> None:
    settings.ALLMENDE_HARVEST_TIMEOUT = 10.0
    settings.ALLMENDE_HARVEST_TOTAL_SECONDS = 0.5
    # The server answers after two seconds, within the time for one request
    # but not within the time for the whole run.
    run = harvest(make_source(staff, organization, f"{remote}/slow/catalog.rdf"), staff)
    assert run.status == HarvestRun.Status.FAILED
    assert "did not answer in time" in run.error_text


def _jsonld(context: Any) -> bytes:
    return json.dumps(
        {
            "@context": context,
            "@id": "https://daten.example.org/dataset/1",
            "@type": "http://www.w3.org/ns/dcat#Dataset",
        }
    ).encode()


@pytest.mark.parametrize(
    "context",
    [
        "{remote}/context.jsonld",
        ["{remote}/context.jsonld", {"dct": "http://purl.org/dc/terms/"}],
        {"@import": "{remote}/context.jsonld", "@version": 1.1},
        "file:///etc/hostname",
    ],
)
def test_a_remote_jsonld_context_is_refused_without_loading_it(
    remote: str, context: Any
) -> None:
    filled = json.loads(json.dumps(context).replace("{remote}", remote))
    Handler.requests.clear()
    with pytest.raises(HarvestError) as caught:
        dcat.parse(_jsonld(filled), f"{remote}/c.jsonld", "application/ld+json")
    assert "JSON-LD context" in str(caught.value)
    assert Handler.requests == []


def test_a_remote_context_further_down_is_refused(remote: str) -> None:
    document = {
        "@graph": [{"@id": "https://x.example/a", "@context": f"{remote}/c.jsonld"}]
    }
    Handler.requests.clear()
    with pytest.raises(HarvestError):
        dcat.parse(json.dumps(document).encode(), remote, "application/ld+json")
    assert Handler.requests == []


def test_an_inline_jsonld_context_is_read() -> None:
    body = _jsonld({"dcat": "http://www.w3.org/ns/dcat#"})
    graph = dcat.parse(body, "https://x.example/c.jsonld", "application/ld+json")
    assert len(graph) == 1


def test_an_xml_entity_bomb_is_refused_at_once() -> None:
    assert len(BILLION_LAUGHS) < 1000  # a few hundred bytes
    started = time.monotonic()
    with pytest.raises(HarvestError, match="document type declaration"):
        dcat.parse(BILLION_LAUGHS, "https://x.example/c.rdf", "application/rdf+xml")
    assert time.monotonic() - started < 0.5


def test_a_bomb_source_fails_the_run_with_a_clear_message(
    staff: User, organization: Organization, remote: str
) -> None:
    run = harvest(make_source(staff, organization, f"{remote}/bomb.rdf"), staff)
    assert run.status == HarvestRun.Status.FAILED
    assert "document type declaration" in run.error_text


def test_a_record_with_an_address_that_is_no_iri_is_reported_not_imported(
    staff: User, organization: Organization, remote: str
) -> None:
    source = make_source(staff, organization, f"{remote}/catalog-bad-address.jsonld")
    run = harvest(source, staff)
    assert run.status == HarvestRun.Status.SUCCEEDED, run.error_text
    assert (run.created, run.failed) == (1, 1)
    failed = run.entries.get(remote_id="https://json.example.org/dataset/schlecht")
    assert "characters a web address cannot contain" in failed.reason_texts[0]
    assert list(Dataset.objects.values_list("title_de", flat=True)) == ["Gute Adressen"]
