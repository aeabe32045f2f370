"""The file formats the catalog knows: one table, and the questions asked of it.

Each format has its short name (the ``format`` of a resource or version), the
file name extensions that mean it, its media type, its EU file type (DCAT's
``dct:format``), whether the engine loads it into a table, and which
downloads of a loaded table exist in it. Every other module asks here.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

FILE_TYPE_BASE = "http://publications.europa.eu/resource/authority/file-type/"


@dataclass(frozen=True)
class FileFormat:
    name: str
    media_type: str
    # The EU file type (authority table "file-type"), or "" for none.
    file_type: str = ""
    extensions: tuple[str, ...] = ()
    other_media_types: tuple[str, ...] = ()
    # The engine loads it into a queryable table.
    loadable: bool = False
    # A loaded table can be downloaded in it.
    download: bool = False
    # The download is a file of the build (served from the table store)
    # rather than written while it is sent.
    download_is_file: bool = False
    # The download holds geometries: only for tables with places.
    needs_places: bool = False

    @property
    def file_type_uri(self) -> str:
        return FILE_TYPE_BASE + self.file_type if self.file_type else ""


FORMATS: tuple[FileFormat, ...] = (
    FileFormat(
        "csv",
        "text/csv",
        "CSV",
        (".csv", ".txt"),
        ("application/csv",),
        loadable=True,
        download=True,
    ),
    FileFormat(
        "tsv",
        "text/tab-separated-values",
        "TSV",
        (".tsv",),
        loadable=True,
    ),
    FileFormat(
        "xlsx",
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        "XLSX",
        (".xlsx",),
        loadable=True,
    ),
    FileFormat(
        "json", "application/json", "JSON", (".json",), loadable=True, download=True
    ),
    FileFormat(
        "ndjson",
        "application/x-ndjson",
        "",
        (".ndjson", ".jsonl"),
        loadable=True,
    ),
    FileFormat(
        "geojson",
        "application/geo+json",
        "GEOJSON",
        (".geojson",),
        ("application/vnd.geo+json",),
        loadable=True,
        download=True,
        needs_places=True,
    ),
    FileFormat(
        "parquet",
        "application/vnd.apache.parquet",
        "PARQUET",
        (".parquet",),
        download=True,
        download_is_file=True,
    ),
    FileFormat("txt", "text/plain", "TXT"),
    FileFormat("xls", "application/vnd.ms-excel", "XLS", (".xls",)),
    FileFormat("ods", "application/vnd.oasis.opendocument.spreadsheet", "ODS"),
    FileFormat("xml", "application/xml", "XML", (".xml",), ("text/xml",)),
    FileFormat("html", "text/html", "HTML", (".html", ".htm")),
    FileFormat("pdf", "application/pdf", "PDF", (".pdf",)),
    FileFormat("zip", "application/zip", "ZIP", (".zip",)),
    FileFormat("shp", "application/x-shapefile", "SHP", (".shp",)),
)
BY_NAME = {f.name: f for f in FORMATS}

# The German Excel dialect of CSV (semicolons, decimal commas, a byte-order
# mark): a download of its own, with the media type of CSV.
EXCEL_CSV = "excel.csv"


def get(name: str) -> FileFormat | None:
    return BY_NAME.get(name.lower())


def name_of_file(filename: str) -> str:
    """The format a file name stands for (``data.jsonl`` is ``ndjson``), or its
    bare extension when the catalog does not know it."""
    suffix = Path(filename).suffix.lower()
    for file_format in FORMATS:
        if suffix in file_format.extensions:
            return file_format.name
    return suffix.lstrip(".")[:20]


def media_type(name: str) -> str:
    found = get(name)
    return found.media_type if found else ""


def file_type_uri(name: str) -> str:
    """The EU file type of a format, or "" when it has none."""
    found = get(name)
    return found.file_type_uri if found else ""


def name_of_media_type(value: str) -> str:
    """The format of a media type (``text/csv`` is ``csv``), or ""."""
    value = value.split(";", 1)[0].strip().lower()
    for file_format in FORMATS:
        if value == file_format.media_type or value in file_format.other_media_types:
            return file_format.name
    return ""


def loadable_extensions() -> tuple[str, ...]:
    return tuple(e for f in FORMATS if f.loadable for e in f.extensions)


def extension_of_media_type(value: str) -> str:
    """The file name extension of a loadable media type, or ""."""
    name = name_of_media_type(value)
    found = BY_NAME.get(name)
    if found is None or not found.loadable or not found.extensions:
        return ""
    return found.extensions[0]


def downloads() -> tuple[str, ...]:
    """The download formats of a loaded table, in the order pages list them."""
    return (*(f.name for f in FORMATS if f.download), EXCEL_CSV)


def download_media_type(name: str) -> str:
    if name == EXCEL_CSV:
        return "text/csv; charset=utf-8"
    found = BY_NAME[name]
    if found.media_type.startswith("text/"):
        return f"{found.media_type}; charset=utf-8"
    return found.media_type


def is_download(name: str) -> bool:
    found = BY_NAME.get(name)
    return name == EXCEL_CSV or (found is not None and found.download)


def download_is_file(name: str) -> bool:
    found = BY_NAME.get(name)
    return found is not None and found.download_is_file


def download_needs_places(name: str) -> bool:
    found = BY_NAME.get(name)
    return found is not None and found.needs_places
