"""Fixtures for the dataset engine tests (independent of any web framework)."""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[3] / "src"
if str(SRC) not in sys.path:
    sys.path.insert(0, str(SRC))

from allmende.catalog.engine import IngestOptions, IngestResult, Resource, ingest  # noqa: E402

TESTDATA = Path(__file__).resolve().parents[1] / "testdata"


@pytest.fixture
def testdata() -> Path:
    return TESTDATA


@pytest.fixture(autouse=True)
def _fresh_resource_cache() -> Iterator[None]:
    yield
    Resource.clear_cache()


Load = Callable[..., IngestResult]


@pytest.fixture
def load(tmp_path: Path) -> Load:
    """Ingest a test file (by name in testdata, or a path) into a fresh dir."""
    counter = iter(range(1000))

    def run(source: str | Path, options: IngestOptions | None = None) -> IngestResult:
        path = source if isinstance(source, Path) else TESTDATA / source
        dest = tmp_path / f"resource{next(counter)}"
        return ingest(path, dest, options=options)

    return run


def types_of(result: IngestResult) -> dict[str, str]:
    return {c.name: c.type.value for c in result.columns}


def rows_of(result: IngestResult) -> list[dict[str, object]]:
    from allmende.catalog.engine import query

    resource = Resource.open(result.paths.version_dir.parent)
    return list(query(resource, limit=1000)["rows"])
