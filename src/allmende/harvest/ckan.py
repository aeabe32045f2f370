"""Reading a CKAN site through its Action API (``package_search``, paged).

Field names follow CKAN and the extras that ckanext-dcat and GovData's
ckanext-dcatde use; multilingual titles of ckanext-fluent
(``title_translated``) are read where a site has them.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

from django.conf import settings
from django.utils.translation import gettext_noop

from allmende.core import http
from allmende.harvest import records
from allmende.harvest.records import HarvestError, RemoteDataset, RemoteResource

MAX_PAGES = 10_000


def api_base(url: str) -> str:
    """The site's root from the address staff entered (root or API address)."""
    base = url.strip().rstrip("/")
    if "/api/" in base + "/":
        base = (base + "/").split("/api/", 1)[0]
    return base


def search_url(url: str) -> str:
    return api_base(url) + "/api/3/action/package_search"


def _result(body: bytes, url: str) -> dict[str, Any]:
    try:
        data = json.loads(body)
    except ValueError as exc:
        raise HarvestError(
            gettext_noop("{url} did not answer with JSON: {error}"),
            url=url,
            error=str(exc)[:300],
        ) from exc
    if not isinstance(data, dict) or not isinstance(data.get("result"), dict):
        if isinstance(data, dict) and data.get("success") is False:
            error = data.get("error") or {}
            text = error.get("message") if isinstance(error, dict) else str(error)
            raise HarvestError(
                gettext_noop("{url} reported an error: {error}"),
                url=url,
                error=str(text or error)[:300],
            )
        raise HarvestError(
            gettext_noop(
                "{url} did not answer like the CKAN Action API (no “result”)."
            ),
            url=url,
        )
    result: dict[str, Any] = data["result"]
    return result


def datasets(client: http.Client, url: str) -> Iterator[RemoteDataset | int]:
    """Every public dataset of the site; an ``int`` (the page number) starts a page."""
    address = search_url(url)
    rows = settings.ALLMENDE_HARVEST_CKAN_ROWS
    start = 0
    for number in range(1, MAX_PAGES + 1):
        params = {"rows": str(rows), "start": str(start), "sort": "name asc"}
        answer = client.get(
            address,
            accept="application/json",
            max_bytes=settings.ALLMENDE_HARVEST_MAX_BYTES,
            params=params,
        )
        result = _result(answer.body, answer.url)
        results = result.get("results")
        if not isinstance(results, list):
            raise HarvestError(
                gettext_noop(
                    "{url} did not answer like the CKAN Action API (no “results”)."
                ),
                url=answer.url,
            )
        yield number
        for package in results:
            if not isinstance(package, dict):
                continue
            try:
                yield read_package(package, api_base(url))
            except Exception as exc:  # one odd record must not end the run
                yield records.unreadable(str(package.get("id") or "–"), exc)
        start += len(results)
        count = result.get("count")
        if not results or (isinstance(count, int) and start >= count):
            return


def _extras(package: dict[str, Any]) -> dict[str, str]:
    extras: dict[str, str] = {}
    for extra in package.get("extras") or []:
        if isinstance(extra, dict) and extra.get("key"):
            extras[str(extra["key"])] = str(extra.get("value") or "")
    return extras


def _value(package: dict[str, Any], extras: dict[str, str], *names: str) -> str:
    for name in names:
        value = package.get(name)
        if isinstance(value, str) and value.strip():
            return value.strip()
        if extras.get(name, "").strip():
            return extras[name].strip()
    return ""


def _translated(package: dict[str, Any], name: str) -> list[tuple[str, str]]:
    texts: list[tuple[str, str]] = []
    translated = package.get(f"{name}_translated")
    if isinstance(translated, dict):
        texts.extend(
            (str(text), str(language)) for language, text in translated.items() if text
        )
    return texts


def _list(value: str) -> list[str]:
    """A list from an extra that holds JSON (``["a", "b"]``) or comma-separated
    text."""
    if not value:
        return []
    try:
        parsed = json.loads(value)
    except ValueError:
        parsed = value.split(",")
    if isinstance(parsed, str):
        parsed = [parsed]
    return [str(item).strip() for item in parsed if str(item).strip()]


def read_package(package: dict[str, Any], base: str) -> RemoteDataset:
    name = str(package.get("name") or "")
    remote = RemoteDataset(remote_id=str(package.get("id") or name)[:500])
    notes = remote.notes
    fields = remote.fields
    extras = _extras(package)
    titles = _translated(package, "title") or [(str(package.get("title") or ""), "")]
    if not any(text.strip() for text, _ in titles):
        titles = [(name, "")]
    records.fill_texts(fields, "title", titles, 200)
    notes_texts = _translated(package, "notes") or [
        (str(package.get("notes") or ""), "")
    ]
    records.fill_texts(fields, "description", notes_texts, 0)
    if not remote.remote_id:
        remote.problem = records.message(gettext_noop("The dataset has no identifier."))
        return remote
    if package.get("private") or package.get("state", "active") != "active":
        remote.problem = records.message(
            gettext_noop("The dataset is private or deleted at the source.")
        )
        return remote
    if name:
        remote.remote_url = f"{base}/dataset/{name}"
    if not records.is_web_url(remote.remote_url):
        remote.remote_url = ""

    keywords: list[str] = []
    for tag in package.get("tags") or []:
        text = (
            tag.get("display_name") or tag.get("name") if isinstance(tag, dict) else tag
        )
        keyword = records.clip(str(text or ""), 60)
        if keyword and keyword not in keywords:
            keywords.append(keyword)
    fields["keywords"] = keywords

    themes = _list(_value(package, extras, "theme", "themes"))
    groups = [
        str(group.get("name") or "")
        for group in package.get("groups") or []
        if isinstance(group, dict)
    ]
    # GovData's groups are the EU data themes' codes (soci, envi, ...).
    known_codes = {uri.rsplit("/", 1)[-1].lower() for uri in _theme_uris()}
    themes += [group for group in groups if group.lower() in known_codes]
    remote.themes = records.theme_uris(themes, notes)

    licence_value = str(package.get("license_id") or package.get("license_url") or "")
    fields["licence"] = records.licence(notes, licence_value)

    start, end = records.valid_period(
        records.parse_date(_value(package, extras, "temporal_start")),
        records.parse_date(_value(package, extras, "temporal_end")),
        notes,
    )
    fields["temporal_start"], fields["temporal_end"] = start, end
    records.spatial(
        fields,
        notes,
        _value(package, extras, "spatial_text", "geographical_name", "spatial_label"),
        _value(package, extras, "spatial_uri", "geocodingText"),
    )
    records.contact(
        fields,
        notes,
        _value(package, extras, "contact_name", "maintainer", "author"),
        _value(package, extras, "contact_email", "maintainer_email", "author_email"),
    )
    fields["update_frequency"] = records.frequency_uri(
        _value(package, extras, "frequency", "accrual_periodicity", "update_frequency"),
        notes,
    )
    language = _value(package, extras, "language").lower()
    code = language.rstrip("/").rsplit("/", 1)[-1][:3]
    fields["language"] = (
        "en" if code in ("en", "eng") else "de" if code in ("de", "deu", "ger") else ""
    ) or ("de" if fields["title_de"] else "en")
    remote.modified = records.parse_datetime(
        str(package.get("metadata_modified") or "")
    )
    remote.issued = records.parse_datetime(
        _value(package, extras, "issued", "metadata_created")
    )

    for resource in package.get("resources") or []:
        if isinstance(resource, dict):
            read = read_resource(resource, fields["licence"], notes)
            if read is not None:
                remote.resources.append(read)
    return remote


def _theme_uris() -> list[str]:
    from allmende.catalog.vocabularies import THEMES

    return [term.uri for term in THEMES]


def read_resource(
    resource: dict[str, Any], dataset_licence: str, notes: list[Any]
) -> RemoteResource | None:
    url = str(resource.get("url") or "").strip()
    if not records.is_web_url(url):
        notes.append(
            records.message(
                gettext_noop(
                    "A resource without a valid web address was left out: {value}"
                ),
                value=url or str(resource.get("name") or "–"),
            )
        )
        return None
    fields: dict[str, Any] = {"url": url}
    titles = _translated(resource, "name") or [(str(resource.get("name") or ""), "")]
    records.fill_texts(fields, "title", titles, 200)
    descriptions = _translated(resource, "description") or [
        (str(resource.get("description") or ""), "")
    ]
    records.fill_texts(fields, "description", descriptions, 0)
    file_format = records.format_from(
        str(resource.get("format") or resource.get("mimetype") or "")
    )
    fields["format"] = file_format
    if not fields["title_de"] and not fields["title_en"]:
        fields["title_de"] = records.clip(
            records.filename_of(url) or file_format.upper() or url, 200
        )
    licence_value = str(resource.get("license") or resource.get("license_id") or "")
    licence = records.licence(notes, licence_value) if licence_value else ""
    fields["licence"] = "" if licence == dataset_licence else licence
    key = str(resource.get("id") or url)
    return RemoteResource(key=key[:500], fields=fields)
