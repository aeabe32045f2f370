"""The catalog's use of the engine for pages: preview, chart, map and SQL.

Every engine error becomes a message in the page (translated); nothing a
visitor types can make a page fail.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

from django.http import HttpRequest
from django.utils.translation import gettext as _

from allmende.catalog import engine
from allmende.catalog.engine import charts
from allmende.catalog.engine.options import ColumnType
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
    if kind == "scatter":
        value_label = y
    else:
        value_label = str(dict(form.fields["agg"].choices).get(agg, agg))  # type: ignore[attr-defined]
        if y and agg != "count":
            value_label = f"{value_label}: {y}"
    try:
        points = charts.series(
            table,
            kind=kind,
            x=x,
            y=y,
            agg=agg,
            limit=SCATTER_POINTS if kind == "scatter" else CHART_POINTS,
            limits=SQL_LIMITS,
        )
    except engine.QueryError as exc:
        return {"chart_error": message_of(exc)}
    series = {
        "type": kind,
        "x_label": x,
        "y_label": value_label,
        "labels": points.labels,
        "values": points.values,
    }
    return {"chart_data": series}


def map_data(table: engine.Resource) -> dict[str, Any]:
    """Features for the map: the geometry column, or ``lon``/``lat`` columns."""
    try:
        features = charts.map_features(table, limit=MAP_POINTS, limits=SQL_LIMITS)
    except engine.QueryError:
        logger.warning("Map data of %s failed", table.paths.version_dir)
        return {}
    if features is None:
        return {}
    return {"map_features": features, "has_geo": True}


def sql(request: HttpRequest, table: engine.Resource, statement: str) -> dict[str, Any]:
    """A visitor's query: a short message in the reader's language when it
    fails, with the engine's own text apart (shown folded away)."""
    from allmende.catalog import sql as user_sql

    try:
        result = user_sql.run(request, table, statement, max_rows=SQL_LIMITS.max_rows)
    except engine.QueryError as exc:
        return {"sql_error": message_of(exc), "sql_error_detail": exc.detail}
    return {"sql_result": result}
