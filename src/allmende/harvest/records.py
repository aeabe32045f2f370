"""What a reader makes of one record of a source, before it touches the catalog.

Readers (:mod:`allmende.harvest.dcat`, :mod:`allmende.harvest.ckan`) turn the
source's records into :class:`RemoteDataset` values holding catalog field
values; the harvesting service compares and writes them. Messages are English
templates marked with ``gettext_noop`` and their values, translated when shown.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any
from urllib.parse import urlsplit

from django.core.exceptions import ValidationError
from django.core.validators import EmailValidator, URLValidator
from django.utils.translation import gettext_noop

from allmende.catalog import vocabularies
from allmende.core.iri import is_iri

Message = dict[str, Any]


def message(template: str, **params: Any) -> Message:
    return {"template": template, "params": {k: str(v) for k, v in params.items()}}


class HarvestError(Exception):
    """The source as a whole cannot be read; the run stops with this message."""

    def __init__(self, template: str, **params: Any) -> None:
        super().__init__(template.format(**params))
        self.message = message(template, **params)


@dataclass
class RemoteResource:
    key: str  # what identifies the distribution at the source
    fields: dict[str, Any]


@dataclass
class RemoteDataset:
    remote_id: str
    remote_url: str = ""
    modified: datetime | None = None
    issued: datetime | None = None
    fields: dict[str, Any] = field(default_factory=dict)
    themes: list[str] = field(default_factory=list)
    resources: list[RemoteResource] = field(default_factory=list)
    notes: list[Message] = field(default_factory=list)
    # Set when the record cannot become a dataset; it is then logged as failed.
    problem: Message | None = None

    @property
    def title(self) -> str:
        return str(self.fields.get("title_de") or self.fields.get("title_en") or "")

    def content_hash(self) -> str:
        """A hash of everything harvested, to tell a changed record from the same."""
        payload = {
            "fields": self.fields,
            "themes": sorted(self.themes),
            "resources": [[r.key, r.fields] for r in self.resources],
            "remote_url": self.remote_url,
        }
        text = json.dumps(payload, sort_keys=True, default=_json_value)
        return hashlib.sha256(text.encode()).hexdigest()


def _json_value(value: Any) -> str:
    if isinstance(value, date | datetime):
        return value.isoformat()
    raise TypeError(type(value).__name__)


def refuse_bad_addresses(remote: RemoteDataset) -> None:
    """Mark a record with an address that is no valid IRI as a problem: it
    would break every DCAT feed it appeared in."""
    addresses = [
        remote.remote_url,
        str(remote.fields.get("spatial_uri") or ""),
        *remote.themes,
        *(str(resource.fields.get("url") or "") for resource in remote.resources),
    ]
    for address in addresses:
        if not is_iri(address):
            remote.problem = message(
                gettext_noop(
                    "The record has the address “{address}”, which contains "
                    "characters a web address cannot contain; it was not imported."
                ),
                address=address[:300],
            )
            return


def unreadable(remote_id: str, exc: Exception) -> RemoteDataset:
    """A record whose reading failed: logged as failed, the run goes on."""
    return RemoteDataset(
        remote_id=remote_id[:500] or "–",
        problem=message(
            gettext_noop("The record could not be read: {error}"),
            error=(str(exc) or type(exc).__name__)[:300],
        ),
    )


# --- helpers the readers share ------------------------------------------------

_url_validator = URLValidator(schemes=["http", "https"])
_email_validator = EmailValidator()


def is_web_url(value: str) -> bool:
    try:
        _url_validator(value)
    except ValidationError:
        return False
    return len(value) <= 1000


def is_email(value: str) -> bool:
    try:
        _email_validator(value)
    except ValidationError:
        return False
    return True


def clip(value: str, length: int) -> str:
    value = " ".join(value.split()) if length <= 300 else value.strip()
    return value if len(value) <= length else value[: length - 1] + "…"


def fill_texts(
    fields: dict[str, Any], name: str, texts: list[tuple[str, str]], length: int
) -> None:
    """Put texts tagged with a language into ``<name>_de`` and ``<name>_en``.

    Untagged text (or another language) fills German first, then English.
    """
    chosen: dict[str, str] = {}
    rest: list[str] = []
    for text, language in texts:
        text = text.strip()
        if not text:
            continue
        code = (language or "").lower()[:2]
        if code in ("de", "en") and code not in chosen:
            chosen[code] = text
        else:
            rest.append(text)
    for text in rest:
        for code in ("de", "en"):
            if code not in chosen:
                chosen[code] = text
                break
    for code in ("de", "en"):
        value = chosen.get(code, "")
        fields[f"{name}_{code}"] = clip(value, length) if length else value


def licence(notes: list[Message], value: str) -> str:
    found = vocabularies.licence_from_external(value)
    if not found.recognised:
        notes.append(
            message(
                gettext_noop(
                    "The licence “{value}” is not known here; the dataset is "
                    "marked “{fallback}”. Please check the licence at the source."
                ),
                value=value or "–",
                fallback=vocabularies.label(found.uri),
            )
        )
    return found.uri


def theme_uris(values: list[str], notes: list[Message]) -> list[str]:
    themes: list[str] = []
    for value in values:
        uri = vocabularies.uri_of(vocabularies.THEMES, value)
        if uri:
            if uri not in themes:
                themes.append(uri)
        else:
            notes.append(
                message(
                    gettext_noop("The theme “{value}” is not an EU data theme."),
                    value=value,
                )
            )
    return themes


def frequency_uri(value: str, notes: list[Message]) -> str:
    if not value:
        return ""
    uri = vocabularies.uri_of(vocabularies.FREQUENCIES, value)
    if uri:
        return uri
    notes.append(
        message(
            gettext_noop("The update frequency “{value}” is not known here."),
            value=value,
        )
    )
    return ""


def format_from(value: str) -> str:
    """A short format name (``csv``) from an EU file-type URI, a media type or a
    name."""
    value = value.strip()
    if not value:
        return ""
    for base in ("/file-type/", "/media-types/"):
        if base in value:
            value = value.rsplit(base, 1)[1]
    media = {
        "text/csv": "csv",
        "text/tab-separated-values": "tsv",
        "application/json": "json",
        "application/geo+json": "geojson",
        "application/vnd.geo+json": "geojson",
        "application/xml": "xml",
        "text/xml": "xml",
        "application/pdf": "pdf",
        "text/html": "html",
        "application/zip": "zip",
        "application/vnd.ms-excel": "xls",
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": "xlsx",
    }
    lowered = value.lower()
    if lowered in media:
        return media[lowered]
    if "/" in lowered:
        lowered = lowered.rsplit("/", 1)[1]
    return lowered.lstrip(".")[:20]


def filename_of(url: str) -> str:
    path = urlsplit(url).path.rstrip("/")
    return path.rsplit("/", 1)[-1][:200] if path else ""


def valid_period(
    start: date | None, end: date | None, notes: list[Message]
) -> tuple[date | None, date | None]:
    if start is not None and end is not None and start > end:
        notes.append(
            message(
                gettext_noop(
                    "The time covered ends ({end}) before it starts ({start}); "
                    "it was left out."
                ),
                start=start.isoformat(),
                end=end.isoformat(),
            )
        )
        return None, None
    return start, end


def parse_date(value: str) -> date | None:
    value = value.strip()
    if not value:
        return None
    try:
        return date.fromisoformat(value[:10])
    except ValueError:
        return None


def parse_datetime(value: str) -> datetime | None:
    from django.utils import timezone

    value = value.strip()
    if not value:
        return None
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        day = parse_date(value)
        if day is None:
            return None
        parsed = datetime(day.year, day.month, day.day)  # noqa: DTZ001
    if timezone.is_naive(parsed):
        parsed = timezone.make_aware(parsed, timezone.get_default_timezone())
    return parsed


def contact(
    fields: dict[str, Any], notes: list[Message], name: str, email: str
) -> None:
    fields["contact_name"] = clip(name, 200)
    email = email.strip().removeprefix("mailto:")
    if email and not is_email(email):
        notes.append(
            message(
                gettext_noop("The contact e-mail address “{value}” is not valid."),
                value=email,
            )
        )
        email = ""
    fields["contact_email"] = email


def spatial(fields: dict[str, Any], notes: list[Message], label: str, uri: str) -> None:
    fields["spatial"] = clip(label, 200)
    if uri and not is_web_url(uri):
        notes.append(
            message(
                gettext_noop("The address of the area “{value}” is not a web address."),
                value=uri,
            )
        )
        uri = ""
    if uri and len(uri) > 200:
        uri = ""
    fields["spatial_uri"] = uri
    if uri and not fields["spatial"]:
        fields["spatial"] = clip(filename_of(uri) or uri, 200)
