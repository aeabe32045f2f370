"""The catalog's use of the engine for pages: preview, chart, map and SQL.

Every engine error becomes a message in the page (translated); nothing a
visitor types can make a page fail.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping
from typing import Any

from django.http import HttpRequest
from django.utils.translation import gettext as _

from allmende.catalog import engine, storage
from allmende.catalog.engine.infer import quote_ident
from allmende.catalog.engine.options import ColumnType
from allmende.catalog.models import ResourceVersion
from allmende.catalog.services import error_text

logger = logging.getLogger(__name__)

PREVIEW_ROWS = 25
CHART_POINTS = 50
SCATTER_POINTS = 2_000
MAP_POINTS = 2_000
NUMERIC = (ColumnType.INTEGER, ColumnType.DECIMAL)
SQL_LIMITS = engine.SqlLimits(timeout_seconds=5.0, max_rows=500)


def message_of(exc: engine.EngineError) -> str:
    return error_text(exc.template, exc.params)


def open_table(version: ResourceVersion) -> engine.Resource | None:
    try:
        return engine.Resource.open(storage.table_dir(version))
    except (engine.EngineError, OSError):
        logger.warning("Table of version %s cannot be opened", version.pk)
        return None


def _params(get: Mapping[str, Any]) -> dict[str, str]:
    return {
        key: str(get.get(key) or "")
        for key in ("sort", "after", "col", "op", "val", "q")
    }


def preview(table: engine.Resource, get: Mapping[str, Any]) -> dict[str, Any]:
    """One page of rows with the sort, filter and search of the query string."""
    params = _params(get)
    filters: list[engine.Filter] = []
    if params["col"] and params["op"]:
        value = params["val"] if params["op"] not in ("isnull", "notnull") else None
        if value is not None and params["op"] == "in":
            filters.append(engine.Filter(params["col"], "in", value.split(",")))
        elif value is not None or params["op"] in ("isnull", "notnull"):
            filters.append(engine.Filter(params["col"], params["op"], value))
    sort = []
    if params["sort"]:
        name = params["sort"].lstrip("-")
        sort.append(engine.Sort(name, params["sort"].startswith("-")))
    error = ""
    try:
        result = engine.query(
            table,
            filters=filters,
            sort=sort,
            q=params["q"] or None,
            limit=PREVIEW_ROWS,
            after=params["after"] or None,
            count=True,
        )
    except engine.QueryError as exc:
        error = message_of(exc)
        result = engine.query(table, limit=PREVIEW_ROWS, count=True)
        params = dict.fromkeys(params, "")
    columns = [
        {
            "name": c.name,
            "type": c.type.value,
            "numeric": c.type in NUMERIC,
            "sort": (
                "ascending"
                if params["sort"] == c.name
                else "descending"
                if params["sort"] == f"-{c.name}"
                else ""
            ),
        }
        for c in table.columns
    ]
    return {
        "preview": {
            "columns": columns,
            "rows": [
                [row.get(c.name) for c in table.columns] for row in result["rows"]
            ],
            "row_numbers": [row.get("_row") for row in result["rows"]],
            "count": result.get("count", 0),
            "total": table.row_count,
            "next": result.get("next"),
            "params": params,
            "filtered": bool(filters or params["q"]),
            "paged": bool(params["after"]),
        },
        "preview_error": error,
    }


def chart(
    table: engine.Resource, get: Mapping[str, Any], columns: list[dict[str, Any]]
) -> dict[str, Any]:
    """The series of the chart the visitor chose, aggregated by the engine."""
    from allmende.catalog.forms import ChartForm

    if "chart" not in get:
        return {}
    form = ChartForm(get, columns=columns)
    if not form.is_valid():
        return {}
    data = form.cleaned_data
    kind, x, y = data["chart"], data["x"], data["y"]
    agg = data["agg"] or ("sum" if y else "count")
    if kind == "scatter" and table.column(x).type not in NUMERIC:
        return {"chart_error": _("A scatter plot needs a numeric column for x.")}
    qx = quote_ident(x)
    if kind == "scatter":
        qy = quote_ident(y)
        sql = (
            f"SELECT {qx}, {qy} FROM data WHERE {qx} IS NOT NULL "  # noqa: S608
            f"AND {qy} IS NOT NULL LIMIT {SCATTER_POINTS}"
        )
        value_label = y
    else:
        measure = "count(*)" if agg == "count" or not y else f"{agg}({quote_ident(y)})"
        order = "1" if kind == "line" else "2 DESC, 1"
        sql = (
            f"SELECT {qx}, {measure} FROM data WHERE {qx} IS NOT NULL "  # noqa: S608
            f"GROUP BY 1 ORDER BY {order} LIMIT {CHART_POINTS}"
        )
        value_label = str(dict(form.fields["agg"].choices).get(agg, agg))  # type: ignore[attr-defined]
        if y and agg != "count":
            value_label = f"{value_label}: {y}"
    try:
        result = engine.run_sql(table, sql, limits=SQL_LIMITS)
    except engine.SqlError as exc:
        return {"chart_error": message_of(exc)}
    series = {
        "type": kind,
        "x_label": x,
        "y_label": value_label,
        "labels": [row[0] for row in result.rows],
        "values": [row[1] for row in result.rows],
    }
    return {"chart_data": series}


def map_data(table: engine.Resource, version: ResourceVersion) -> dict[str, Any]:
    """Features for the map: the geometry column, or ``lon``/``lat`` columns."""
    label = next(
        (c.name for c in table.columns if c.type is ColumnType.TEXT and c.name not in
         ("geometry",)),
        None,
    )  # fmt: skip
    label_sql = quote_ident(label) if label else "NULL"
    if table.geometry_column:
        geometry = quote_ident(table.geometry_column)
        sql = (
            f"SELECT {geometry}, {label_sql} FROM data "  # noqa: S608
            f"WHERE {geometry} IS NOT NULL LIMIT {MAP_POINTS}"
        )
    elif table.coordinate_columns:
        lon, lat = (quote_ident(n) for n in table.coordinate_columns)
        sql = (
            "SELECT json_object('type', 'Point', 'coordinates', "  # noqa: S608
            f"json_array({lon}, {lat})), {label_sql} FROM data "
            f"WHERE {lon} IS NOT NULL AND {lat} IS NOT NULL LIMIT {MAP_POINTS}"
        )
    else:
        return {}
    try:
        result = engine.run_sql(table, sql, limits=SQL_LIMITS)
    except engine.SqlError:
        logger.warning("Map data of version %s failed", version.pk)
        return {}
    features = []
    for shape, name in result.rows:
        try:
            geometry_value = json.loads(shape) if isinstance(shape, str) else shape
        except ValueError:
            continue
        features.append(
            {
                "type": "Feature",
                "geometry": geometry_value,
                "properties": {"name": "" if name is None else str(name)},
            }
        )
    return {
        "map_features": {"type": "FeatureCollection", "features": features},
        "has_geo": True,
    }


def sql(request: HttpRequest, table: engine.Resource, statement: str) -> dict[str, Any]:
    """A visitor's query: a short message in the reader's language when it
    fails, with the engine's own text apart (shown folded away)."""
    from allmende.catalog import sql as user_sql

    try:
        result = user_sql.run(request, table, statement, max_rows=SQL_LIMITS.max_rows)
    except engine.QueryError as exc:
        return {"sql_error": message_of(exc), "sql_error_detail": exc.detail}
    return {"sql_result": result}
