"""One full-text search interface for every module.

Modules store what text an object has (:func:`index_object`), filter a
queryset by a query typed by a person (:func:`search_queryset`) and register
their searchable types (:func:`register`) for the site-wide search
(:func:`site_search`). Entries are written in German, in English or in both,
and carry no language of their own, so every text is stemmed in both
languages (:data:`LANGUAGES`) and a query word matches when either of its
stems does: "Vereine" finds "Verein", "workshops" finds "Workshop". On
PostgreSQL this is full-text search with a vector of the ``german`` and the
``english`` configuration; on SQLite it is FTS5 over text that the Snowball
stemmers of both languages have reduced to word stems, here in Python, for the
index and for every query alike. Query words match as prefixes of stems, so
"digital" also finds "Digitalwerkstatt".
User input never reaches either query language unescaped: it is split into
words and each word is quoted.
"""

from __future__ import annotations

import functools
import hashlib
import itertools
import operator
import re
import threading
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar, cast, overload

import snowballstemmer
from django.contrib.contenttypes.models import ContentType
from django.contrib.postgres.search import SearchQuery, SearchRank, SearchVector
from django.core.cache import cache
from django.db import connection, models, transaction
from django.db.models import (
    Exists,
    Expression,
    F,
    OuterRef,
    Q,
    Subquery,
    Value,
)
from django.utils import translation
from django.utils.crypto import get_random_string
from django.utils.functional import Promise
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from allmende.core.models import SearchEntry

M = TypeVar("M", bound=models.Model)

_WORD = re.compile(r"\w+", re.UNICODE)
MAX_TERMS = 12
_local = threading.local()


def search_terms(query: str) -> list[str]:
    """The words of a query, lower-cased, at most :data:`MAX_TERMS` of them."""
    return [w.lower() for w in _WORD.findall(query)][:MAX_TERMS]


# The languages whose stems every text and every query word get: the
# Snowball stemmers on SQLite, the text search configurations on PostgreSQL.
LANGUAGES = ("german", "english")


@functools.lru_cache(maxsize=65536)
def stems(word: str) -> tuple[str, ...]:
    """The distinct Snowball stems of one word in :data:`LANGUAGES`, lower-cased,
    the German one first (with umlauts folded).

    The stemmers are pure Python and cost about as much per word as a small
    query; words repeat, so their stems are kept.
    """
    # Stemmer objects keep state while they work: one set per thread.
    stemmers = getattr(_local, "stemmers", None)
    if stemmers is None:
        stemmers = _local.stemmers = [
            snowballstemmer.stemmer(language) for language in LANGUAGES
        ]
    lower = word.lower()
    found: list[str] = []
    for stemmer in stemmers:
        stemmed = cast(str, stemmer.stemWord(lower)) or lower
        if stemmed not in found:
            found.append(stemmed)
    return tuple(found)


def stem(word: str) -> str:
    """The German Snowball stem of one word, lower-cased, umlauts folded."""
    return stems(word)[0]


def stemmed_text(text: str) -> str:
    """``text`` as the stems of its words, the form SQLite's index holds."""
    return " ".join(s for word in _WORD.findall(text) for s in stems(word))


def is_postgresql() -> bool:
    return connection.vendor == "postgresql"


def index_object(obj: models.Model, *, title: str, body: str) -> None:
    """Store or replace the searchable text of ``obj``."""
    index_changed()
    ct = ContentType.objects.get_for_model(obj, for_concrete_model=False)
    entry, _ = SearchEntry.objects.update_or_create(
        content_type=ct, object_id=obj.pk, defaults={"title": title, "body": body}
    )
    if is_postgresql():
        SearchEntry.objects.filter(pk=entry.pk).update(
            vector=search_vector(Value(title), Value(body))
        )
    elif connection.vendor == "sqlite":
        fts_replace(connection, entry.pk, title, body)


def search_vector(title: Any, body: Any) -> Expression:
    """PostgreSQL's vector of an entry: title (weight A) and body (weight B),
    each in every configuration of :data:`LANGUAGES`."""
    parts = [
        SearchVector(text, weight=weight, config=language)
        for text, weight in ((title, "A"), (body, "B"))
        for language in LANGUAGES
    ]
    vector: Expression = parts[0]
    for part in parts[1:]:
        vector = vector + part
    return vector


def fts_replace(conn: Any, rowid: int, title: str, body: str) -> None:
    """Put the stems of one entry's text into SQLite's FTS5 table."""
    with conn.cursor() as cursor:
        cursor.execute("DELETE FROM core_searchentry_fts WHERE rowid = %s", [rowid])
        cursor.execute(
            "INSERT INTO core_searchentry_fts(rowid, title, body) VALUES (%s, %s, %s)",
            [rowid, stemmed_text(title), stemmed_text(body)],
        )


def rebuild_index() -> None:
    """Derive the searchable form of every entry again from its text.

    For entries that arrive without it: rows loaded from a backup made on the
    other database (PostgreSQL's vector, SQLite's FTS5 table).
    """
    index_changed()
    if is_postgresql():
        SearchEntry.objects.update(vector=search_vector(F("title"), F("body")))
    elif connection.vendor == "sqlite":
        entries = SearchEntry.objects.values_list("pk", "title", "body")
        for pk, title, body in entries.iterator():
            fts_replace(connection, pk, title, body)


def unindex_object(obj: models.Model) -> None:
    index_changed()
    ct = ContentType.objects.get_for_model(obj, for_concrete_model=False)
    SearchEntry.objects.filter(content_type=ct, object_id=obj.pk).delete()


def fts_match(terms: Sequence[str]) -> str:
    """An FTS5 query: every word, as any of its stems, quoted, as a prefix."""
    groups = []
    for term in terms:
        either = " OR ".join('"{}"*'.format(s.replace('"', '""')) for s in stems(term))
        groups.append(f"({either})")
    return " AND ".join(groups)


def _pg_query(terms: Sequence[str]) -> SearchQuery:
    """Every word, as a prefix, in any configuration of :data:`LANGUAGES`."""
    query: SearchQuery | None = None
    for term in terms:
        # Each word is \w+ only, so quoting it makes it a plain lexeme.
        raw = f"'{term}':*"
        either = functools.reduce(
            lambda a, b: a | b,
            [
                SearchQuery(raw, config=language, search_type="raw")
                for language in LANGUAGES
            ],
        )
        query = either if query is None else query & either
    if query is None:
        raise ValueError("a search query needs at least one word")
    return query


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
        search = _pg_query(terms)
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
    match = fts_match(terms)
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


# The site-wide search over every registered type.

Viewer = Any  # a User or AnonymousUser; core does not import the accounts app


@dataclass(frozen=True)
class SearchType:
    """One kind of object the site-wide search finds.

    ``visible(viewer)`` is the owning module's selector for what ``viewer`` may
    see; the search never decides visibility itself. ``title(obj)`` is the
    heading of a result (by default ``str(obj)``), linked to
    ``obj.get_absolute_url()``.
    """

    key: str
    label: str | Promise
    model: type[models.Model]
    visible: Callable[[Viewer], models.QuerySet[Any]]
    order: int = 100
    title: Callable[[Any], str] = str


_types: dict[str, SearchType] = {}


def register(search_type: SearchType) -> None:
    """Make a type searchable site-wide; called from an app's ``ready()``."""
    _types[search_type.key] = search_type


def search_types() -> list[SearchType]:
    return sorted(_types.values(), key=lambda t: (t.order, t.key))


@dataclass
class Facet:
    key: str
    label: str | Promise
    count: int
    selected: bool
    # More than ``count`` match (counting stopped at COUNT_LIMIT).
    more: bool = False


@dataclass
class Hit:
    type: SearchType
    title: SafeString
    snippet: SafeString
    url: str


@dataclass
class SiteSearch:
    """What a site-wide search page shows."""

    query: str
    terms: list[str]
    facets: list[Facet]
    total: int
    hits: Callable[[int, int], list[Hit]]
    # More match than ``total``: only the newest RANK_CANDIDATES are shown.
    more: bool = False

    # A paginator reads the results as a sequence: only the page it slices
    # is fetched.
    def __len__(self) -> int:
        return self.total

    def __iter__(self) -> Iterator[Hit]:
        return iter(self[0 : self.total])

    @overload
    def __getitem__(self, index: int) -> Hit: ...

    @overload
    def __getitem__(self, index: slice) -> list[Hit]: ...

    def __getitem__(self, index: int | slice) -> Hit | list[Hit]:
        if isinstance(index, int):
            return self.hits(index, 1)[0]
        start = index.start or 0
        stop = self.total if index.stop is None else index.stop
        return self.hits(start, max(0, stop - start))


MAX_QUERY_CHARS = 500
# The best match first; the extra select or annotation of
# :func:`_matching_entries` provides ``search_rank``.
RANKING = ("-search_rank", "pk")
# Matches of a type are counted up to this many; a facet then says "more".
COUNT_LIMIT = 1000
# Above this many matches only the newest RANK_CANDIDATES matches are ranked
# and paged, and SQLite ranks them by title matches instead of bm25(): ranking
# every match of a word that is in most entries costs more than the page.
FINE_RANK_LIMIT = 1000
RANK_CANDIDATES = 1000
SNIPPET_WORDS = 30
# A match further into a text than this is not looked for (the title matched).
SNIPPET_SCAN_WORDS = 300
_UNPRINTABLE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def clean_query(query: str) -> str:
    """A query as typed, cut to a sane length and without control characters."""
    return _UNPRINTABLE.sub(" ", query[:MAX_QUERY_CHARS]).strip()


def _matches(word: str, query_stems: Sequence[str]) -> bool:
    return any(
        word_stem.startswith(s) for word_stem in stems(word) for s in query_stems
    )


def highlight(text: str, query_stems: Sequence[str]) -> SafeString:
    """``text``, escaped, with the words that match the query in ``<mark>``."""
    text = _UNPRINTABLE.sub(" ", text)
    parts: list[str] = []
    position = 0
    for match in _WORD.finditer(text):
        if _matches(match.group(), query_stems):
            parts.append(escape(text[position : match.start()]))
            parts.append(f"<mark>{escape(match.group())}</mark>")
            position = match.end()
    parts.append(escape(text[position:]))
    return mark_safe("".join(parts))  # noqa: S308 (every piece is escaped)


def snippet(text: str, query_stems: Sequence[str]) -> SafeString:
    """Some words of ``text`` around its first match, highlighted."""
    words = list(itertools.islice(_WORD.finditer(text), SNIPPET_SCAN_WORDS))
    if not words:
        return mark_safe("")
    first = next(
        (i for i, w in enumerate(words) if _matches(w.group(), query_stems)), 0
    )
    start = max(0, first - SNIPPET_WORDS // 3)
    end = min(len(words), start + SNIPPET_WORDS)
    begin_at = words[start].start() if start else 0
    end_at = words[end - 1].end()
    if end == len(words) and len(words) < SNIPPET_SCAN_WORDS:
        end_at = len(text)
    result = highlight(text[begin_at:end_at].strip(), query_stems)
    before = "… " if start else ""
    after = " …" if text[end_at:].strip() else ""
    return mark_safe(f"{before}{result}{after}")  # noqa: S308 (escaped above)


def _matching_entries(
    terms: Sequence[str], *, fine_rank: bool = True
) -> models.QuerySet[SearchEntry]:
    """Entries that match ``terms``, with a ``search_rank`` (higher is better).

    On SQLite, bm25() reads the position lists of every match, which for a
    word in most entries costs far more than finding them; with
    ``fine_rank=False`` the rank is only whether every word is in the title,
    and entries rank newest first within that.
    """
    if is_postgresql():
        search = _pg_query(terms)
        return SearchEntry.objects.filter(vector=search).annotate(
            search_rank=SearchRank(F("vector"), search)
        )
    rank, params = "-bm25(core_searchentry_fts, 10.0, 1.0)", []
    if not fine_rank:
        rank = (
            "core_searchentry.id IN (SELECT rowid FROM core_searchentry_fts "
            "WHERE core_searchentry_fts MATCH %s)"
        )
        params = [f"title : ({fts_match(terms)})"]
    return SearchEntry.objects.extra(  # noqa: S610
        tables=["core_searchentry_fts"],
        where=[
            "core_searchentry_fts MATCH %s",
            "core_searchentry_fts.rowid = core_searchentry.id",
        ],
        params=[fts_match(terms)],
        select={"search_rank": rank},
        select_params=params,
    )


# How long visitors who are not logged in (who all see the same) are shown a
# search's results from the cache; a change to the index drops them at once.
ANONYMOUS_RESULTS_SECONDS = 60
_INDEX_VERSION_KEY = "site-search:index-version"


def _new_index_version() -> None:
    cache.set(_INDEX_VERSION_KEY, get_random_string(12), None)


def index_changed() -> None:
    """Drop the anonymous results in the cache: at once, and again once the
    change has committed (a search running meanwhile still saw the old rows
    and may have stored them). Call it also when what visitors may see of an
    object changes without its text changing, such as its state."""
    _new_index_version()
    transaction.on_commit(_new_index_version, robust=True)


def site_search(*, viewer: Viewer, query: str, type_key: str = "") -> SiteSearch:
    """Search every registered type for what ``viewer`` may see.

    A fixed number of queries whatever the data: one count per type, one for
    a page of entries, and one per type on that page for the objects (one
    more for the newest matches when there are many). The results of visitors
    who are not logged in come from the cache when the same search ran
    shortly before.
    """
    if viewer.is_authenticated:
        return _site_search(viewer=viewer, query=query, type_key=type_key)
    query = clean_query(query)
    terms = search_terms(query)
    if not terms:
        return _site_search(viewer=viewer, query=query, type_key=type_key)
    words = hashlib.sha256("\x00".join([*terms, type_key]).encode()).hexdigest()
    key = (
        f"site-search:{cache.get(_INDEX_VERSION_KEY, '')}:"
        f"{translation.get_language()}:{words}"
    )
    search: SiteSearch | None = None
    summary = cache.get(key)
    if summary is None:
        search = _site_search(viewer=viewer, query=query, type_key=type_key)
        summary = (
            [(f.key, f.count, f.selected, f.more) for f in search.facets],
            search.total,
            search.more,
        )
        cache.set(key, summary, ANONYMOUS_RESULTS_SECONDS)
    facet_rows, total, more = summary

    def hits(offset: int, limit: int) -> list[Hit]:
        nonlocal search
        rows = cache.get(f"{key}:{offset}:{limit}")
        if rows is None:
            if search is None:
                search = _site_search(viewer=viewer, query=query, type_key=type_key)
            rows = [
                (hit.type.key, str(hit.title), str(hit.snippet), hit.url)
                for hit in search.hits(offset, limit)
            ]
            cache.set(f"{key}:{offset}:{limit}", rows, ANONYMOUS_RESULTS_SECONDS)
        # Titles and snippets were escaped and highlighted before they were
        # kept.
        return [
            Hit(_types[type_], mark_safe(title), mark_safe(snippet), url)  # noqa: S308
            for type_, title, snippet, url in rows
            if type_ in _types
        ]

    facets = [
        Facet(key_, _types[key_].label, count, selected, more=more_)
        for key_, count, selected, more_ in facet_rows
        if key_ in _types
    ]
    return SiteSearch(query, terms, facets, total, hits, more)


def _site_search(*, viewer: Viewer, query: str, type_key: str = "") -> SiteSearch:
    query = clean_query(query)
    terms = search_terms(query)
    types = search_types()
    if not terms or not types:
        return SiteSearch(query, terms, [], 0, lambda offset, limit: [])
    by_ct = {
        ContentType.objects.get_for_model(t.model, for_concrete_model=False).pk: t
        for t in types
    }
    visible_of: dict[int, Q] = {}
    for ct_id, search_type in by_ct.items():
        shown = search_type.visible(viewer)
        if shown.query.where or shown.model is not search_type.model:
            # A lookup per match, not a list of every visible object built
            # for each query: a rare word then costs little.
            visible_of[ct_id] = Q(content_type_id=ct_id) & Q(
                Exists(shown.filter(pk=OuterRef("object_id")))
            )
        else:
            # Everyone sees every object of this type: no list of them needed.
            visible_of[ct_id] = Q(content_type_id=ct_id)
    # One count per type that stops at COUNT_LIMIT: a word in most entries
    # is not counted to the end.
    counts = {
        ct_id: _matching_entries(terms)
        .filter(visible_of[ct_id])
        .values("pk")
        .order_by()[: COUNT_LIMIT + 1]
        .count()
        for ct_id in by_ct
    }
    selected = type_key if type_key in _types else ""
    facets = [
        Facet(
            t.key,
            t.label,
            min(counts[ct_id], COUNT_LIMIT),
            t.key == selected,
            more=counts[ct_id] > COUNT_LIMIT,
        )
        for ct_id, t in by_ct.items()
        if counts[ct_id]
    ]
    ct_of = {t.key: ct_id for ct_id, t in by_ct.items()}
    if selected:
        visible = visible_of[ct_of[selected]]
        total = counts.get(ct_of[selected], 0)
    else:
        visible = functools.reduce(operator.or_, visible_of.values())
        total = sum(counts.values())
    matching = _matching_entries(terms).filter(visible)
    query_stems = [s for t in terms for s in stems(t)]

    more = False

    def page_of(offset: int, limit: int) -> list[SearchEntry]:
        return list(
            matching.order_by(*RANKING).only(
                "pk", "content_type_id", "object_id", "body"
            )[offset : offset + limit]
        )

    if total > FINE_RANK_LIMIT:
        # Only the newest visible matches are ranked, read in the index's
        # order (on SQLite FTS5's rowids backwards) until there are enough,
        # with their rank; they are put in order here, and a page reads its
        # entries by key.
        coarse = _matching_entries(terms, fine_rank=is_postgresql()).filter(visible)
        newest = (
            coarse.order_by("-pk")
            if is_postgresql()
            else coarse.extra(order_by=["-core_searchentry_fts.rowid"])  # noqa: S610
        )
        # search_rank is an extra select on SQLite, unknown to the type check.
        ranks = newest.values_list("pk", "search_rank")  # type: ignore[misc]
        candidates = list(ranks[:RANK_CANDIDATES])
        # Best first; within one rank the older first on PostgreSQL (as
        # RANKING), on SQLite (where the rank only says whether the title
        # matches) the newer first.
        tie = 1 if is_postgresql() else -1
        ordered = [
            pk for pk, _ in sorted(candidates, key=lambda c: (-c[1], tie * c[0]))
        ]
        more, total = True, len(ordered)

        def page_of(offset: int, limit: int) -> list[SearchEntry]:  # noqa: F811
            keys = ordered[offset : offset + limit]
            found = SearchEntry.objects.only(
                "pk", "content_type_id", "object_id", "body"
            ).in_bulk(keys)
            return [found[pk] for pk in keys if pk in found]

    def hits(offset: int, limit: int) -> list[Hit]:
        entries = page_of(offset, limit)
        wanted: dict[int, list[int]] = {}
        for entry in entries:
            wanted.setdefault(entry.content_type_id, []).append(entry.object_id)
        objects: dict[tuple[int, int], models.Model] = {}
        for ct_id, ids in wanted.items():
            model = by_ct[ct_id].model
            for found in model._default_manager.filter(pk__in=ids):
                objects[(ct_id, cast(int, found.pk))] = found
        result = []
        for entry in entries:
            obj = objects.get((entry.content_type_id, entry.object_id))
            if obj is None:  # removed since the entry was read
                continue
            search_type = by_ct[entry.content_type_id]
            result.append(
                Hit(
                    type=search_type,
                    title=highlight(search_type.title(obj), query_stems),
                    snippet=snippet(entry.body, query_stems),
                    url=obj.get_absolute_url(),  # type: ignore[attr-defined]
                )
            )
        return result

    return SiteSearch(query, terms, facets, total, hits, more)
