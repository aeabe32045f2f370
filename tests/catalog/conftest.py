from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from allmende.catalog.engine import Resource as EngineResource

TESTDATA = Path(__file__).resolve().parent / "testdata"


@pytest.fixture(autouse=True)
def _catalog_files(settings: Any, tmp_path: Path) -> Iterator[None]:
    """Tables and uploaded originals of each test in its own folder."""
    settings.DATA_DIR = tmp_path / "data"
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.STORAGES = {
        **settings.STORAGES,
        "private": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(tmp_path / "private"), "base_url": None},
        },
    }
    yield
    EngineResource.clear_cache()


@pytest.fixture
def testdata() -> Path:
    return TESTDATA
