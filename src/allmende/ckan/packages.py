"""CKAN's dataset and resource dicts, built from and parsed into Allmende's models.

One module for both directions, so the Action API and a harvester that reads
other CKAN sites use the same mapping. Field names and value shapes are
CKAN's (with ckanext-fluent's ``title_translated``/``notes_translated`` and
GovData's use of groups for the EU data themes); a dict produced by
:func:`package_dict` parses back into the same values with
:func:`parse_package`.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from allmende.catalog import vocabularies
from allmende.catalog.models import Dataset, Resource, ResourceVersion
from allmende.catalog.vocabularies import LICENCE_BASE, THEME_BASE
from allmende.core.translation import translated
from allmende.organizations.models import Organization

NAME_PATTERN = re.compile(r"^[a-z0-9_-]{2,100}$")
LANGUAGES = ("de", "en")

# Model field -> CKAN field, for validation messages from ``full_clean()``.
FIELD_NAMES = {
    "slug": "name",
    "title_de": "title",
    "title_en": "title",
    "description_de": "notes",
    "description_en": "notes",
    "licence": "license_id",
    "keywords": "tags",
    "contact_name": "maintainer",
    "contact_email": "maintainer_email",
    "is_private": "private",
    "organization": "owner_org",
    "update_frequency": "frequency",
    "spatial": "spatial_text",
    "theme": "groups",
}

# Extras: CKAN key -> model field (dates as ISO text).
EXTRAS = {
    "temporal_start": "temporal_start",
    "temporal_end": "temporal_end",
    "spatial_text": "spatial",
    "spatial_uri": "spatial_uri",
    "frequency": "update_frequency",
    "language": "language",
}


def timestamp(value: dt.datetime | None) -> str | None:
    """CKAN's form of a time: ISO 8601 in UTC without an offset."""
    if value is None:
        return None
    return value.astimezone(dt.UTC).replace(tzinfo=None).isoformat()


def _term_code(uri: str, base: str) -> str:
    return uri.removeprefix(base)


def licence_dict(uri: str) -> dict[str, Any]:
    term = vocabularies.term(uri)
    return {
        "id": _term_code(uri, LICENCE_BASE),
        "title": term.label if term else uri,
        "url": uri,
        "od_conformance": "approved" if term and term.open else "not reviewed",
        "osd_conformance": "not reviewed",
        "status": "active",
        "is_okd_compliant": bool(term and term.open),
    }


def organization_dict(
    organization: Organization, *, package_count: int | None = None
) -> dict[str, Any]:
    found: dict[str, Any] = {
        "id": str(organization.pk),
        "name": organization.slug,
        "title": organization.name,
        "display_name": organization.name,
        "description": translated(organization, "description"),
        "image_url": organization.logo.url if organization.logo else "",
        "created": timestamp(organization.created_at),
        "type": "organization",
        "is_organization": True,
        "state": "active",
        "approval_status": "approved",
    }
    if package_count is not None:
        found["package_count"] = package_count
    return found


def group_dict(theme: str) -> dict[str, Any]:
    code = _term_code(theme, THEME_BASE).lower()
    label = vocabularies.label(theme)
    return {
        "id": code,
        "name": code,
        "title": label,
        "display_name": label,
        "description": "",
        "image_display_url": "",
    }


def _download_url(resource: Resource, version: ResourceVersion, base: str) -> str:
    return (
        f"{base}/datasets/{resource.dataset.slug}/resources/{resource.pk}"
        f"/v{version.number}/download.original"
    )


def resource_dict(resource: Resource, *, base_url: str) -> dict[str, Any]:
    """A resource as CKAN shows it; ``base_url`` makes download links absolute."""
    version = resource.current_version
    upload = resource.kind == Resource.Kind.UPLOAD
    found: dict[str, Any] = {
        "id": str(resource.pk),
        "package_id": str(resource.dataset_id),
        "name": resource.title,
        "name_translated": {"de": resource.title_de, "en": resource.title_en},
        "description": resource.description,
        "description_translated": {
            "de": resource.description_de,
            "en": resource.description_en,
        },
        "url": resource.url,
        "format": (resource.format or "").upper(),
        "mimetype": None,
        "size": None,
        "hash": "",
        "created": timestamp(resource.created_at),
        "last_modified": timestamp(resource.modified_at),
        "metadata_modified": timestamp(resource.modified_at),
        "url_type": "upload" if upload else None,
        "datastore_active": bool(version is not None and version.has_table),
        "position": resource.position,
        "state": "active",
        "license_id": _term_code(resource.licence, LICENCE_BASE) or None,
    }
    if version is not None:
        found["url"] = _download_url(resource, version, base_url)
        found["mimetype"] = version.media_type or None
        found["size"] = version.byte_size
        found["hash"] = (
            f"sha256:{version.checksum_sha256}" if version.checksum_sha256 else ""
        )
        found["last_modified"] = timestamp(version.loaded_at or version.created_at)
    return found


def package_dict(dataset: Dataset, *, base_url: str) -> dict[str, Any]:
    """A dataset as CKAN's ``package_show`` returns it.

    Expects ``organization`` selected and ``themes`` and ``resources`` (with
    their current versions) prefetched when many datasets are shown.
    """
    extras = []
    for key, name in EXTRAS.items():
        value = getattr(dataset, name)
        if value:
            extras.append(
                {
                    "key": key,
                    "value": value.isoformat() if isinstance(value, dt.date) else value,
                }
            )
    if dataset.issued_at:
        extras.append({"key": "issued", "value": timestamp(dataset.issued_at)})
    themes = sorted(t.theme for t in dataset.themes.all())
    resources = sorted(dataset.resources.all(), key=lambda r: (r.position, r.pk))
    keywords = list(dataset.keywords or [])
    return {
        "id": str(dataset.pk),
        "name": dataset.slug,
        "title": dataset.title,
        "title_translated": {"de": dataset.title_de, "en": dataset.title_en},
        "notes": dataset.description,
        "notes_translated": {
            "de": dataset.description_de,
            "en": dataset.description_en,
        },
        "type": "dataset",
        "owner_org": str(dataset.organization_id),
        "organization": organization_dict(dataset.organization),
        "license_id": _term_code(dataset.licence, LICENCE_BASE),
        "license_title": dataset.licence_label,
        "license_url": dataset.licence,
        "isopen": bool(
            (term := vocabularies.term(dataset.licence)) is not None and term.open
        ),
        "tags": [
            {"name": word, "display_name": word, "state": "active"} for word in keywords
        ],
        "num_tags": len(keywords),
        "private": dataset.is_private,
        "state": "active" if dataset.is_published else "draft",
        "metadata_created": timestamp(dataset.created_at),
        "metadata_modified": timestamp(dataset.modified_at),
        "maintainer": dataset.contact_name or None,
        "maintainer_email": dataset.contact_email or None,
        "author": None,
        "author_email": None,
        "url": f"{base_url}{dataset.get_absolute_url()}",
        "version": None,
        "groups": [group_dict(theme) for theme in themes],
        "extras": extras,
        "resources": [resource_dict(r, base_url=base_url) for r in resources],
        "num_resources": len(resources),
    }


# --- parsing ---------------------------------------------------------------------


class DictError(Exception):
    """Per-field messages for CKAN's Validation Error."""

    def __init__(self, errors: dict[str, list[str]]) -> None:
        super().__init__(str(errors))
        self.errors = errors


@dataclass
class PackageFields:
    """What a package dict says, in the terms of the catalog's services."""

    fields: dict[str, Any] = field(default_factory=dict)
    slug: str | None = None
    organization: str | None = None
    themes: list[str] | None = None
    state: str | None = None
    resources: list[dict[str, Any]] | None = None


@dataclass
class ResourceFields:
    fields: dict[str, Any] = field(default_factory=dict)


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, str):
        return value.strip()
    return str(value)


def _bool(value: Any, key: str, errors: dict[str, list[str]]) -> bool:
    if isinstance(value, bool):
        return value
    text = _text(value).lower()
    if text in ("true", "1", "yes", "on"):
        return True
    if text in ("false", "0", "no", "off", ""):
        return False
    errors.setdefault(key, []).append(_("Must be true or false."))
    return False


def _translated(
    data: dict[str, Any], key: str, errors: dict[str, list[str]]
) -> dict[str, str] | None:
    value = data.get(f"{key}_translated")
    if value in (None, ""):
        return None
    if not isinstance(value, dict):
        errors.setdefault(f"{key}_translated", []).append(
            _("Must be an object with the languages “de” and “en”.")
        )
        return None
    return {code: _text(value.get(code)) for code in LANGUAGES}


def _two_languages(
    data: dict[str, Any],
    key: str,
    model_name: str,
    errors: dict[str, list[str]],
) -> dict[str, str] | None:
    """``<key>_translated`` wins; a plain ``<key>`` is taken as German."""
    both = _translated(data, key, errors)
    if both is not None:
        return {f"{model_name}_{code}": both[code] for code in LANGUAGES}
    if key in data:
        return {f"{model_name}_de": _text(data[key]), f"{model_name}_en": ""}
    return None


def licence_uri(value: Any) -> str | None:
    """The DCAT-AP.de licence URI of a CKAN ``license_id``: a DCAT-AP.de code or
    URI, or an id other CKAN sites use (``cc-by``, ``odc-odbl``, ...)."""
    found = vocabularies.licence_from_external(_text(value))
    return found.uri if found.recognised else None


def theme_uri(value: Any) -> str | None:
    name = value.get("name") or value.get("id") if isinstance(value, dict) else value
    return vocabularies.uri_of(vocabularies.THEMES, _text(name))


def frequency_uri(value: Any) -> str | None:
    return vocabularies.uri_of(vocabularies.FREQUENCIES, _text(value))


def _tags(value: Any, errors: dict[str, list[str]]) -> list[str]:
    if isinstance(value, str):
        value = [part for part in value.split(",") if part.strip()]
    if not isinstance(value, list):
        errors.setdefault("tags", []).append(_("Must be a list of tags."))
        return []
    words: list[str] = []
    for item in value:
        word = _text(item.get("name") if isinstance(item, dict) else item)
        if not word or len(word) > 100:
            errors.setdefault("tags", []).append(
                _("Each tag needs a name of at most 100 characters.")
            )
            continue
        if word not in words:
            words.append(word)
    return words


def _date(value: Any, key: str, errors: dict[str, list[str]]) -> dt.date | None:
    text = _text(value)
    if not text:
        return None
    try:
        return dt.date.fromisoformat(text[:10])
    except ValueError:
        errors.setdefault(key, []).append(
            _("Enter a date as YYYY-MM-DD, not “%(value)s”.") % {"value": text[:40]}
        )
        return None


def _extras(data: dict[str, Any], errors: dict[str, list[str]]) -> dict[str, Any]:
    """Extras as a list of ``{key, value}`` (CKAN) or as top-level keys."""
    given: dict[str, Any] = {}
    extras = data.get("extras")
    if isinstance(extras, list):
        for item in extras:
            if isinstance(item, dict) and "key" in item:
                given[_text(item["key"])] = item.get("value")
    elif extras not in (None, ""):
        errors.setdefault("extras", []).append(
            _("Must be a list of objects with “key” and “value”.")
        )
    for key in EXTRAS:
        if key in data:
            given[key] = data[key]
    fields: dict[str, Any] = {}
    for key, name in EXTRAS.items():
        if key not in given:
            continue
        value = given[key]
        if name in ("temporal_start", "temporal_end"):
            fields[name] = _date(value, key, errors)
        elif name == "update_frequency":
            text = _text(value)
            uri = frequency_uri(text) if text else ""
            if uri is None:
                errors.setdefault(key, []).append(
                    _("Unknown update frequency “%(value)s”.") % {"value": text[:60]}
                )
            else:
                fields[name] = uri
        elif name == "language":
            text = _text(value).lower()[:2] or "de"
            if text not in LANGUAGES:
                errors.setdefault(key, []).append(
                    _("The language must be “de” or “en”.")
                )
            else:
                fields[name] = text
        else:
            fields[name] = _text(value)
    return fields


def parse_package(data: dict[str, Any], *, complete: bool) -> PackageFields:
    """The service arguments a package dict asks for.

    With ``complete`` (create and update) every field that is missing gets its
    empty value, as CKAN replaces the whole dataset; otherwise (patch) only the
    given fields change. Raises :class:`DictError` with CKAN's field names.
    """
    errors: dict[str, list[str]] = {}
    parsed = PackageFields()
    fields = parsed.fields
    if "name" in data and _text(data["name"]):
        name = _text(data["name"])
        if not NAME_PATTERN.match(name):
            errors.setdefault("name", []).append(
                _(
                    "Must be 2 to 100 characters: lowercase letters (a–z), "
                    "digits, “-” and “_”."
                )
            )
        parsed.slug = name
    if "owner_org" in data:
        parsed.organization = _text(data["owner_org"]) or None
    titles = _two_languages(data, "title", "title", errors)
    if titles is not None:
        fields.update(titles)
    elif complete:
        fields.update(title_de="", title_en="")
    notes = _two_languages(data, "notes", "description", errors)
    if notes is not None:
        fields.update(notes)
    elif complete:
        fields.update(description_de="", description_en="")
    if "license_id" in data:
        uri = licence_uri(data["license_id"])
        if uri is None:
            errors.setdefault("license_id", []).append(
                _("Unknown licence “%(value)s”; see license_list.")
                % {"value": _text(data["license_id"])[:60]}
            )
        else:
            fields["licence"] = uri
    elif complete:
        fields["licence"] = ""
    if "tags" in data:
        fields["keywords"] = _tags(data["tags"], errors)
    elif complete:
        fields["keywords"] = []
    if "private" in data:
        fields["is_private"] = _bool(data["private"], "private", errors)
    elif complete:
        fields["is_private"] = False
    for key, name in (
        ("maintainer", "contact_name"),
        ("maintainer_email", "contact_email"),
    ):
        if key in data:
            fields[name] = _text(data[key])
        elif complete:
            fields[name] = ""
    extras = _extras(data, errors)
    if complete:
        for name in EXTRAS.values():
            fields[name] = extras.get(
                name, {"temporal_start": None, "temporal_end": None}.get(name, "")
            )
        if not fields["language"]:
            fields["language"] = "de"
    else:
        fields.update(extras)
    if "groups" in data:
        groups = data["groups"]
        if not isinstance(groups, list):
            errors.setdefault("groups", []).append(_("Must be a list of groups."))
        else:
            themes = []
            for item in groups:
                uri = theme_uri(item)
                if uri is None:
                    errors.setdefault("groups", []).append(
                        _(
                            "Unknown group “%(value)s”; the groups are the EU "
                            "data themes."
                        )
                        % {"value": _text(item)[:60]}
                    )
                else:
                    themes.append(uri)
            parsed.themes = themes
    elif complete:
        parsed.themes = []
    if "state" in data and _text(data["state"]):
        state = _text(data["state"])
        if state not in ("active", "draft"):
            errors.setdefault("state", []).append(
                _("The state must be “active” or “draft”.")
            )
        parsed.state = state
    if "resources" in data:
        if not isinstance(data["resources"], list) or not all(
            isinstance(item, dict) for item in data["resources"]
        ):
            errors.setdefault("resources", []).append(
                _("Must be a list of resource objects.")
            )
        else:
            parsed.resources = data["resources"]
    no_title = not (fields.get("title_de") or fields.get("title_en"))
    if complete and no_title and parsed.slug:
        # CKAN shows the name where a dataset has no title.
        fields["title_de"] = parsed.slug
    if complete and not (fields.get("title_de") or fields.get("title_en")):
        errors.setdefault("title", []).append(_("Missing value"))
    if complete and not fields.get("licence") and "license_id" not in errors:
        errors.setdefault("license_id", []).append(_("Missing value"))
    if errors:
        raise DictError(errors)
    return parsed


def parse_resource(data: dict[str, Any], *, complete: bool) -> ResourceFields:
    """The service arguments of a resource dict (without the file)."""
    errors: dict[str, list[str]] = {}
    parsed = ResourceFields()
    fields = parsed.fields
    names = _two_languages(data, "name", "title", errors)
    if names is not None:
        fields.update(names)
    elif complete:
        fields.update(title_de="", title_en="")
    descriptions = _two_languages(data, "description", "description", errors)
    if descriptions is not None:
        fields.update(descriptions)
    elif complete:
        fields.update(description_de="", description_en="")
    if "url" in data:
        fields["url"] = _text(data["url"])
    elif complete:
        fields["url"] = ""
    if "format" in data:
        fields["format"] = _text(data["format"]).lower()[:20]
    elif complete:
        fields["format"] = ""
    licence = data.get("license_id")
    if licence not in (None, ""):
        uri = licence_uri(licence)
        if uri is None:
            errors.setdefault("license_id", []).append(
                _("Unknown licence “%(value)s”; see license_list.")
                % {"value": _text(licence)[:60]}
            )
        else:
            fields["licence"] = uri
    elif complete or licence == "":
        fields["licence"] = ""
    if errors:
        raise DictError(errors)
    return parsed


def validation_errors(exc: ValidationError) -> dict[str, list[str]]:
    """Django's messages keyed by CKAN's field names."""
    if not hasattr(exc, "error_dict"):
        return {"message": [str(m) for m in exc.messages]}
    errors: dict[str, list[str]] = {}
    for name, problems in exc.error_dict.items():
        key = "message" if name == "__all__" else FIELD_NAMES.get(name, name)
        for problem in problems:
            if name == "slug" and problem.code == "unique":
                messages = [_("That URL is already in use.")]
            else:
                messages = [str(m) for m in problem.messages]
            for message in messages:
                if message not in errors.setdefault(key, []):
                    errors[key].append(message)
    return errors
