"""Chart series and map features of a table, computed by the engine.

The web layer names columns and an aggregate; the SQL is written here, with
every name quoted, and runs under the limits the caller gives.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from .infer import quote_ident
from .options import ColumnType
from .resource import Resource
from .sql import SqlLimits, run_sql

NUMERIC = (ColumnType.INTEGER, ColumnType.DECIMAL)
AGGREGATES = ("count", "sum", "avg", "min", "max")
KINDS = ("bar", "line", "scatter")


@dataclass(frozen=True)
class Series:
    labels: list[Any]
    values: list[Any]


def series(
    table: Resource,
    *,
    kind: str,
    x: str,
    y: str = "",
    agg: str = "count",
    limit: int,
    limits: SqlLimits,
) -> Series:
    """The points of a chart: ``y`` against ``x`` for a scatter plot, else
    ``agg`` of ``y`` (or the number of rows) per value of ``x``, a line in
    the order of ``x``, bars the largest first.

    Raises :class:`errors.UnknownColumnError` for a column the table lacks,
    :class:`errors.SqlError` when the query fails or exceeds ``limits``.
    """
    if kind not in KINDS or agg not in AGGREGATES:
        raise ValueError(f"Unknown chart {kind!r} or aggregate {agg!r}")
    qx = quote_ident(table.column(x).name)
    if kind == "scatter":
        qy = quote_ident(table.column(y).name)
        sql = (
            f"SELECT {qx}, {qy} FROM data WHERE {qx} IS NOT NULL "  # noqa: S608
            f"AND {qy} IS NOT NULL LIMIT {int(limit)}"
        )
    else:
        measure = (
            "count(*)"
            if agg == "count" or not y
            else f"{agg}({quote_ident(table.column(y).name)})"
        )
        order = "1" if kind == "line" else "2 DESC, 1"
        sql = (
            f"SELECT {qx}, {measure} FROM data WHERE {qx} IS NOT NULL "  # noqa: S608
            f"GROUP BY 1 ORDER BY {order} LIMIT {int(limit)}"
        )
    result = run_sql(table, sql, limits=limits)
    return Series(
        labels=[row[0] for row in result.rows], values=[row[1] for row in result.rows]
    )


def label_column(table: Resource) -> str | None:
    """The first text column, shown as the name of a place on a map."""
    return next(
        (
            c.name
            for c in table.columns
            if c.type is ColumnType.TEXT
            and c.name not in ("geometry", table.geometry_column)
        ),
        None,
    )


def has_places(table: Resource) -> bool:
    return bool(table.geometry_column or table.coordinate_columns)


def map_features(
    table: Resource, *, limit: int, limits: SqlLimits
) -> dict[str, Any] | None:
    """A GeoJSON FeatureCollection of at most ``limit`` places: the geometry
    column, or points from the longitude and latitude columns, each named by
    :func:`label_column`; ``None`` for a table without places."""
    label = label_column(table)
    label_sql = quote_ident(label) if label else "NULL"
    if table.geometry_column:
        geometry = quote_ident(table.geometry_column)
        sql = (
            f"SELECT {geometry}, {label_sql} FROM data "  # noqa: S608
            f"WHERE {geometry} IS NOT NULL LIMIT {int(limit)}"
        )
    elif table.coordinate_columns:
        lon, lat = (quote_ident(n) for n in table.coordinate_columns)
        sql = (
            "SELECT json_object('type', 'Point', 'coordinates', "  # noqa: S608
            f"json_array({lon}, {lat})), {label_sql} FROM data "
            f"WHERE {lon} IS NOT NULL AND {lat} IS NOT NULL LIMIT {int(limit)}"
        )
    else:
        return None
    result = run_sql(table, sql, limits=limits)
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
    return {"type": "FeatureCollection", "features": features}
