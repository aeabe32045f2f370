"""The catalog's DCAT-AP.de output passes the German 3.0 SHACL shapes.

The shapes and vocabularies are the official validator's (profile
"v30_de_spec"), kept outside the repository in ``shared/dcat-ap-de/``.
"""

from __future__ import annotations

import os
from collections import Counter
from pathlib import Path

import pytest
from rdflib import Graph, URIRef
from rdflib.namespace import RDF, SH
from rdflib.term import Node

from allmende.catalog import dcat, selectors
from tests.catalog.dcat_fixtures import full_dataset, minimal_dataset

pyshacl = pytest.importorskip("pyshacl")

pytestmark = pytest.mark.django_db

SHAPES_DIR = Path(__file__).resolve().parents[3] / "shared" / "dcat-ap-de"
SHAPE_FILES = (
    "dcat-ap-SHACL-3.0.0.ttl",
    "dcat-ap-SHACL-DE.ttl",
    "dcat-ap-spec-german-additions.ttl",
    "dcat-ap-de-controlledvocabularies.ttl",
    "dcat-ap-de-deprecated.ttl",
    "dcat-ap-de-imports.ttl",
)
VOCABULARY_FILES = (
    "dcat-ap-de-licenses-open.rdf",
    "dcat-ap-de-contributors.rdf",
    "data-theme-skos-ap-act.ttl",
    "filetypes-skos-ap-act.ttl",
    "dcat-ap-de-controlledvocabularies.ttl",
)

# Vocabulary-membership checks of vocabularies the folder does not ship, whose
# terms therefore cannot be found in the data graph. The German shapes check
# membership with a nested shape on skos:inScheme below the property shape of
# each path, so a result is dropped only when its path is skos:inScheme and its
# sh:sourceShape hangs below a property shape with one of these sh:path values:
# - dct:language: EU language authority list (language/DEU, ENG),
# - dct:accrualPeriodicity: EU frequency list,
# - dct:accessRights: EU access-right list,
# - dcatap:availability: EU planned-availability list,
# - dct:type: EU dataset-type list,
# - adms:status: EU distribution-status list.
# Every other result counts, including any other result on these paths.
UNSHIPPED_VOCABULARY_PATHS = {
    URIRef("http://purl.org/dc/terms/language"),
    URIRef("http://purl.org/dc/terms/accrualPeriodicity"),
    URIRef("http://purl.org/dc/terms/accessRights"),
    URIRef("http://data.europa.eu/r5r/availability"),
    URIRef("http://purl.org/dc/terms/type"),
    URIRef("http://www.w3.org/ns/adms#status"),
}
SKOS_IN_SCHEME = URIRef("http://www.w3.org/2004/02/skos/core#inScheme")


@pytest.fixture(scope="module")
def shapes() -> tuple[Graph, Graph]:
    """The shapes graph and the vocabularies, loaded once."""
    if not SHAPES_DIR.is_dir():
        if os.environ.get("CI") == "true":
            pytest.fail(f"{SHAPES_DIR} is missing")
        pytest.skip(f"{SHAPES_DIR} is missing")
    shapes_graph = Graph()
    for name in SHAPE_FILES:
        shapes_graph.parse(SHAPES_DIR / name)
    vocabularies = Graph()
    for name in VOCABULARY_FILES:
        vocabularies.parse(SHAPES_DIR / name)
    return shapes_graph, vocabularies


def _unshipped_vocabulary_shapes(shapes_graph: Graph) -> set[Node]:
    """The shapes nested below property shapes of unshipped vocabularies."""
    nested: set[Node] = set()
    for path in UNSHIPPED_VOCABULARY_PATHS:
        for shape in shapes_graph.subjects(SH.path, path):
            nested.update(shapes_graph.transitive_objects(shape, None))
    return nested


def _violations(
    data: Graph, shapes: tuple[Graph, Graph]
) -> tuple[list[str], list[str]]:
    """All results of severity Violation, and those that remain after filtering."""
    shapes_graph, vocabularies = shapes
    merged = Graph()
    for triple in data:
        merged.add(triple)
    for triple in vocabularies:
        merged.add(triple)
    _, report, _ = pyshacl.validate(
        merged,
        shacl_graph=shapes_graph,
        inference="none",
        advanced=True,
        allow_warnings=True,
    )
    skipped_shapes = _unshipped_vocabulary_shapes(shapes_graph)
    every: list[str] = []
    remaining: list[str] = []
    for result in report.subjects(RDF.type, SH.ValidationResult):
        if report.value(result, SH.resultSeverity) != SH.Violation:
            continue
        line = (
            f"{report.value(result, SH.focusNode)} "
            f"{report.value(result, SH.resultPath)}: "
            f"{report.value(result, SH.resultMessage)} "
            f"[{report.value(result, SH.sourceShape)}]"
        )
        every.append(line)
        unshipped = (
            report.value(result, SH.resultPath) == SKOS_IN_SCHEME
            and report.value(result, SH.sourceShape) in skipped_shapes
        )
        if not unshipped:
            remaining.append(line)
    return every, remaining


def _catalog() -> Graph:
    return dcat.catalog_graph(selectors.dcat_datasets())


def _assert_valid(shapes: tuple[Graph, Graph]) -> None:
    every, remaining = _violations(_catalog(), shapes)
    by_path = Counter(line.split(": ")[0].split(" ")[-1] for line in every)
    print(f"{len(every)} violations before filtering: {dict(by_path)}")
    assert not remaining, "\n".join(sorted(remaining))


def test_full_dataset_conforms(shapes: tuple[Graph, Graph], settings) -> None:
    settings.ALLMENDE_DCAT_CONTRIBUTOR_ID = (
        "http://dcat-ap.de/def/contributors/freistaatSachsen"
    )
    full_dataset()
    _assert_valid(shapes)


def test_minimal_dataset_conforms(shapes: tuple[Graph, Graph]) -> None:
    minimal_dataset()
    _assert_valid(shapes)
