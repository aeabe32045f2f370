"""The actions of CKAN's Action API, on the catalog's selectors and services.

Each action takes the request context and the parameters as a dict and returns
the ``result`` of CKAN's envelope, or raises one of :mod:`allmende.ckan.errors`
(or Django's ``PermissionDenied``, ``Http404`` and ``ValidationError``, which
the dispatcher translates). Who may see a dataset is decided by
:mod:`allmende.catalog.selectors`, who may change it by the catalog's services.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models import Count, F, Prefetch, Q, QuerySet, Value
from django.db.models.functions import Coalesce, Lower, NullIf
from django.http import Http404, HttpRequest
from django.utils.translation import gettext as _

from allmende.accounts.models import User
from allmende.catalog import selectors, services, vocabularies
from allmende.catalog.forms import upload_too_large_message
from allmende.catalog.models import Dataset, DatasetTheme, Resource
from allmende.ckan import datastore
from allmende.ckan import params as params_
from allmende.ckan.errors import NotAuthorized, NotFound, SearchQueryError
from allmende.ckan.errors import ValidationFailed as Invalid
from allmende.ckan.packages import (
    DictError,
    licence_dict,
    licence_uri,
    organization_dict,
    package_dict,
    parse_package,
    parse_resource,
    resource_dict,
    theme_uri,
)
from allmende.ckan.params import Params
from allmende.core.api import id_from_text
from allmende.organizations import selectors as organization_selectors
from allmende.organizations.models import Organization

# The CKAN version whose Action API these actions follow.
CKAN_API_VERSION = "2.10.0"
MAX_ROWS = 1000
DEFAULT_ROWS = 10


@dataclass
class Context:
    request: HttpRequest
    viewer: User | AnonymousUser

    @property
    def actor(self) -> User:
        if not isinstance(self.viewer, User):
            raise NotAuthorized(_("You must send an API token to do this."))
        return self.viewer

    @property
    def base_url(self) -> str:
        return self.request.build_absolute_uri("/").rstrip("/")


ActionFunction = Callable[[Context, Params], Any]


@dataclass(frozen=True)
class Action:
    function: ActionFunction
    read_only: bool


ACTIONS: dict[str, Action] = {}


def action(*, read_only: bool) -> Callable[[ActionFunction], ActionFunction]:
    def register(function: ActionFunction) -> ActionFunction:
        ACTIONS[function.__name__] = Action(function, read_only)
        return function

    return register


# --- parameters ------------------------------------------------------------------


def _fields(parse: Callable[[], Any]) -> Any:
    try:
        return parse()
    except DictError as exc:
        raise Invalid(dict(exc.errors)) from exc


# --- lookups through the selectors -----------------------------------------------


def _dataset(ctx: Context, ref: str) -> Dataset:
    """A dataset by name or id, if the caller may see it.

    A hidden dataset answers exactly like a missing one.
    """
    slug = ref
    pk = id_from_text(ref)
    if pk is not None:
        visible = selectors.visible_datasets(ctx.viewer)
        if not visible.filter(slug=ref).exists():
            slug = visible.filter(pk=pk).values_list("slug", flat=True).first() or ref
    try:
        return selectors.dataset_for_viewer(viewer=ctx.viewer, slug=slug)
    except Http404 as exc:
        raise NotFound(_("Dataset not found")) from exc


def _resource(ctx: Context, ref: str) -> Resource:
    """A resource by id, if the caller may see it; hidden answers like missing."""
    pk = id_from_text(ref)
    if pk is None:
        raise NotFound(_("Resource was not found."))
    try:
        return selectors.resource_for_viewer(viewer=ctx.viewer, pk=pk)
    except Http404 as exc:
        raise NotFound(_("Resource was not found.")) from exc


def _organization(ref: str) -> Organization:
    found = Organization.objects.filter(slug=ref).first()
    pk = id_from_text(ref)
    if found is None and pk is not None:
        found = Organization.objects.filter(pk=pk).first()
    if found is None:
        raise NotFound(_("Organization was not found."))
    return found


def _packages(ids: list[int]) -> list[Dataset]:
    """The datasets in the order of ``ids``, with all a package dict needs."""
    found = {
        dataset.pk: dataset
        for dataset in Dataset.objects.filter(pk__in=ids)
        .select_related("organization")
        .prefetch_related(
            Prefetch("themes", queryset=DatasetTheme.objects.order_by("theme")),
            Prefetch(
                "resources",
                queryset=Resource.objects.select_related("current_version").order_by(
                    "position", "pk"
                ),
            ),
        )
    }
    return [found[pk] for pk in ids if pk in found]


def _package(ctx: Context, dataset: Dataset) -> dict[str, Any]:
    return package_dict(_packages([dataset.pk])[0], base_url=ctx.base_url)


def _resource_result(ctx: Context, resource: Resource) -> dict[str, Any]:
    fresh = Resource.objects.select_related("dataset", "current_version").get(
        pk=resource.pk
    )
    return resource_dict(fresh, base_url=ctx.base_url)


# --- site --------------------------------------------------------------------------


@action(read_only=True)
def status_show(ctx: Context, params: Params) -> dict[str, Any]:
    """Return the site's name, address, CKAN API version and extensions."""
    return {
        "site_title": settings.SITE_NAME,
        "site_url": ctx.base_url,
        "site_description": "",
        "ckan_version": CKAN_API_VERSION,
        "error_emails_to": None,
        "locale_default": "de",
        "extensions": ["datastore", "fluent", "dcatde"],
    }


@action(read_only=True)
def help_show(ctx: Context, params: Params) -> str:
    """Return the description of an action.

    :param name: the action's name
    """
    name = params_.required(params, "name")
    found = ACTIONS.get(name)
    if found is None:
        raise NotFound(_("Action function not found"))
    return (found.function.__doc__ or "").strip()


@action(read_only=True)
def license_list(ctx: Context, params: Params) -> list[dict[str, Any]]:
    """Return the licences a dataset may have (the DCAT-AP.de licence list)."""
    return [licence_dict(term.uri) for term in vocabularies.LICENCES]


# --- datasets ----------------------------------------------------------------------


@action(read_only=True)
def package_list(ctx: Context, params: Params) -> list[str]:
    """Return the names of all public, published datasets.

    :param limit: how many names (optional)
    :param offset: how many to skip (optional)
    """
    limit = params_.integer(params, "limit", 0)
    offset = params_.integer(params, "offset", 0)
    names = (
        selectors.visible_datasets(AnonymousUser())
        .order_by("slug")
        .values_list("slug", flat=True)
    )
    if limit:
        return list(names[offset : offset + limit])
    return list(names[offset:])


@action(read_only=True)
def package_show(ctx: Context, params: Params) -> dict[str, Any]:
    """Return a dataset with its resources.

    :param id: the id or name of the dataset
    """
    return _package(ctx, _dataset(ctx, params_.required(params, "id", "name")))


FQ_TERM = re.compile(r'([+-]?)([A-Za-z_]+):("(?:[^"\\]|\\.)*"|\([^)]*\)|\S+)')
FQ_FIELDS = frozenset(
    {
        "organization",
        "owner_org",
        "tags",
        "res_format",
        "license_id",
        "groups",
        "name",
        "id",
        "state",
        "private",
        "dataset_type",
        "type",
    }
)


@dataclass(frozen=True)
class Term:
    field: str
    value: str
    negated: bool


def _terms(text: str, *, strict: bool) -> tuple[list[Term], str]:
    """``field:value`` terms of a Solr-style query and the rest of the text."""
    terms: list[Term] = []
    rest: list[str] = []
    position = 0
    for match in FQ_TERM.finditer(text):
        sign, name, raw = match.groups()
        if name not in FQ_FIELDS:
            if strict:
                raise SearchQueryError(
                    _("Unknown field “%(field)s” in fq.") % {"field": name}
                )
            continue
        rest.append(text[position : match.start()])
        position = match.end()
        if raw.startswith("("):
            raise SearchQueryError(
                _("Grouped values like “%(value)s” are not supported.")
                % {"value": raw[:60]}
            )
        value = raw[1:-1].replace('\\"', '"') if raw.startswith('"') else raw
        terms.append(Term(name, value, sign == "-"))
    rest.append(text[position:])
    leftover = " ".join(" ".join(rest).split())
    if strict and leftover and set(leftover.split()) - {"AND", "&&"}:
        raise SearchQueryError(
            _("Cannot parse “%(text)s”; use field:value terms.")
            % {"text": leftover[:80]}
        )
    return terms, leftover


def _term_filter(term: Term) -> Q | None:
    """The condition of one term; ``None`` for a term that matches everything."""
    value = term.value
    if term.field == "organization":
        return Q(organization__slug=value)
    if term.field == "owner_org":
        pk = id_from_text(value)
        return Q(organization_id=pk) if pk is not None else Q(organization__slug=value)
    if term.field == "res_format":
        return Q(
            pk__in=Resource.objects.filter(format__iexact=value).values("dataset_id")
        )
    if term.field == "license_id":
        return Q(licence=licence_uri(value) or value)
    if term.field == "groups":
        return Q(
            pk__in=DatasetTheme.objects.filter(theme=theme_uri(value) or value).values(
                "dataset_id"
            )
        )
    if term.field == "name":
        return Q(slug=value)
    if term.field == "id":
        pk = id_from_text(value)
        return Q(pk=pk) if pk is not None else Q(pk__in=[])
    if term.field == "state":
        status = {"active": Dataset.Status.PUBLISHED, "draft": Dataset.Status.DRAFT}
        return Q(status=status[value]) if value in status else Q(pk__in=[])
    if term.field == "private":
        return Q(is_private=value.lower() == "true")
    if term.field in ("dataset_type", "type"):
        return None if value == "dataset" else Q(pk__in=[])
    return None  # tags are matched in Python, see _with_tags


def _with_tags(queryset: QuerySet[Dataset], terms: list[Term]) -> QuerySet[Dataset]:
    """Keywords are a JSON list; matched here so SQLite and PostgreSQL agree."""
    wanted = [t for t in terms if t.field == "tags"]
    if not wanted:
        return queryset
    keep = [
        pk
        for pk, keywords in queryset.values_list("pk", "keywords")
        if all((t.value in (keywords or [])) != t.negated for t in wanted)
    ]
    return queryset.filter(pk__in=keep)


SORT_FIELDS: dict[str, Any] = {
    "metadata_modified": F("modified_at"),
    "metadata_created": F("created_at"),
    "name": F("slug"),
    "title_string": Lower(Coalesce(NullIf(F("title_de"), Value("")), F("title_en"))),
    "title": Lower(Coalesce(NullIf(F("title_de"), Value("")), F("title_en"))),
}


def _ordering(sort: str) -> tuple[bool, list[Any]]:
    """Whether the best match comes first, and the order of the rest."""
    by_score = False
    ordering: list[Any] = []
    for part in (p.strip() for p in sort.split(",")):
        if not part:
            continue
        name, _sep, direction = part.partition(" ")
        direction = direction.strip().lower() or "asc"
        if direction not in ("asc", "desc"):
            raise SearchQueryError(
                _("Sort direction must be asc or desc: “%(part)s”.") % {"part": part}
            )
        if name == "score":
            by_score = not ordering
            continue
        expression = SORT_FIELDS.get(name)
        if expression is None:
            raise SearchQueryError(
                _("Cannot sort by “%(field)s”.") % {"field": name[:60]}
            )
        ordering.append(expression.desc() if direction == "desc" else expression.asc())
    return by_score, ordering


def _facets(
    ids: list[int], names: list[str], limit: int, mincount: int
) -> dict[str, list[dict[str, Any]]]:
    found: dict[str, list[dict[str, Any]]] = {}
    base = Dataset.objects.filter(pk__in=ids)
    for name in names:
        items: list[dict[str, Any]] = []
        if name == "organization":
            items = [
                {
                    "name": row["organization__slug"],
                    "display_name": row["organization__name"],
                    "count": row["n"],
                }
                for row in base.values("organization__slug", "organization__name")
                .annotate(n=Count("pk"))
                .order_by("-n", "organization__slug")
            ]
        elif name == "license_id":
            items = [
                {
                    "name": row["licence"].removeprefix(vocabularies.LICENCE_BASE),
                    "display_name": vocabularies.label(row["licence"]),
                    "count": row["n"],
                }
                for row in base.values("licence")
                .annotate(n=Count("pk"))
                .order_by("-n", "licence")
            ]
        elif name == "groups":
            items = [
                {
                    "name": row["theme"].removeprefix(vocabularies.THEME_BASE).lower(),
                    "display_name": vocabularies.label(row["theme"]),
                    "count": row["n"],
                }
                for row in DatasetTheme.objects.filter(dataset__in=ids)
                .values("theme")
                .annotate(n=Count("dataset", distinct=True))
                .order_by("-n", "theme")
            ]
        elif name == "res_format":
            counts: Counter[str] = Counter()
            for _dataset, file_format in set(
                Resource.objects.filter(dataset__in=ids)
                .exclude(format="")
                .values_list("dataset_id", "format")
            ):
                counts[file_format.upper()] += 1
            items = [
                {"name": value, "display_name": value, "count": n}
                for value, n in sorted(counts.items(), key=lambda i: (-i[1], i[0]))
            ]
        elif name == "tags":
            tags: Counter[str] = Counter()
            for keywords in base.values_list("keywords", flat=True):
                tags.update(set(keywords or []))
            items = [
                {"name": value, "display_name": value, "count": n}
                for value, n in sorted(tags.items(), key=lambda i: (-i[1], i[0]))
            ]
        found[name] = [item for item in items if item["count"] >= mincount][:limit]
    return found


@action(read_only=True)
def package_search(ctx: Context, params: Params) -> dict[str, Any]:
    """Search the datasets the caller may see.

    :param q: words to search for; ``field:value`` terms as in ``fq`` also work
    :param fq: filters ``field:value`` (organization, owner_org, tags,
        res_format, license_id, groups, name, id, state, private), ``-`` excludes
    :param sort: e.g. ``metadata_modified desc``, ``title_string asc``,
        ``name asc``, ``score desc`` (default ``score desc, metadata_modified desc``)
    :param rows: how many datasets (default 10, at most 1000)
    :param start: how many to skip
    :param facet.field: list of fields to count values of
    :param facet.limit: values per facet (default 50)
    :param include_private: also private datasets the caller may see
    :param include_drafts: also drafts the caller may see
    """
    q = str(params.get("q") or "").strip()
    if q in ("*:*", "*"):
        q = ""
    q_terms, words = _terms(q, strict=False)
    fq_terms: list[Term] = []
    for fq in params.get("fq_list") or []:
        fq_terms.extend(_terms(str(fq), strict=True)[0])
    fq_terms.extend(_terms(str(params.get("fq") or ""), strict=True)[0])
    terms = q_terms + fq_terms
    rows = params_.integer(params, "rows", DEFAULT_ROWS, high=MAX_ROWS)
    start = params_.integer(params, "start", 0)
    by_score, ordering = _ordering(
        str(params.get("sort") or "score desc, metadata_modified desc")
    )
    facet_names = params_.text_list(params, "facet.field")
    facet_limit = params_.integer(params, "facet.limit", 50, low=-1)
    if facet_limit < 0:
        facet_limit = 10_000
    facet_mincount = params_.integer(params, "facet.mincount", 1)

    ranked = list(
        selectors.dataset_list(
            viewer=ctx.viewer, filters=selectors.CatalogFilters(q=words)
        ).values_list("pk", flat=True)
    )
    queryset = Dataset.objects.filter(pk__in=ranked)
    if not params_.boolean(params, "include_private", False):
        queryset = queryset.filter(is_private=False)
    if not params_.boolean(params, "include_drafts", False):
        queryset = queryset.filter(status=Dataset.Status.PUBLISHED)
    for term in terms:
        condition = _term_filter(term)
        if condition is not None:
            queryset = (
                queryset.exclude(condition)
                if term.negated
                else queryset.filter(condition)
            )
    queryset = _with_tags(queryset, terms)
    if by_score and words:
        matching = set(queryset.values_list("pk", flat=True))
        ids = [pk for pk in ranked if pk in matching]
    else:
        ids = list(
            queryset.order_by(
                *(ordering or [F("modified_at").desc()]), "pk"
            ).values_list("pk", flat=True)
        )
    page = ids[start : start + rows]
    facets = _facets(ids, facet_names, facet_limit, facet_mincount)
    return {
        "count": len(ids),
        "sort": str(params.get("sort") or "score desc, metadata_modified desc"),
        "results": [
            package_dict(dataset, base_url=ctx.base_url) for dataset in _packages(page)
        ],
        "facets": {
            name: {item["name"]: item["count"] for item in items}
            for name, items in facets.items()
        },
        "search_facets": {
            name: {"title": name, "items": items} for name, items in facets.items()
        },
    }


# --- organizations ---------------------------------------------------------------


def _package_counts() -> dict[int, int]:
    return dict(
        selectors.visible_datasets(AnonymousUser())
        .values_list("organization_id")
        .annotate(n=Count("pk"))
        .values_list("organization_id", "n")
    )


@action(read_only=True)
def organization_list(ctx: Context, params: Params) -> list[Any]:
    """Return the organizations' names, or their dicts with ``all_fields``.

    :param all_fields: whole dicts with ``package_count`` (public datasets)
    :param sort: ``name asc``, ``title asc`` or ``package_count desc``
    :param organizations: only these names
    :param limit: how many (at most 1000)
    :param offset: how many to skip
    """
    limit = params_.integer(params, "limit", MAX_ROWS, high=MAX_ROWS)
    offset = params_.integer(params, "offset", 0)
    sort = str(params.get("sort") or "title asc").strip()
    organizations = list(
        organization_selectors.organization_list(
            filters=organization_selectors.DirectoryFilters()
        )
    )
    wanted = params_.text_list(params, "organizations")
    if wanted:
        organizations = [o for o in organizations if o.slug in wanted]
    counts = _package_counts()
    field_name, _sep, direction = sort.partition(" ")
    keys: dict[str, Callable[[Organization], Any]] = {
        "name": lambda o: o.slug,
        "title": lambda o: o.name.lower(),
        "package_count": lambda o: counts.get(o.pk, 0),
    }
    if field_name not in keys or direction.strip().lower() not in ("", "asc", "desc"):
        raise Invalid(
            {"sort": [_("Cannot sort by “%(field)s”.") % {"field": sort[:60]}]}
        )
    organizations.sort(
        key=keys[field_name], reverse=direction.strip().lower() == "desc"
    )
    page = organizations[offset : offset + limit]
    if not params_.boolean(params, "all_fields", False):
        return [o.slug for o in page]
    return [organization_dict(o, package_count=counts.get(o.pk, 0)) for o in page]


@action(read_only=True)
def organization_show(ctx: Context, params: Params) -> dict[str, Any]:
    """Return an organization.

    :param id: its id or name
    :param include_datasets: also the datasets the caller may see (at most 1000)
    """
    organization = _organization(params_.required(params, "id", "name"))
    visible = selectors.visible_datasets(ctx.viewer).filter(organization=organization)
    found = organization_dict(
        organization, package_count=_package_counts().get(organization.pk, 0)
    )
    if params_.boolean(params, "include_datasets", False):
        ids = list(
            visible.order_by("-modified_at", "pk").values_list("pk", flat=True)[
                :MAX_ROWS
            ]
        )
        found["packages"] = [
            package_dict(d, base_url=ctx.base_url) for d in _packages(ids)
        ]
    return found


# --- resources ---------------------------------------------------------------------


@action(read_only=True)
def resource_show(ctx: Context, params: Params) -> dict[str, Any]:
    """Return a resource.

    :param id: the resource's id
    """
    return _resource_result(ctx, _resource(ctx, params_.required(params, "id")))


@action(read_only=True)
def datastore_search(ctx: Context, params: Params) -> dict[str, Any]:
    """Return rows of a resource's table.

    :param resource_id: the resource
    :param filters: ``{"column": value or [values]}``
    :param q: full-text search (a string) or ``{"column": text}``
    :param fields: columns to return (list or comma-separated)
    :param sort: e.g. ``"Stadt asc, Einwohner desc"``
    :param limit: rows (default 100, at most 1000)
    :param offset: rows to skip
    :param include_total: also count the matching rows (default true)
    :param records_format: ``objects`` (default), ``lists``, ``csv`` or ``tsv``
    """
    resource = _resource(ctx, params_.required(params, "resource_id", "id"))
    return datastore.search(ctx.request, ctx.viewer, resource, params)


@action(read_only=True)
def datastore_search_sql(ctx: Context, params: Params) -> dict[str, Any]:
    """Run one read-only SELECT; name the table by its resource id in double quotes.

    :param sql: e.g. ``SELECT * FROM "42" WHERE "Stadt" = 'Köln'``
    """
    sql = params_.required(params, "sql")
    reference = datastore.table_reference(sql, ctx.viewer)
    return datastore.search_sql(ctx.request, ctx.viewer, _resource(ctx, reference), sql)


# --- writing -----------------------------------------------------------------------


def _upload(params: Params) -> UploadedFile | None:
    upload = params.get("upload")
    if upload is None or upload == "":
        return None
    if not isinstance(upload, UploadedFile):
        raise Invalid({"upload": [_("Send the file as multipart/form-data.")]})
    if (upload.size or 0) > settings.ALLMENDE_MAX_UPLOAD_BYTES:
        raise Invalid({"upload": [upload_too_large_message(upload.size or 0)]})
    return upload


def _default_name(fields: dict[str, Any], upload: UploadedFile | None) -> None:
    if fields.get("title_de") or fields.get("title_en"):
        return
    if upload is not None:
        fields["title_de"] = (upload.name or "").rsplit("/", 1)[-1][:200]
    elif fields.get("url"):
        fields["title_de"] = fields["url"].rstrip("/").rsplit("/", 1)[-1][:200]


def _create_resource(
    ctx: Context, dataset: Dataset, data: Params, upload: UploadedFile | None
) -> Resource:
    fields = _fields(lambda: parse_resource(data, complete=True)).fields
    _default_name(fields, upload)
    if upload is None and not fields.get("url"):
        raise Invalid({"url": [_("Missing value: give a URL or upload a file.")]})
    if upload is not None:
        fields.pop("format", None)
    return services.resource_create(
        actor=ctx.actor, dataset=dataset, upload=upload, **fields
    )


def _update_resource(
    ctx: Context,
    resource: Resource,
    data: Params,
    upload: UploadedFile | None,
    *,
    complete: bool,
) -> Resource:
    fields = _fields(lambda: parse_resource(data, complete=complete)).fields
    title_de = fields.get("title_de", resource.title_de)
    title_en = fields.get("title_en", resource.title_en)
    if not (title_de or title_en):
        # A name is required; one that is left out stays as it was.
        fields["title_de"], fields["title_en"] = resource.title_de, resource.title_en
    if resource.kind == Resource.Kind.UPLOAD:
        fields.pop("url", None)
        fields.pop("format", None)
    elif complete and not fields.get("url"):
        fields["url"] = resource.url
    services.resource_update(actor=ctx.actor, resource=resource, **fields)
    if upload is not None:
        services.resource_upload_version(
            actor=ctx.actor, resource=resource, upload=upload
        )
    return resource


def _sync_resources(
    ctx: Context, dataset: Dataset, items: list[Params], *, complete: bool
) -> None:
    """CKAN's list replaces the resources: kept by id, new ones added, others go."""
    existing = {str(r.pk): r for r in dataset.resources.all()}
    kept: set[str] = set()
    for item in items:
        ref = str(item.get("id") or "")
        if ref in existing:
            kept.add(ref)
            _update_resource(ctx, existing[ref], item, None, complete=complete)
        else:
            _create_resource(ctx, dataset, item, None)
    for ref, resource in existing.items():
        if ref not in kept:
            services.resource_delete(actor=ctx.actor, resource=resource)


def _set_state(ctx: Context, dataset: Dataset, state: str | None) -> None:
    if state is None:
        return
    published = state == "active"
    if published != dataset.is_published:
        services.dataset_set_published(
            actor=ctx.actor, dataset=dataset, published=published
        )


@action(read_only=False)
def package_create(ctx: Context, params: Params) -> dict[str, Any]:
    """Create a dataset; it is published unless ``state`` is ``draft``.

    :param name: the name in addresses (lowercase letters, digits, ``-``, ``_``)
    :param title: the title (or ``title_translated`` with ``de`` and ``en``)
    :param owner_org: the organization's id or name
    :param license_id: a licence of ``license_list`` (code or URI)
    :param notes, tags, private, maintainer, maintainer_email, groups, extras,
        resources: as in ``package_show``
    """
    actor = ctx.actor
    parsed = _fields(lambda: parse_package(params, complete=True))
    if not parsed.organization:
        raise Invalid({"owner_org": [_("Missing value")]})
    try:
        organization = _organization(parsed.organization)
    except NotFound as exc:
        raise Invalid({"owner_org": [_("Organization does not exist.")]}) from exc
    with transaction.atomic():
        dataset = services.dataset_create(
            actor=actor,
            organization=organization,
            themes=parsed.themes or [],
            slug=parsed.slug or "",
            **parsed.fields,
        )
        for item in parsed.resources or []:
            _create_resource(ctx, dataset, item, None)
        _set_state(ctx, dataset, parsed.state or "active")
    return _package(ctx, dataset)


def _change_package(ctx: Context, params: Params, *, complete: bool) -> dict[str, Any]:
    actor = ctx.actor
    dataset = _dataset(ctx, params_.required(params, "id", "name"))
    parsed = _fields(lambda: parse_package(params, complete=complete))
    if parsed.organization and parsed.organization not in (
        str(dataset.organization_id),
        dataset.organization.slug,
    ):
        raise Invalid(
            {"owner_org": [_("A dataset cannot move to another organization.")]}
        )
    with transaction.atomic():
        services.dataset_update(
            actor=actor,
            dataset=dataset,
            themes=parsed.themes,
            slug=parsed.slug if parsed.slug != dataset.slug else None,
            **parsed.fields,
        )
        if parsed.resources is not None:
            _sync_resources(ctx, dataset, parsed.resources, complete=complete)
        _set_state(ctx, dataset, parsed.state)
    return _package(ctx, dataset)


@action(read_only=False)
def package_update(ctx: Context, params: Params) -> dict[str, Any]:
    """Replace a dataset: fields left out are emptied, as in CKAN.

    :param id: the dataset's id or name; the other parameters as in
        ``package_create``. Without ``resources`` the resources stay.
    """
    return _change_package(ctx, params, complete=True)


@action(read_only=False)
def package_patch(ctx: Context, params: Params) -> dict[str, Any]:
    """Change only the given fields of a dataset.

    :param id: the dataset's id or name
    """
    return _change_package(ctx, params, complete=False)


@action(read_only=False)
def package_delete(ctx: Context, params: Params) -> None:
    """Delete a dataset with its resources and files (for organization admins).

    :param id: the dataset's id or name
    """
    dataset = _dataset(ctx, params_.required(params, "id", "name"))
    services.dataset_delete(actor=ctx.actor, dataset=dataset)


@action(read_only=False)
def resource_create(ctx: Context, params: Params) -> dict[str, Any]:
    """Add a resource: a link (``url``) or a file (``upload``, multipart).

    An uploaded table is loaded like one uploaded on the website;
    ``datastore_active`` is true once its table can be queried.

    :param package_id: the dataset's id or name
    :param name, description, url, format, license_id: as in ``resource_show``
    :param upload: the file
    """
    dataset = _dataset(ctx, params_.required(params, "package_id"))
    upload = _upload(params)
    resource = _create_resource(ctx, dataset, params, upload)
    return _resource_result(ctx, resource)


def _change_resource(ctx: Context, params: Params, *, complete: bool) -> dict[str, Any]:
    resource = _resource(ctx, params_.required(params, "id"))
    upload = _upload(params)
    with transaction.atomic():
        _update_resource(ctx, resource, params, upload, complete=complete)
    return _resource_result(ctx, resource)


@action(read_only=False)
def resource_update(ctx: Context, params: Params) -> dict[str, Any]:
    """Replace a resource's description; a new ``upload`` becomes a new version.

    :param id: the resource's id
    """
    return _change_resource(ctx, params, complete=True)


@action(read_only=False)
def resource_patch(ctx: Context, params: Params) -> dict[str, Any]:
    """Change only the given fields of a resource.

    :param id: the resource's id
    """
    return _change_resource(ctx, params, complete=False)


@action(read_only=False)
def resource_delete(ctx: Context, params: Params) -> None:
    """Delete a resource with all its versions and files.

    :param id: the resource's id
    """
    services.resource_delete(
        actor=ctx.actor, resource=_resource(ctx, params_.required(params, "id"))
    )
