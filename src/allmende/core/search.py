"""One full-text search interface for every module.

Modules register what text an object has (:func:`index_object`) and filter a
queryset by a query typed by a person (:func:`search_queryset`). On PostgreSQL
this is full-text search with German stemming; on SQLite it is FTS5 with prefix
matching, which needs no server. User input never reaches either query language
unescaped: it is split into words and each word is quoted.
"""

from __future__ import annotations

import re
from typing import TypeVar, cast

from django.contrib.contenttypes.models import ContentType
from django.contrib.postgres.search import SearchQuery, SearchRank, SearchVector
from django.db import connection, models
from django.db.models import F, OuterRef, Subquery, Value

from allmende.core.models import SearchEntry

M = TypeVar("M", bound=models.Model)

_WORD = re.compile(r"\w+", re.UNICODE)
MAX_TERMS = 12


def search_terms(query: str) -> list[str]:
    """The words of a query, lower-cased, at most :data:`MAX_TERMS` of them."""
    return [w.lower() for w in _WORD.findall(query)][:MAX_TERMS]


def is_postgresql() -> bool:
    return connection.vendor == "postgresql"


def index_object(obj: models.Model, *, title: str, body: str) -> None:
    """Store or replace the searchable text of ``obj``."""
    ct = ContentType.objects.get_for_model(obj, for_concrete_model=False)
    entry, _ = SearchEntry.objects.update_or_create(
        content_type=ct, object_id=obj.pk, defaults={"title": title, "body": body}
    )
    if is_postgresql():
        SearchEntry.objects.filter(pk=entry.pk).update(
            vector=SearchVector(Value(title), weight="A", config="german")
            + SearchVector(Value(body), weight="B", config="german")
        )


def unindex_object(obj: models.Model) -> None:
    ct = ContentType.objects.get_for_model(obj, for_concrete_model=False)
    SearchEntry.objects.filter(content_type=ct, object_id=obj.pk).delete()


def search_queryset(queryset: models.QuerySet[M], query: str) -> models.QuerySet[M]:
    """Keep the objects of ``queryset`` that match ``query``, best match first.

    The result carries a ``search_rank`` annotation (higher is better). An empty
    query, or one without any word, leaves the queryset as it is.
    """
    terms = search_terms(query)
    if not terms:
        return queryset
    ct = ContentType.objects.get_for_model(queryset.model, for_concrete_model=False)
    if is_postgresql():
        tsquery = " & ".join(f"'{t}':*" for t in terms)
        search = SearchQuery(tsquery, config="german", search_type="raw")
        entries = SearchEntry.objects.filter(
            content_type=ct, object_id=OuterRef("pk"), vector=search
        ).annotate(rank=SearchRank(F("vector"), search))
        ranked = queryset.annotate(search_rank=Subquery(entries.values("rank")[:1]))
        return cast(
            "models.QuerySet[M]",
            ranked.filter(search_rank__isnull=False).order_by("-search_rank", "pk"),
        )
    # FTS5: each word quoted (so no operator can be injected) and matched as a
    # prefix. bm25() works only in the query that does the MATCH, so the FTS
    # table joins the outer query once, which extra() is the ORM's way to do; a
    # correlated subquery would run the MATCH again for every row. bm25() is
    # lower for better matches, so its negation ranks. The table name comes
    # from the model's metadata, never from input.
    match = " ".join('"{}"*'.format(t.replace('"', '""')) for t in terms)
    table = queryset.model._meta.db_table
    ranked = queryset.extra(  # noqa: S610
        tables=["core_searchentry_fts", "core_searchentry"],
        where=[
            "core_searchentry_fts MATCH %s",
            "core_searchentry_fts.rowid = core_searchentry.id",
            # The unary + keeps SQLite from starting at the content-type index
            # (and running the MATCH once per entry): the MATCH leads.
            "+core_searchentry.content_type_id = %s",
            f'core_searchentry.object_id = "{table}"."id"',
        ],
        params=[match, ct.pk],
        select={"search_rank": "-bm25(core_searchentry_fts, 10.0, 1.0)"},
    )
    return cast("models.QuerySet[M]", ranked.order_by("-search_rank", "pk"))
