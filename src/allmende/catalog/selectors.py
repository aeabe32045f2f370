"""Reads of the catalog: which datasets a viewer may see, searched and faceted."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.contrib.auth.models import AnonymousUser
from django.db import connection
from django.db.models import Count, Prefetch, Q, QuerySet
from django.http import Http404

from allmende.accounts.models import User
from allmende.catalog import engine, tablestore, vocabularies
from allmende.catalog.models import Dataset, DatasetTheme, Resource, ResourceVersion
from allmende.core.models import AuditLogEntry
from allmende.core.search import search_queryset
from allmende.organizations.models import Organization

Viewer = User | AnonymousUser


def visible_datasets_filter(viewer: Viewer) -> Q:
    """The datasets ``viewer`` may see (the query form of ``catalog.view_dataset``)."""
    public = Q(status=Dataset.Status.PUBLISHED, is_private=False)
    if not viewer.is_authenticated:
        return public
    if viewer.is_staff:
        return Q()
    return public | Q(organization__memberships__user=viewer)


def visible_datasets(viewer: Viewer) -> QuerySet[Dataset]:
    ids = Dataset.objects.filter(visible_datasets_filter(viewer)).values("pk")
    return Dataset.objects.filter(pk__in=ids)


@dataclass(frozen=True)
class CatalogFilters:
    q: str = ""
    organization: str = ""
    licence: str = ""
    theme: str = ""
    format: str = ""
    mine: bool = False


@dataclass
class CatalogPage:
    datasets: QuerySet[Dataset]
    facets: dict[str, list[dict[str, Any]]] = field(default_factory=dict)


def dataset_list(*, viewer: Viewer, filters: CatalogFilters) -> QuerySet[Dataset]:
    queryset = visible_datasets(viewer)
    if filters.organization:
        queryset = queryset.filter(organization__slug=filters.organization)
    if filters.licence:
        queryset = queryset.filter(licence=filters.licence)
    if filters.theme:
        queryset = queryset.filter(themes__theme=filters.theme)
    if filters.format:
        queryset = queryset.filter(resources__format=filters.format).distinct()
    if filters.mine and viewer.is_authenticated:
        queryset = queryset.filter(organization__memberships__user=viewer).distinct()
    queryset = queryset.select_related("organization").prefetch_related(
        Prefetch("themes", queryset=DatasetTheme.objects.order_by("theme")),
        Prefetch(
            "resources",
            queryset=Resource.objects.order_by("position", "pk").only(
                "pk", "dataset_id", "format", "position"
            ),
        ),
    )
    if filters.q:
        return search_queryset(queryset, filters.q)
    return queryset.order_by("-modified_at", "pk")


def organization_datasets(
    *, viewer: Viewer, organization: Organization, limit: int = 10
) -> list[Dataset]:
    """The newest datasets of one organization that ``viewer`` may see."""
    return list(
        visible_datasets(viewer)
        .filter(organization=organization)
        .order_by("-modified_at", "pk")[:limit]
    )


def dataset_facets(
    *, viewer: Viewer, filters: CatalogFilters
) -> dict[str, list[dict[str, Any]]]:
    """Value counts for the search page's facets, over the filtered datasets.

    One query per facet, whatever the number of datasets.
    """
    matching = dataset_list(viewer=viewer, filters=filters)
    ids: Any = matching.values("pk")
    if filters.q:
        # SQLite's full-text join names the outer table, so it cannot be a
        # subquery; the matching ids are fetched once instead.
        ids = list(matching.values_list("pk", flat=True))
    base = Dataset.objects.filter(pk__in=ids)
    organizations = (
        base.values("organization__slug", "organization__name")
        .annotate(n=Count("pk"))
        .order_by("-n", "organization__name")[:20]
    )
    licences = base.values("licence").annotate(n=Count("pk")).order_by("-n")[:20]
    themes = (
        DatasetTheme.objects.filter(dataset__in=ids)
        .values("theme")
        .annotate(n=Count("dataset", distinct=True))
        .order_by("-n")
    )
    formats = (
        Resource.objects.filter(dataset__in=ids)
        .exclude(format="")
        .values("format")
        .annotate(n=Count("dataset", distinct=True))
        .order_by("-n", "format")[:20]
    )
    return {
        "organization": [
            {
                "value": row["organization__slug"],
                "label": row["organization__name"],
                "count": row["n"],
            }
            for row in organizations
        ],
        "licence": [
            {
                "value": row["licence"],
                "label": vocabularies.label(row["licence"]),
                "count": row["n"],
            }
            for row in licences
        ],
        "theme": [
            {
                "value": row["theme"],
                "label": vocabularies.label(row["theme"]),
                "count": row["n"],
            }
            for row in themes
        ],
        "format": [
            {"value": row["format"], "label": row["format"].upper(), "count": row["n"]}
            for row in formats
        ],
    }


def dataset_for_viewer(*, viewer: Viewer, slug: str) -> Dataset:
    """The dataset, or 404 when it does not exist or ``viewer`` may not see it.

    A hidden dataset answers like a missing one, so its address reveals nothing.
    """
    dataset = (
        Dataset.objects.select_related("organization")
        .prefetch_related("themes")
        .filter(slug=slug)
        .first()
    )
    if dataset is None or not viewer.has_perm("catalog.view_dataset", dataset):
        raise Http404
    return dataset


def resource_for_viewer(
    *, viewer: Viewer, pk: int, slug: str | None = None
) -> Resource:
    resource = (
        Resource.objects.select_related("dataset__organization", "current_version")
        .filter(pk=pk)
        .first()
    )
    if resource is None or (slug is not None and resource.dataset.slug != slug):
        raise Http404
    if not viewer.has_perm("catalog.view_dataset", resource.dataset):
        raise Http404
    return resource


@dataclass(frozen=True)
class PublicTable:
    """The served table of a resource of a published, public dataset."""

    resource_id: int
    version_number: int | None
    has_table: bool
    build: str


def public_table(*, pk: int) -> PublicTable | None:
    """The current table version of resource ``pk`` if everyone may see it.

    The same rule as ``catalog.view_dataset`` for visitors who are not logged
    in (published and not private), answered with one hand-written query: the
    query API asks this on every request, and building the equivalent ORM
    query took about a millisecond, a large part of a small request.  Always
    read from the database, so publishing, hiding or replacing a version is
    seen by every worker at once.
    """
    resource = Resource._meta.db_table
    dataset = Dataset._meta.db_table
    version = ResourceVersion._meta.db_table
    sql = (
        f"SELECT r.id, v.number, v.loaded_at, v.table_build FROM {resource} r "  # noqa: S608
        f"JOIN {dataset} d ON d.id = r.dataset_id "
        f"LEFT JOIN {version} v ON v.id = r.current_version_id "
        "WHERE r.id = %s AND d.status = %s AND d.is_private = %s"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [pk, Dataset.Status.PUBLISHED.value, False])
        row = cursor.fetchone()
    if row is None:
        return None
    return PublicTable(
        resource_id=int(row[0]),
        version_number=None if row[1] is None else int(row[1]),
        has_table=row[2] is not None,
        build=row[3] or "",
    )


def table_for_viewer(
    *, viewer: Viewer, resource_id: int, version: int | None = None
) -> engine.Resource:
    """The table of a resource's current version (or of version ``version``)
    for ``viewer``: the only way from pages, the APIs, exports, charts and maps
    to the engine.

    Raises ``Http404`` when the resource does not exist or ``viewer`` may not
    see its dataset (or there is no version ``version``), and the engine's
    ``ResourceNotReadyError`` when the version has no table to read (not
    loaded yet, or its files cannot be opened).
    """
    if version is None and not viewer.is_authenticated:
        # The common case, kept lean: a visitor reads the current version.
        public = public_table(pk=resource_id)
        if public is None:
            raise Http404
        if public.version_number is None or not public.has_table:
            raise engine.errors.ResourceNotReadyError()
        return tablestore.open_table(
            tablestore.BuildKey(resource_id, public.version_number, public.build)
        )
    resource = resource_for_viewer(viewer=viewer, pk=resource_id)
    if version is None:
        shown = resource.current_version
    else:
        shown = resource.versions.filter(number=version).first()
        if shown is None:
            raise Http404
    if shown is None or not shown.has_table:
        raise engine.errors.ResourceNotReadyError()
    return tablestore.open_table(tablestore.BuildKey.of(shown))


def dataset_resources(*, dataset: Dataset) -> list[Resource]:
    return list(
        dataset.resources.select_related("current_version").order_by("position", "pk")
    )


def resource_versions(*, resource: Resource) -> list[ResourceVersion]:
    return list(resource.versions.select_related("created_by").order_by("-number"))


def latest_version(*, resource: Resource) -> ResourceVersion | None:
    return resource.versions.order_by("-number").first()


def dataset_history(*, dataset: Dataset) -> QuerySet[AuditLogEntry]:
    from django.contrib.contenttypes.models import ContentType

    return (
        AuditLogEntry.objects.filter(
            content_type=ContentType.objects.get_for_model(Dataset),
            object_id=dataset.pk,
        )
        .select_related("actor")
        .order_by("-created_at", "-pk")
    )


def organizations_for_datasets(*, user: User) -> QuerySet[Organization]:
    """The organizations ``user`` may publish datasets for: their own; all for staff."""
    if user.is_staff:
        return Organization.objects.order_by("name")
    return Organization.objects.filter(memberships__user=user).order_by("name")


def dcat_datasets(*, modified_since: datetime | None = None) -> QuerySet[Dataset]:
    """The published, public datasets of the DCAT-AP.de catalog.

    Everything the RDF needs is fetched in a fixed number of queries.
    """
    queryset = Dataset.objects.filter(status=Dataset.Status.PUBLISHED, is_private=False)
    if modified_since is not None:
        queryset = queryset.filter(modified_at__gte=modified_since)
    return (
        queryset.select_related("organization")
        .prefetch_related(
            Prefetch("themes", queryset=DatasetTheme.objects.order_by("theme")),
            Prefetch(
                "resources",
                queryset=Resource.objects.select_related("current_version").order_by(
                    "position", "pk"
                ),
            ),
        )
        .order_by("-modified_at", "pk")
    )


def sees_only_public_published_datasets(*, viewer: Viewer) -> bool:
    """Whether the published datasets ``viewer`` may see are the public ones."""
    if not viewer.is_authenticated:
        return True
    if viewer.is_staff:
        return False
    return not Dataset.objects.filter(
        organization__memberships__user=viewer,
        status=Dataset.Status.PUBLISHED,
        is_private=True,
    ).exists()


def datasets_recently_changed(*, viewer: Viewer, limit: int = 6) -> list[Dataset]:
    """Published datasets ``viewer`` may see, the latest new or changed first."""
    return list(
        visible_datasets(viewer)
        .filter(status=Dataset.Status.PUBLISHED)
        .select_related("organization")
        .order_by("-modified_at", "-id")[:limit]
    )
