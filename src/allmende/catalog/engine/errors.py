"""Exceptions raised by the dataset engine.

Each exception carries ``user_message``: an English sentence built from a
template in :mod:`allmende.catalog.engine.messages` that can be shown to the
person who uploaded the file or wrote the query.  ``template`` and ``params``
are kept separately so the web layer can translate the template first.
"""

from __future__ import annotations

from typing import Any

from . import messages


class EngineError(Exception):
    """Base class of all errors with a message suitable for end users."""

    template: str = messages.FILE_NOT_TABULAR

    def __init__(self, template: str | None = None, **params: Any) -> None:
        if template is not None:
            self.template = template
        self.params = params
        super().__init__(self.user_message)

    @property
    def user_message(self) -> str:
        try:
            message = self.template.format(**self.params)
        except (KeyError, IndexError, ValueError):
            message = self.template
        return f"{message} {self.detail}" if self.detail else message

    @property
    def detail(self) -> str:
        """The engine's own text (English), kept apart from the short message."""
        return str(self.params.get("detail") or "")


# --- ingest -----------------------------------------------------------------


class IngestError(EngineError):
    """The file cannot be turned into a table."""


class EmptyFileError(IngestError):
    template = messages.FILE_EMPTY


class FileTooLargeError(IngestError):
    template = messages.FILE_TOO_LARGE


class BinaryFileError(IngestError):
    template = messages.FILE_BINARY


class NotTabularError(IngestError):
    template = messages.FILE_NOT_TABULAR


class UnsupportedFormatError(IngestError):
    template = messages.FORMAT_UNSUPPORTED


class TooManyColumnsError(IngestError):
    template = messages.TOO_MANY_COLUMNS


class NoRowsError(IngestError):
    template = messages.NO_ROWS


class CellTooLongError(IngestError):
    template = messages.CELL_TOO_LONG


class MalformedCsvError(IngestError):
    template = messages.CSV_BROKEN


class SpreadsheetError(IngestError):
    template = messages.XLSX_BROKEN


class ZipBombError(SpreadsheetError):
    template = messages.XLSX_TOO_BIG_UNPACKED


class JsonError(IngestError):
    template = messages.JSON_BROKEN


class JsonTooDeepError(JsonError):
    template = messages.JSON_TOO_DEEP


class ResourceLimitError(IngestError):
    template = messages.OUT_OF_RESOURCES


# --- query ------------------------------------------------------------------


class QueryError(EngineError):
    """A query against a table is invalid."""

    template = messages.BAD_QUERY


class UnknownColumnError(QueryError):
    template = messages.UNKNOWN_COLUMN


class BadFilterError(QueryError):
    template = messages.BAD_FILTER_VALUE


class BadPageTokenError(QueryError):
    template = messages.BAD_PAGE_TOKEN


class ResourceNotReadyError(QueryError):
    template = messages.RESOURCE_NOT_READY


# --- SQL sandbox --------------------------------------------------------------


class SqlError(QueryError):
    """A query for the SQL sandbox was refused or failed."""

    template = messages.SQL_FAILED


class SqlSyntaxError(SqlError):
    template = messages.SQL_SYNTAX


class SqlNotAllowedError(SqlError):
    template = messages.SQL_ONLY_SELECT


class SqlForbiddenAccessError(SqlError):
    template = messages.SQL_FORBIDDEN


class SqlTimeoutError(SqlError):
    template = messages.SQL_TIMEOUT


class SqlMemoryError(SqlError):
    template = messages.SQL_MEMORY


class SqlResultTooLargeError(SqlError):
    template = messages.SQL_RESULT_TOO_LARGE


class SqlBusyError(SqlError):
    """Every SQL worker is busy (the server's limit, not the client's)."""

    template = messages.SQL_BUSY


class SqlClientBusyError(SqlError):
    """The client already runs as many queries as it may at once."""

    template = messages.SQL_CLIENT_BUSY
