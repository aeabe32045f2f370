"""The catalog in DCAT-AP.de 3.0: RDF graphs of datasets and of the whole catalog.

Every node has a stable URI under ``settings.SITE_URL``: the catalog is the
search page, a dataset its page, a distribution its resource page and a
publisher its organization page. Vocabulary values are stored as URIs already
(see :mod:`allmende.catalog.vocabularies`) and are used as they are.

``dcatde:maintainer`` and ``dcatde:originator`` are deprecated in DCAT-AP.de
3.0; the contact point and the publisher carry that information instead.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, datetime

from django.conf import settings
from django.urls import reverse
from rdflib import Graph, Literal, Namespace, URIRef
from rdflib.namespace import DCAT, DCTERMS, FOAF, RDF, XSD

from allmende.catalog import formats
from allmende.catalog.models import Dataset, Resource, ResourceVersion
from allmende.core.iri import is_iri
from allmende.core.site import site_url
from allmende.organizations.models import Organization

DCATDE = Namespace("http://dcat-ap.de/def/dcatde/")
SPDX = Namespace("http://spdx.org/rdf/terms#")
VCARD = Namespace("http://www.w3.org/2006/vcard/ns#")
HYDRA = Namespace("http://www.w3.org/ns/hydra/core#")
LOCN = Namespace("http://www.w3.org/ns/locn#")
SKOS = Namespace("http://www.w3.org/2004/02/skos/core#")
ADMS = Namespace("http://www.w3.org/ns/adms#")
DCATAP = Namespace("http://data.europa.eu/r5r/")

CONTRIBUTOR_BASE = "http://dcat-ap.de/def/contributors/"
LANGUAGE_BASE = "http://publications.europa.eu/resource/authority/language/"
MEDIA_TYPE_BASE = "https://www.iana.org/assignments/media-types/"
ACCESS_RIGHT = Namespace(
    "http://publications.europa.eu/resource/authority/access-right/"
)
AVAILABILITY = Namespace(
    "http://publications.europa.eu/resource/authority/planned-availability/"
)
DISTRIBUTION_STATUS = Namespace(
    "http://publications.europa.eu/resource/authority/distribution-status/"
)

LANGUAGES = {"de": "DEU", "en": "ENG"}

# Serializations: file extension -> (rdflib format, content type).
FORMATS = {
    "ttl": ("turtle", "text/turtle"),
    "rdf": ("pretty-xml", "application/rdf+xml"),
    "jsonld": ("json-ld", "application/ld+json"),
}
CONTENT_TYPES = {content_type: ext for ext, (_, content_type) in FORMATS.items()}


@dataclass(frozen=True)
class Related:
    """A page of another module a dataset belongs to (a project it is a
    result of): written as ``dct:relation`` and linked from the dataset page."""

    path: str
    label: str


# Other modules say what datasets are related to without the catalog knowing
# them: a provider takes dataset ids and answers, per id, its related pages,
# in one query whatever the number of datasets. Registered in ``ready()``.
RelationProvider = Callable[[list[int]], dict[int, list[Related]]]
_relation_providers: list[RelationProvider] = []


def register_relations(provider: RelationProvider) -> None:
    if provider not in _relation_providers:
        _relation_providers.append(provider)


def related_pages(dataset_ids: Iterable[int]) -> dict[int, list[Related]]:
    ids = list(dataset_ids)
    found: dict[int, list[Related]] = {}
    if not ids:
        return found
    for provider in _relation_providers:
        for dataset_id, pages in provider(ids).items():
            found.setdefault(dataset_id, []).extend(pages)
    return found


def absolute(path: str) -> URIRef:
    return URIRef(site_url() + path)


def catalog_uri() -> URIRef:
    return absolute(reverse("catalog:index"))


def dataset_uri(dataset: Dataset) -> URIRef:
    return absolute(dataset.get_absolute_url())


def organization_uri(organization: Organization) -> URIRef:
    return absolute(organization.get_absolute_url())


def contributor_id() -> URIRef | None:
    """``ALLMENDE_DCAT_CONTRIBUTOR_ID`` as a URI: a full URI or a code of the list."""
    value = getattr(settings, "ALLMENDE_DCAT_CONTRIBUTOR_ID", "")
    if not value:
        return None
    return URIRef(value if ":" in value else CONTRIBUTOR_BASE + value)


def new_graph() -> Graph:
    graph = Graph()
    graph.bind("dcat", DCAT)
    graph.bind("dct", DCTERMS)
    graph.bind("foaf", FOAF)
    graph.bind("dcatde", DCATDE)
    graph.bind("spdx", SPDX)
    graph.bind("vcard", VCARD)
    graph.bind("hydra", HYDRA)
    graph.bind("locn", LOCN)
    graph.bind("skos", SKOS)
    return graph


def _datetime(value: datetime) -> Literal:
    return Literal(value.isoformat(), datatype=XSD.dateTime)


def _date(value: date) -> Literal:
    return Literal(value.isoformat(), datatype=XSD.date)


def _texts(
    graph: Graph, subject: URIRef, predicate: URIRef, german: str, english: str
) -> None:
    for text, language in ((german, "de"), (english, "en")):
        if text:
            graph.add((subject, predicate, Literal(text, lang=language)))


def _iri(value: str) -> URIRef | None:
    """``value`` as a node, or ``None`` for a stored value that is no valid IRI
    (from before addresses were checked): it is left out rather than making the
    whole document fail."""
    return URIRef(value) if value and is_iri(value) else None


def _add_iri(graph: Graph, subject: URIRef, predicate: URIRef, value: str) -> None:
    node = _iri(value)
    if node is not None:
        graph.add((subject, predicate, node))


def add_agent(graph: Graph, organization: Organization) -> URIRef:
    agent = organization_uri(organization)
    graph.add((agent, RDF.type, FOAF.Agent))
    graph.add((agent, FOAF.name, Literal(organization.name)))
    if organization.website:
        _add_iri(graph, agent, FOAF.homepage, organization.website)
    if organization.email:
        _add_iri(graph, agent, FOAF.mbox, "mailto:" + organization.email)
    return agent


def _contact_point(graph: Graph, dataset: Dataset) -> None:
    organization = dataset.organization
    email = dataset.contact_email or organization.email
    contact = URIRef(dataset_uri(dataset) + "#contact")
    graph.add((dataset_uri(dataset), DCAT.contactPoint, contact))
    graph.add((contact, RDF.type, VCARD.Kind))
    graph.add((contact, RDF.type, VCARD.Organization))
    graph.add((contact, VCARD.fn, Literal(dataset.contact_name or organization.name)))
    if email:
        _add_iri(graph, contact, VCARD.hasEmail, "mailto:" + email)
    # The organization's page lists how to reach it, with or without an e-mail.
    graph.add((contact, VCARD.hasURL, organization_uri(organization)))


def _spatial(graph: Graph, subject: URIRef, dataset: Dataset) -> None:
    if not (dataset.spatial_uri or dataset.spatial):
        return
    location = _iri(dataset.spatial_uri) or URIRef(subject + "#spatial")
    graph.add((subject, DCTERMS.spatial, location))
    graph.add((location, RDF.type, DCTERMS.Location))
    if dataset.spatial:
        graph.add((location, SKOS.prefLabel, Literal(dataset.spatial)))


def _temporal(graph: Graph, subject: URIRef, dataset: Dataset) -> None:
    if dataset.temporal_start is None and dataset.temporal_end is None:
        return
    period = URIRef(subject + "#temporal")
    graph.add((subject, DCTERMS.temporal, period))
    graph.add((period, RDF.type, DCTERMS.PeriodOfTime))
    if dataset.temporal_start is not None:
        graph.add((period, DCAT.startDate, _date(dataset.temporal_start)))
    if dataset.temporal_end is not None:
        graph.add((period, DCAT.endDate, _date(dataset.temporal_end)))


def add_distribution(graph: Graph, dataset: Dataset, resource: Resource) -> URIRef:
    node = absolute(resource.get_absolute_url())
    graph.add((node, RDF.type, DCAT.Distribution))
    _texts(graph, node, DCTERMS.title, resource.title_de, resource.title_en)
    description = (resource.description_de, resource.description_en)
    _texts(graph, node, DCTERMS.description, *description)
    _add_iri(graph, node, DCTERMS.license, resource.licence or dataset.licence)
    graph.add((node, DCTERMS.issued, _datetime(resource.created_at)))
    graph.add((node, DCTERMS.modified, _datetime(resource.modified_at)))
    version: ResourceVersion | None = resource.current_version
    file_format = resource.format
    if resource.kind == Resource.Kind.LINK:
        graph.add((node, DCAT.accessURL, _iri(resource.url) or node))
    else:
        graph.add((node, DCAT.accessURL, node))
    if version is not None and version.original:
        download = reverse(
            "catalog:download",
            kwargs={
                "slug": dataset.slug,
                "pk": resource.pk,
                "number": version.number,
                "fmt": "original",
            },
        )
        graph.add((node, DCAT.downloadURL, absolute(download)))
        graph.add(
            (
                node,
                DCAT.byteSize,
                Literal(version.byte_size, datatype=XSD.nonNegativeInteger),
            )
        )
        if version.media_type:
            graph.add(
                (node, DCAT.mediaType, URIRef(MEDIA_TYPE_BASE + version.media_type))
            )
        if version.checksum_sha256:
            checksum = URIRef(node + "#checksum")
            graph.add((node, SPDX.checksum, checksum))
            graph.add((checksum, RDF.type, SPDX.Checksum))
            graph.add((checksum, SPDX.algorithm, SPDX.checksumAlgorithm_sha256))
            graph.add(
                (
                    checksum,
                    SPDX.checksumValue,
                    Literal(version.checksum_sha256, datatype=XSD.hexBinary),
                )
            )
        file_format = version.format or file_format
        # Every version stays downloadable at its address.
        graph.add((node, DCATAP.availability, AVAILABILITY.STABLE))
        if version.has_table:
            graph.add((node, ADMS.status, DISTRIBUTION_STATUS.COMPLETED))
    file_type = formats.file_type_uri(file_format)
    if file_type:
        graph.add((node, DCTERMS.format, URIRef(file_type)))
    return node


def add_dataset(
    graph: Graph,
    dataset: Dataset,
    resources: Iterable[Resource],
    related: Iterable[Related] = (),
) -> URIRef:
    node = dataset_uri(dataset)
    graph.add((node, RDF.type, DCAT.Dataset))
    _texts(graph, node, DCTERMS.title, dataset.title_de, dataset.title_en)
    # dct:description is mandatory; a dataset without one is described by its title.
    if dataset.description_de or dataset.description_en:
        description = (dataset.description_de, dataset.description_en)
    else:
        description = (dataset.title_de, dataset.title_en)
    _texts(graph, node, DCTERMS.description, *description)
    graph.add((node, DCTERMS.identifier, Literal(str(node))))
    graph.add((node, DCTERMS.publisher, add_agent(graph, dataset.organization)))
    graph.add((node, DCAT.landingPage, node))
    _contact_point(graph, dataset)
    for keyword in dataset.keywords:
        graph.add((node, DCAT.keyword, Literal(keyword)))
    for theme in dataset.themes.all():
        _add_iri(graph, node, DCAT.theme, theme.theme)
    _temporal(graph, node, dataset)
    _spatial(graph, node, dataset)
    if dataset.update_frequency:
        _add_iri(graph, node, DCTERMS.accrualPeriodicity, dataset.update_frequency)
    if dataset.issued_at is not None:
        graph.add((node, DCTERMS.issued, _datetime(dataset.issued_at)))
    graph.add((node, DCTERMS.modified, _datetime(dataset.modified_at)))
    access = ACCESS_RIGHT.NON_PUBLIC if dataset.is_private else ACCESS_RIGHT.PUBLIC
    graph.add((node, DCTERMS.accessRights, access))
    if dataset.language in LANGUAGES:
        graph.add(
            (
                node,
                DCTERMS.language,
                URIRef(LANGUAGE_BASE + LANGUAGES[dataset.language]),
            )
        )
    contributor = contributor_id()
    if contributor is not None:
        graph.add((node, DCATDE.contributorID, contributor))
    for page in related:
        graph.add((node, DCTERMS.relation, absolute(page.path)))
    for resource in resources:
        graph.add((node, DCAT.distribution, add_distribution(graph, dataset, resource)))
    return node


def add_catalog(graph: Graph) -> URIRef:
    node = catalog_uri()
    graph.add((node, RDF.type, DCAT.Catalog))
    name = settings.SITE_NAME
    graph.add((node, DCTERMS.title, Literal(f"{name} – Offene Daten", lang="de")))
    graph.add((node, DCTERMS.title, Literal(f"{name} – open data", lang="en")))
    graph.add(
        (
            node,
            DCTERMS.description,
            Literal(
                f"Offene Daten zivilgesellschaftlicher Organisationen auf {name}.",
                lang="de",
            ),
        )
    )
    graph.add(
        (
            node,
            DCTERMS.description,
            Literal(f"Open data of civil-society organizations on {name}.", lang="en"),
        )
    )
    publisher = absolute("/#publisher")
    graph.add((publisher, RDF.type, FOAF.Agent))
    graph.add((publisher, FOAF.name, Literal(name)))
    graph.add((node, DCTERMS.publisher, publisher))
    graph.add((node, FOAF.homepage, absolute("/")))
    return node


def dataset_graph(dataset: Dataset, resources: Iterable[Resource]) -> Graph:
    """One dataset with its distributions, linked to the catalog."""
    graph = new_graph()
    related = related_pages([dataset.pk]).get(dataset.pk, [])
    node = add_dataset(graph, dataset, resources, related)
    graph.add((add_catalog(graph), DCAT.dataset, node))
    return graph


@dataclass(frozen=True)
class PageInfo:
    """Where one page of the catalog is and how it relates to the others."""

    uri: str
    total_items: int
    items_per_page: int
    first: str
    last: str
    previous: str | None = None
    next: str | None = None


def catalog_graph(datasets: Iterable[Dataset], page: PageInfo | None = None) -> Graph:
    """The catalog with ``datasets`` (resources prefetched), optionally one page."""
    graph = new_graph()
    catalog = add_catalog(graph)
    datasets = list(datasets)
    related = related_pages(dataset.pk for dataset in datasets)
    for dataset in datasets:
        node = add_dataset(
            graph, dataset, dataset.resources.all(), related.get(dataset.pk, [])
        )
        graph.add((catalog, DCAT.dataset, node))
    if page is not None:
        paging = URIRef(page.uri)
        graph.add((paging, RDF.type, HYDRA.PagedCollection))
        graph.add((paging, HYDRA.totalItems, Literal(page.total_items)))
        graph.add((paging, HYDRA.itemsPerPage, Literal(page.items_per_page)))
        graph.add((paging, HYDRA.firstPage, URIRef(page.first)))
        graph.add((paging, HYDRA.lastPage, URIRef(page.last)))
        if page.previous:
            graph.add((paging, HYDRA.previousPage, URIRef(page.previous)))
        if page.next:
            graph.add((paging, HYDRA.nextPage, URIRef(page.next)))
    return graph


def serialize(graph: Graph, ext: str) -> bytes:
    rdflib_format, _ = FORMATS[ext]
    return graph.serialize(format=rdflib_format, encoding="utf-8")
