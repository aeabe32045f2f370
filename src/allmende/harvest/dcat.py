"""Reading a DCAT catalog (DCAT-AP, DCAT-AP.de) in Turtle, RDF/XML or JSON-LD.

The format comes from the answer's content type, or from the address's
extension when the server sends a generic one. Catalogs paged with Hydra
(``hydra:next`` or ``hydra:nextPage`` of a ``hydra:PagedCollection`` or
``hydra:PartialCollectionView``) are followed page by page.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import date
from typing import Any
from urllib.parse import urljoin, urlsplit
from xml.sax import SAXParseException  # noqa: S406 (only the error class)
from xml.sax.handler import ContentHandler  # noqa: S406 (a handler that keeps nothing)

from defusedxml import sax as defused_sax
from defusedxml.common import (
    DTDForbidden,
    EntitiesForbidden,
    ExternalReferenceForbidden,
)
from django.conf import settings
from django.utils.translation import gettext_noop
from rdflib import BNode, Graph, Literal, Namespace, URIRef
from rdflib.namespace import DCAT, DCTERMS, FOAF, RDF, RDFS, SKOS
from rdflib.term import Node

from allmende.core import http
from allmende.harvest import records
from allmende.harvest.records import HarvestError, RemoteDataset, RemoteResource

HYDRA = Namespace("http://www.w3.org/ns/hydra/core#")
VCARD = Namespace("http://www.w3.org/2006/vcard/ns#")
LOCN = Namespace("http://www.w3.org/ns/locn#")
SCHEMA = Namespace("http://schema.org/")

ACCEPT = (
    "text/turtle, application/rdf+xml;q=0.9, application/ld+json;q=0.9, "
    "application/xml;q=0.5, */*;q=0.1"
)
CONTENT_TYPES = {
    "text/turtle": "turtle",
    "application/x-turtle": "turtle",
    "application/rdf+xml": "xml",
    "application/xml": "xml",
    "text/xml": "xml",
    "application/ld+json": "json-ld",
    "application/json": "json-ld",
}
EXTENSIONS = {
    "ttl": "turtle",
    "rdf": "xml",
    "xml": "xml",
    "owl": "xml",
    "jsonld": "json-ld",
    "json": "json-ld",
}
FORMAT_NAMES = {"turtle": "Turtle", "xml": "RDF/XML", "json-ld": "JSON-LD"}
LANGUAGES = {"DEU": "de", "GER": "de", "ENG": "en"}
MAX_PAGES = 10_000


def rdf_format(url: str, content_type: str) -> str:
    if content_type in CONTENT_TYPES:
        return CONTENT_TYPES[content_type]
    extension = urlsplit(url).path.rsplit(".", 1)[-1].lower()
    if extension in EXTENSIONS:
        return EXTENSIONS[extension]
    if content_type in ("text/html", "application/xhtml+xml"):
        raise HarvestError(
            gettext_noop(
                "{url} answered with a web page (HTML), not with a DCAT catalog. "
                "Please give the address of the catalog in Turtle, RDF/XML or "
                "JSON-LD."
            ),
            url=url,
        )
    raise HarvestError(
        gettext_noop(
            "{url} answered with “{content_type}”, which is not an RDF format "
            "(Turtle, RDF/XML or JSON-LD)."
        ),
        url=url,
        content_type=content_type or "–",
    )


def _remote_contexts(node: Any) -> Iterator[str]:
    """Every context of a JSON-LD document that names a document to load
    (``"@context": "https://…"``, in a list, or a context's ``@import``)."""
    if isinstance(node, list):
        for item in node:
            yield from _remote_contexts(item)
    elif isinstance(node, dict):
        for key, value in node.items():
            if key == "@context":
                contexts = value if isinstance(value, list) else [value]
                for context in contexts:
                    if isinstance(context, str):
                        yield context
                    elif isinstance(context, dict) and "@import" in context:
                        yield str(context["@import"])
            yield from _remote_contexts(value)


def check_safe(body: bytes, url: str, rdflib_format: str) -> None:
    """Refuse what would make the parser read other addresses or expand
    entities: rdflib loads a JSON-LD ``@context`` itself, outside every limit
    (and from ``file://`` too), and expands the entities of an XML document
    type declaration without bound."""
    if rdflib_format == "json-ld":
        try:
            document = json.loads(body)
        except ValueError:
            return  # rdflib reports what is wrong with it
        for context in _remote_contexts(document):
            raise HarvestError(
                gettext_noop(
                    "{url} uses the JSON-LD context {context}, which is not "
                    "loaded. Please include the context in the document."
                ),
                url=url,
                context=context[:300],
            )
    elif rdflib_format == "xml":
        try:
            # A streaming pass: nothing is kept, the declaration comes first.
            defused_sax.parseString(body, ContentHandler(), forbid_dtd=True)
        except (DTDForbidden, EntitiesForbidden, ExternalReferenceForbidden) as exc:
            raise HarvestError(
                gettext_noop(
                    "{url} has a document type declaration (DTD) with entities, "
                    "which is not read."
                ),
                url=url,
            ) from exc
        except SAXParseException:
            return  # rdflib reports what is wrong with it


def parse(body: bytes, url: str, content_type: str) -> Graph:
    rdflib_format = rdf_format(url, content_type)
    check_safe(body, url, rdflib_format)
    graph = Graph()
    try:
        graph.parse(data=body, format=rdflib_format, publicID=url)
    except Exception as exc:  # rdflib's parsers raise many kinds of errors
        raise HarvestError(
            gettext_noop("{url} could not be read as {format}: {error}"),
            url=url,
            format=FORMAT_NAMES[rdflib_format],
            error=str(exc)[:300] or type(exc).__name__,
        ) from exc
    return graph


def next_page(graph: Graph, url: str) -> str | None:
    """The next page's address from Hydra paging, if there is one."""
    candidates: list[str] = []
    for predicate in (HYDRA.next, HYDRA.nextPage):
        for subject, target in graph.subject_objects(predicate):
            if isinstance(target, URIRef):
                address = urljoin(url, str(target))
                # The node describing this page comes first.
                if str(subject) == url:
                    candidates.insert(0, address)
                else:
                    candidates.append(address)
    return candidates[0] if candidates else None


def read_pages(client: http.Client, url: str) -> Iterator[tuple[Graph, str]]:
    seen: set[str] = set()
    address: str | None = url
    while address is not None:
        if address in seen or len(seen) >= MAX_PAGES:
            break  # a loop in the paging, or an endless catalog
        seen.add(address)
        answer = client.get(
            address, accept=ACCEPT, max_bytes=settings.ALLMENDE_HARVEST_MAX_BYTES
        )
        graph = parse(answer.body, answer.url, answer.content_type)
        yield graph, answer.url
        address = next_page(graph, answer.url)


def datasets(client: http.Client, url: str) -> Iterator[RemoteDataset | int]:
    """Every dataset of the catalog; an ``int`` (the page number) starts a page."""
    for number, (graph, _url) in enumerate(read_pages(client, url), start=1):
        yield number
        subjects = sorted(set(graph.subjects(RDF.type, DCAT.Dataset)), key=str)
        for subject in subjects:
            try:
                yield read_dataset(graph, subject)
            except Exception as exc:  # one odd record must not end the run
                yield records.unreadable(str(subject), exc)


# --- one dataset ------------------------------------------------------------------


def _first(graph: Graph, subject: Node, *predicates: URIRef) -> Node | None:
    for predicate in predicates:
        for value in graph.objects(subject, predicate):
            return value
    return None


def _text(value: Node | None) -> str:
    return str(value).strip() if value is not None else ""


def _texts(graph: Graph, subject: Node, predicate: URIRef) -> list[tuple[str, str]]:
    return sorted(
        (str(value), value.language or "")
        for value in graph.objects(subject, predicate)
        if isinstance(value, Literal)
    )


def _date(value: Node | None) -> date | None:
    return records.parse_date(_text(value)) if isinstance(value, Literal) else None


def _label(graph: Graph, node: Node) -> str:
    value = _first(
        graph, node, SKOS.prefLabel, RDFS.label, LOCN.geographicName, DCTERMS.title
    )
    return _text(value)


def _licence_value(node: Node | None, graph: Graph) -> str:
    if isinstance(node, URIRef):
        return str(node)
    if isinstance(node, BNode):
        return _text(_first(graph, node, DCTERMS.identifier, DCTERMS.title))
    return _text(node)


def read_dataset(graph: Graph, subject: Node) -> RemoteDataset:
    if isinstance(subject, URIRef):
        remote_id = str(subject)
    else:
        remote_id = _text(_first(graph, subject, DCTERMS.identifier))
    remote = RemoteDataset(remote_id=remote_id[:500])
    notes = remote.notes
    fields: dict[str, Any] = remote.fields
    records.fill_texts(fields, "title", _texts(graph, subject, DCTERMS.title), 200)
    records.fill_texts(
        fields, "description", _texts(graph, subject, DCTERMS.description), 0
    )
    if not remote_id:
        remote.problem = records.message(
            gettext_noop("The dataset has no address and no identifier.")
        )
        return remote
    if not remote.title:
        remote.problem = records.message(gettext_noop("The dataset has no title."))
        return remote

    keywords: list[str] = []
    for value, _language in _texts(graph, subject, DCAT.keyword):
        keyword = records.clip(value, 60)
        if keyword and keyword not in keywords:
            keywords.append(keyword)
    fields["keywords"] = keywords
    remote.themes = records.theme_uris(
        sorted(str(v) for v in graph.objects(subject, DCAT.theme)), notes
    )

    landing = _first(graph, subject, DCAT.landingPage, FOAF.page)
    if isinstance(landing, URIRef) and records.is_web_url(str(landing)):
        remote.remote_url = str(landing)
    elif records.is_web_url(remote_id):
        remote.remote_url = remote_id
    remote.modified = records.parse_datetime(
        _text(_first(graph, subject, DCTERMS.modified))
    )
    remote.issued = records.parse_datetime(
        _text(_first(graph, subject, DCTERMS.issued))
    )

    start = end = None
    period = _first(graph, subject, DCTERMS.temporal)
    if period is not None:
        start = _date(_first(graph, period, DCAT.startDate, SCHEMA.startDate))
        end = _date(_first(graph, period, DCAT.endDate, SCHEMA.endDate))
    fields["temporal_start"], fields["temporal_end"] = records.valid_period(
        start, end, notes
    )

    place = _first(graph, subject, DCTERMS.spatial)
    if isinstance(place, Literal):
        records.spatial(fields, notes, str(place), "")
    elif place is not None:
        uri = str(place) if isinstance(place, URIRef) else ""
        records.spatial(fields, notes, _label(graph, place), uri)
    else:
        records.spatial(fields, notes, "", "")

    point = _first(graph, subject, DCAT.contactPoint)
    name = email = ""
    if point is not None:
        name = _text(_first(graph, point, VCARD.fn, VCARD["organization-name"]))
        email = _text(_first(graph, point, VCARD.hasEmail))
    records.contact(fields, notes, name, email)

    frequency = _first(graph, subject, DCTERMS.accrualPeriodicity)
    fields["update_frequency"] = records.frequency_uri(_text(frequency), notes)

    language = _text(_first(graph, subject, DCTERMS.language))
    code = language.rstrip("/").rsplit("/", 1)[-1].upper()
    fields["language"] = LANGUAGES.get(code) or ("de" if fields["title_de"] else "en")

    distributions = sorted(set(graph.objects(subject, DCAT.distribution)), key=str)
    licence_value = _licence_value(_first(graph, subject, DCTERMS.license), graph)
    if not licence_value:
        for node in distributions:
            licence_value = _licence_value(_first(graph, node, DCTERMS.license), graph)
            if licence_value:
                break
    fields["licence"] = records.licence(notes, licence_value)

    for node in distributions:
        resource = read_distribution(graph, node, fields, notes)
        if resource is not None:
            remote.resources.append(resource)
    return remote


def read_distribution(
    graph: Graph, node: Node, dataset_fields: dict[str, Any], notes: list[Any]
) -> RemoteResource | None:
    url = ""
    for predicate in (DCAT.downloadURL, DCAT.accessURL):
        for value in sorted(graph.objects(node, predicate), key=str):
            if records.is_web_url(str(value)):
                url = str(value)
                break
        if url:
            break
    if not url:
        notes.append(
            records.message(
                gettext_noop(
                    "A distribution without a web address (download or access "
                    "URL) was left out."
                )
            )
        )
        return None
    fields: dict[str, Any] = {"url": url}
    records.fill_texts(fields, "title", _texts(graph, node, DCTERMS.title), 200)
    records.fill_texts(
        fields, "description", _texts(graph, node, DCTERMS.description), 0
    )
    file_format = records.format_from(_text(_first(graph, node, DCTERMS.format)))
    if not file_format:
        file_format = records.format_from(_text(_first(graph, node, DCAT.mediaType)))
    fields["format"] = file_format
    if not fields["title_de"] and not fields["title_en"]:
        fields["title_de"] = records.clip(
            records.filename_of(url) or file_format.upper() or url, 200
        )
    licence_value = _licence_value(_first(graph, node, DCTERMS.license), graph)
    licence = ""
    if licence_value:
        licence = records.licence(notes, licence_value)
    fields["licence"] = "" if licence == dataset_fields["licence"] else licence
    key = str(node) if isinstance(node, URIRef) else url
    return RemoteResource(key=key[:500], fields=fields)
