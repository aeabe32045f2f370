"""Allmende's dataset engine: uploaded files in, typed queryable tables out.

Pure Python on DuckDB and PyArrow, with no web framework imports, so it can
run in a background worker (ingest) and in request handlers (queries).

Typical use::

    result = ingest(upload_path, resource_dir, options=IngestOptions(),
                    progress=lambda fraction, stage: ...)
    resource = Resource.open(resource_dir)
    page = query(resource, filters=[Filter("Stadt", "eq", "Köln")], limit=50)
"""

from .errors import EngineError, IngestError, QueryError, SqlError
from .export import (
    export_csv,
    export_geojson,
    export_json,
    parquet_path,
    write_parquet,
)
from .options import (
    ColumnOverride,
    ColumnType,
    DateOrder,
    IngestOptions,
    Limits,
    NumberLocale,
)
from .pipeline import (
    ColumnInfo,
    IngestResult,
    Problem,
    ValidationReport,
    ingest,
)
from .query import Filter, Query, Sort, count, facet, parse_params, query
from .resource import Resource
from .sandbox import SqlPool, run_sandboxed
from .sql import SqlLimits, SqlResult, check_statement, run_sql

__all__ = [
    "ColumnInfo",
    "ColumnOverride",
    "ColumnType",
    "DateOrder",
    "EngineError",
    "Filter",
    "IngestError",
    "IngestOptions",
    "IngestResult",
    "Limits",
    "NumberLocale",
    "Problem",
    "Query",
    "QueryError",
    "Resource",
    "Sort",
    "SqlError",
    "SqlLimits",
    "SqlPool",
    "SqlResult",
    "ValidationReport",
    "check_statement",
    "count",
    "export_csv",
    "export_geojson",
    "export_json",
    "facet",
    "ingest",
    "parquet_path",
    "parse_params",
    "query",
    "run_sandboxed",
    "run_sql",
    "write_parquet",
]
