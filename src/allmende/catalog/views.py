"""Pages of the catalog: search, datasets, resources, previews and downloads.

Everything works as plain links and forms; htmx only refreshes the loading
progress, and the chart and map are drawn by scripts from data in the page.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from functools import wraps
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import InvalidPage, Paginator
from django.http import (
    FileResponse,
    Http404,
    HttpRequest,
    HttpResponse,
    HttpResponseBadRequest,
    StreamingHttpResponse,
)
from django.http.response import HttpResponseBase
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django.views.decorators.http import require_POST, require_safe
from django.views.decorators.vary import vary_on_headers
from rdflib import Graph

from allmende.accounts.models import User
from allmende.accounts.utils import request_user
from allmende.catalog import (
    dcat,
    engine,
    formats,
    selectors,
    services,
    tables,
    tablestore,
)
from allmende.catalog.engine import charts
from allmende.catalog.forms import (
    FILTER_OPERATORS,
    CatalogFilterForm,
    ChartForm,
    DatasetCreateForm,
    DatasetForm,
    ResourceForm,
    SchemaForm,
    SqlForm,
    VersionForm,
    upload_too_large_message,
)
from allmende.catalog.models import Dataset, Resource, ResourceVersion
from allmende.catalog.quality import dataset_quality
from allmende.core import files
from allmende.core.forms import add_validation_error
from allmende.core.idempotency import previous_result, submission_key, submit_once
from allmende.core.site import site_url

View = Callable[..., HttpResponse]

# Room for the form fields around the file in a multipart body.
MULTIPART_OVERHEAD = 64 * 1024


def announced_length_over_limit(request: HttpRequest) -> int:
    """The body's announced length when it exceeds the upload limit, else 0."""
    try:
        length = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return 0
    return (
        length
        if length > settings.ALLMENDE_MAX_UPLOAD_BYTES + MULTIPART_OVERHEAD
        else 0
    )


def refuse_large_uploads(view: View) -> View:
    """Answer 413 before the body is read when ``Content-Length`` is too large.

    The CSRF check would read the whole body (and store the file) first, so it
    runs only after this check.
    """
    protected = csrf_protect(view)

    @csrf_exempt
    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if request.method == "POST":
            length = announced_length_over_limit(request)
            if length:
                response = render(
                    request,
                    "catalog/upload_refused.html",
                    {"message": upload_too_large_message(length)},
                    status=413,
                )
                response["Connection"] = "close"
                return response
        return protected(request, *args, **kwargs)

    return wrapper


def _editable_dataset(request: HttpRequest, slug: str) -> Dataset:
    dataset = selectors.dataset_for_viewer(viewer=request.user, slug=slug)
    if not request.user.has_perm("catalog.change_dataset", dataset):
        raise PermissionDenied
    return dataset


# --- search -----------------------------------------------------------------------


@require_safe
def index(request: HttpRequest) -> HttpResponse:
    form = CatalogFilterForm(request.GET or None)
    filters = selectors.CatalogFilters(**form.filters())  # type: ignore[arg-type]
    paginator = Paginator(
        selectors.dataset_list(viewer=request.user, filters=filters),
        settings.ALLMENDE_CATALOG_PAGE_SIZE,
    )
    page = paginator.get_page(request.GET.get("page"))
    facets = selectors.dataset_facets(viewer=request.user, filters=filters)
    active = form.filters()
    for key, items in facets.items():
        for item in items:
            item["active"] = active.get(key) == item["value"]
    can_add = (
        isinstance(request.user, User)
        and selectors.organizations_for_datasets(user=request.user).exists()
    )
    return render(
        request,
        "catalog/index.html",
        {
            "form": form,
            "page": page,
            "facets": facets,
            "active": active,
            "can_add": can_add,
        },
    )


# --- datasets -------------------------------------------------------------------


@login_required
def dataset_create(request: HttpRequest) -> HttpResponse:
    user = request_user(request)
    organizations = selectors.organizations_for_datasets(user=user)
    if not organizations.exists():
        raise PermissionDenied
    if request.method == "POST":
        form = DatasetCreateForm(request.POST, organizations=organizations)
        valid = form.is_valid()
        earlier = previous_result(submission_key(request), user)
        if earlier:
            return redirect(earlier)
        if valid:
            data = dict(form.cleaned_data)
            key = data.pop("submission_key")
            organization = data.pop("organization")
            themes = data.pop("themes")
            try:
                url = submit_once(
                    key=key,
                    user=user,
                    create=lambda: services.dataset_create(
                        actor=user, organization=organization, themes=themes, **data
                    ).get_absolute_url(),
                )
            except ValidationError as exc:
                add_validation_error(form, exc)
            else:
                messages.success(
                    request,
                    _("The dataset has been created as a draft. Now add its data."),
                )
                return redirect(url)
    else:
        initial = {}
        if organizations.count() == 1:
            initial["organization"] = organizations.first()
        form = DatasetCreateForm(initial=initial, organizations=organizations)
    return render(request, "catalog/dataset_form.html", {"form": form})


def _rdf_response(graph: Graph, ext: str) -> HttpResponse:
    _, content_type = dcat.FORMATS[ext]
    return HttpResponse(
        dcat.serialize(graph, ext), content_type=f"{content_type}; charset=utf-8"
    )


def _dataset_rdf(dataset: Dataset, ext: str) -> HttpResponse:
    graph = dcat.dataset_graph(dataset, selectors.dataset_resources(dataset=dataset))
    return _rdf_response(graph, ext)


@require_safe
def dataset_rdf(request: HttpRequest, slug: str, ext: str) -> HttpResponse:
    """The dataset in DCAT-AP.de as Turtle, RDF/XML or JSON-LD."""
    if ext not in dcat.FORMATS:
        raise Http404
    dataset = selectors.dataset_for_viewer(viewer=request.user, slug=slug)
    return _dataset_rdf(dataset, ext)


@require_safe
def catalog_rdf(request: HttpRequest, ext: str) -> HttpResponse:
    """The public catalog in DCAT-AP.de, paged with Hydra, ``?modified_since=``."""
    if ext not in dcat.FORMATS:
        raise Http404
    raw = request.GET.get("modified_since", "").strip()
    modified_since = None
    if raw:
        try:
            modified_since = datetime.fromisoformat(raw)
        except ValueError:
            return HttpResponseBadRequest(
                _(
                    "modified_since must be a date or time in ISO 8601 form, "
                    "for example 2025-01-31 or 2025-01-31T12:00:00+01:00."
                ),
                content_type="text/plain; charset=utf-8",
            )
        if timezone.is_naive(modified_since):
            modified_since = timezone.make_aware(modified_since)
    paginator = Paginator(
        selectors.dcat_datasets(modified_since=modified_since),
        settings.ALLMENDE_DCAT_PAGE_SIZE,
    )
    try:
        page = paginator.page(request.GET.get("page") or 1)
    except InvalidPage as exc:
        raise Http404 from exc

    def page_uri(number: int) -> str:
        query = request.GET.copy()
        query["page"] = str(number)
        return f"{site_url(request)}{request.path}?{query.urlencode()}"

    info = dcat.PageInfo(
        uri=page_uri(page.number),
        total_items=paginator.count,
        items_per_page=paginator.per_page,
        first=page_uri(1),
        last=page_uri(paginator.num_pages),
        previous=page_uri(page.previous_page_number()) if page.has_previous() else None,
        next=page_uri(page.next_page_number()) if page.has_next() else None,
    )
    return _rdf_response(dcat.catalog_graph(page.object_list, info), ext)


RDF_OR_HTML = ["text/html", *dcat.CONTENT_TYPES]


@vary_on_headers("Accept")
def dataset_detail(request: HttpRequest, slug: str) -> HttpResponse:
    dataset = selectors.dataset_for_viewer(viewer=request.user, slug=slug)
    preferred = request.get_preferred_type(RDF_OR_HTML)
    if preferred in dcat.CONTENT_TYPES:
        return _dataset_rdf(dataset, dcat.CONTENT_TYPES[preferred])
    resources = selectors.dataset_resources(dataset=dataset)
    return render(
        request,
        "catalog/dataset_detail.html",
        {
            "dataset": dataset,
            "resources": resources,
            "quality": dataset_quality(dataset, resources),
            "related": dcat.related_pages([dataset.pk]).get(dataset.pk, []),
            "can_edit": request.user.has_perm("catalog.change_dataset", dataset),
            "can_publish": request.user.has_perm("catalog.publish_dataset", dataset),
            "can_delete": request.user.has_perm("catalog.delete_dataset", dataset),
        },
    )


@login_required
def dataset_edit(request: HttpRequest, slug: str) -> HttpResponse:
    user = request_user(request)
    dataset = _editable_dataset(request, slug)
    if request.method == "POST":
        form = DatasetForm(request.POST, instance=dataset)
        if form.is_valid():
            data = dict(form.cleaned_data)
            themes = data.pop("themes")
            dataset.refresh_from_db()
            try:
                services.dataset_update(
                    actor=user, dataset=dataset, themes=themes, **data
                )
            except ValidationError as exc:
                add_validation_error(form, exc)
            else:
                messages.success(request, _("The dataset has been saved."))
                return redirect(dataset)
        dataset.refresh_from_db()
    else:
        form = DatasetForm(instance=dataset)
    quality = dataset_quality(dataset, selectors.dataset_resources(dataset=dataset))
    return render(
        request,
        "catalog/dataset_form.html",
        {"form": form, "dataset": dataset, "quality": quality},
    )


@login_required
@require_POST
def dataset_publish(request: HttpRequest, slug: str) -> HttpResponse:
    dataset = selectors.dataset_for_viewer(viewer=request.user, slug=slug)
    published = request.POST.get("published") == "1"
    services.dataset_set_published(
        actor=request_user(request), dataset=dataset, published=published
    )
    messages.success(
        request,
        _("The dataset is now published.")
        if published
        else _("The dataset is a draft again."),
    )
    return redirect(dataset)


@login_required
@require_POST
def dataset_delete(request: HttpRequest, slug: str) -> HttpResponse:
    dataset = selectors.dataset_for_viewer(viewer=request.user, slug=slug)
    services.dataset_delete(actor=request_user(request), dataset=dataset)
    messages.success(request, _("The dataset has been deleted."))
    return redirect("catalog:index")


def dataset_history(request: HttpRequest, slug: str) -> HttpResponse:
    dataset = selectors.dataset_for_viewer(viewer=request.user, slug=slug)
    paginator = Paginator(selectors.dataset_history(dataset=dataset), 50)
    return render(
        request,
        "catalog/history.html",
        {"dataset": dataset, "page": paginator.get_page(request.GET.get("page"))},
    )


# --- resources -------------------------------------------------------------------


@refuse_large_uploads
@login_required
def resource_create(request: HttpRequest, slug: str) -> HttpResponse:
    user = request_user(request)
    dataset = _editable_dataset(request, slug)
    if request.method == "POST":
        form = ResourceForm(request.POST, request.FILES)
        valid = form.is_valid()
        earlier = previous_result(submission_key(request), user)
        if earlier:
            return redirect(earlier)
        if valid:
            data = dict(form.cleaned_data)
            key = data.pop("submission_key")
            upload = data.pop("file") or None
            load = bool(data.pop("load")) and upload is None
            if upload is not None:
                data.pop("format")
            try:
                url = submit_once(
                    key=key,
                    user=user,
                    create=lambda: services.resource_create(
                        actor=user, dataset=dataset, upload=upload, load=load, **data
                    ).get_absolute_url(),
                )
            except ValidationError as exc:
                add_validation_error(form, exc)
            else:
                messages.success(request, _("The resource has been added."))
                return redirect(url)
    else:
        form = ResourceForm()
    return render(
        request,
        "catalog/resource_form.html",
        {
            "form": form,
            "dataset": dataset,
            "max_upload": settings.ALLMENDE_MAX_UPLOAD_BYTES,
        },
    )


def _version_of(resource: Resource, number: str | None) -> ResourceVersion | None:
    if number:
        try:
            return resource.versions.get(number=int(number))
        except (ValueError, ResourceVersion.DoesNotExist) as exc:
            raise Http404 from exc
    return resource.current_version


def resource_detail(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    resource = selectors.resource_for_viewer(viewer=request.user, pk=pk, slug=slug)
    dataset = resource.dataset
    can_edit = request.user.has_perm("catalog.change_dataset", dataset)
    latest = selectors.latest_version(resource=resource)
    shown = _version_of(resource, request.GET.get("version"))
    context: dict[str, Any] = {
        "dataset": dataset,
        "resource": resource,
        "can_edit": can_edit,
        "latest": latest,
        "shown": shown,
        "versions": selectors.resource_versions(resource=resource),
        "map_tiles": settings.ALLMENDE_MAP_TILE_URL,
        "map_attribution": settings.ALLMENDE_MAP_ATTRIBUTION,
        "operators": FILTER_OPERATORS,
        "api_url": f"/api/catalog/resources/{resource.pk}/rows",
    }
    if latest is not None and latest.status == ResourceVersion.Status.FAILED:
        context["latest_error"] = services.error_text(
            latest.error_template, latest.error_params
        )
    if shown is not None and shown.has_table:
        try:
            table = selectors.table_for_viewer(
                viewer=request.user, resource_id=resource.pk, version=shown.number
            )
        except engine.errors.ResourceNotReadyError:
            context["table_error"] = _("The table of this version is not available.")
        else:
            context.update(tables.preview(table, request.GET))
            context.update(tables.chart(table, request.GET, shown.columns))
            context.update(tables.map_data(table))
            sql_form = SqlForm(request.GET if "sql" in request.GET else None)
            context["sql_form"] = sql_form
            if sql_form.is_bound and sql_form.is_valid():
                context.update(tables.sql(request, table, sql_form.cleaned_data["sql"]))
            context["chart_form"] = ChartForm(
                request.GET if "chart" in request.GET else None,
                columns=shown.columns,
            )
        if can_edit and shown == latest:
            context["schema_form"] = SchemaForm(
                columns=shown.columns, overrides=shown.options.get("overrides")
            )
    return render(request, "catalog/resource_detail.html", context)


def resource_status(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    """The loading state alone, polled by the page while a file loads."""
    resource = selectors.resource_for_viewer(viewer=request.user, pk=pk, slug=slug)
    latest = selectors.latest_version(resource=resource)
    context: dict[str, Any] = {"resource": resource, "latest": latest}
    if latest is not None and latest.status == ResourceVersion.Status.FAILED:
        context["latest_error"] = services.error_text(
            latest.error_template, latest.error_params
        )
    response = render(request, "catalog/_status.html", context)
    if (
        request.headers.get("HX-Request")
        and latest is not None
        and latest.status == ResourceVersion.Status.READY
        and request.GET.get("busy") == "1"
    ):
        # The load has just finished: show the whole page with the new table.
        response["HX-Refresh"] = "true"
    return response


@refuse_large_uploads
@login_required
def resource_upload(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    user = request_user(request)
    dataset = _editable_dataset(request, slug)
    resource = get_object_or_404(dataset.resources, pk=pk, kind=Resource.Kind.UPLOAD)
    if request.method == "POST":
        form = VersionForm(request.POST, request.FILES)
        valid = form.is_valid()
        earlier = previous_result(submission_key(request), user)
        if earlier:
            return redirect(earlier)
        if valid:

            def create() -> str:
                services.resource_upload_version(
                    actor=user, resource=resource, upload=form.cleaned_data["file"]
                )
                return resource.get_absolute_url()

            try:
                url = submit_once(
                    key=form.cleaned_data["submission_key"], user=user, create=create
                )
            except ValidationError as exc:
                add_validation_error(form, exc)
            else:
                messages.success(
                    request, _("The new file is being loaded. This may take a while.")
                )
                return redirect(url)
    else:
        form = VersionForm()
    return render(
        request,
        "catalog/version_form.html",
        {
            "form": form,
            "dataset": dataset,
            "resource": resource,
            "max_upload": settings.ALLMENDE_MAX_UPLOAD_BYTES,
        },
    )


@login_required
def resource_delete(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    """Ask for confirmation (GET), then delete the resource and its files (POST)."""
    dataset = _editable_dataset(request, slug)
    resource = get_object_or_404(dataset.resources, pk=pk)
    if request.method == "POST":
        services.resource_delete(actor=request_user(request), resource=resource)
        messages.success(request, _("The resource has been deleted."))
        return redirect(dataset)
    return render(
        request,
        "catalog/resource_delete.html",
        {
            "dataset": dataset,
            "resource": resource,
            "version_count": resource.versions.count(),
        },
    )


@login_required
@require_POST
def resource_fetch(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    """Fetch a linked file again and load it as a new version."""
    dataset = _editable_dataset(request, slug)
    resource = get_object_or_404(dataset.resources, pk=pk, kind=Resource.Kind.LINK)
    try:
        services.resource_fetch_again(actor=request_user(request), resource=resource)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(
            request,
            _("The linked file is being fetched and loaded. This may take a while."),
        )
    return redirect(resource)


@login_required
@require_POST
def resource_schema(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    dataset = _editable_dataset(request, slug)
    resource = get_object_or_404(dataset.resources, pk=pk)
    version = selectors.latest_version(resource=resource)
    if version is None or not version.columns:
        raise Http404
    form = SchemaForm(
        request.POST,
        columns=version.columns,
        overrides=version.options.get("overrides"),
    )
    if not form.is_valid():
        messages.error(request, _("Please choose a type for every column."))
        return redirect(resource)
    try:
        services.version_reload(
            actor=request_user(request), version=version, overrides=form.overrides()
        )
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(
            request,
            _("The file is being loaded again with your column settings."),
        )
    return redirect(resource)


def _original(version: ResourceVersion) -> HttpResponseBase:
    """The uploaded file, from the private storage; from S3 by a signed address
    that expires, handed out only here, after the permission check."""
    if not version.original:
        raise Http404
    private = files.private_storage()
    name = str(version.original.name)
    content_type = files.content_type_of(name)
    try:
        private.path(name)
    except NotImplementedError:
        disposition = content_disposition_header(
            as_attachment=True, filename=version.filename
        )
        # Only S3 has no local path; its url() signs these response headers.
        return redirect(
            private.url(  # type: ignore[call-arg]
                name,
                parameters={
                    "ResponseContentDisposition": disposition,
                    "ResponseContentType": content_type,
                },
            )
        )
    return files.protect(
        FileResponse(
            private.open(name, "rb"),
            as_attachment=True,
            filename=version.filename,
            content_type=content_type,
        )
    )


@require_safe
def download(
    request: HttpRequest, slug: str, pk: int, number: int, fmt: str
) -> HttpResponseBase:
    resource = selectors.resource_for_viewer(viewer=request.user, pk=pk, slug=slug)
    version = get_object_or_404(resource.versions, number=number)
    base = slugify(resource.title) or f"resource-{resource.pk}"
    if fmt == "original":
        return _original(version)
    if not formats.is_download(fmt) or not version.has_table:
        raise Http404
    filename = f"{base}-v{version.number}.{fmt}"
    content_type = formats.download_media_type(fmt)
    if formats.download_is_file(fmt):
        # With S3 the file is handed out by the store, not by this process.
        signed = tablestore.download_url(
            tablestore.BuildKey.of(version),
            tablestore.build_file(fmt),
            filename=filename,
            content_type=content_type,
        )
        if signed is not None:
            return redirect(signed)
    try:
        table = selectors.table_for_viewer(
            viewer=request.user, resource_id=resource.pk, version=version.number
        )
    except engine.errors.ResourceNotReadyError as exc:
        raise Http404 from exc
    if fmt == "parquet":
        return files.protect(
            FileResponse(
                engine.parquet_path(table).open("rb"),
                as_attachment=True,
                filename=filename,
                content_type=content_type,
            )
        )
    if formats.download_needs_places(fmt) and not charts.has_places(table):
        raise Http404
    chunks = {
        "csv": lambda: engine.export_csv(table),
        formats.EXCEL_CSV: lambda: engine.export_csv(
            table, delimiter=";", bom=True, decimal_comma=True
        ),
        "json": lambda: engine.export_json(table),
        "geojson": lambda: engine.export_geojson(table),
    }[fmt]()
    response = StreamingHttpResponse(chunks, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return files.protect(response)
