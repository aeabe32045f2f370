"""Every change to the tool directory.

Editors' changes check permission, run in one transaction, validate with
``full_clean()``, write the audit log and update the search index in the same
transaction. The maintenance check writes only the fetched signals; it reads
other servers outside any transaction and stores the result in a short one.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor, as_completed
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, TypedDict

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _

from allmende.core.search import index_object
from allmende.core.services import audit_log_record
from allmende.core.tasks import enqueue
from allmende.knowledge import maintenance
from allmende.knowledge.licences import licence_family, normalize_licence
from allmende.knowledge.models import (
    EDITOR_GROUP,
    Category,
    LinkKind,
    Tool,
    ToolLink,
)
from allmende.notifications.services import notify

if TYPE_CHECKING:
    from allmende.accounts.models import User

logger = logging.getLogger(__name__)


class ToolData(TypedDict):
    """The fields of a tool entry that editors write (the form's output)."""

    name: str
    purpose_de: str
    purpose_en: str
    description_de: str
    description_en: str
    licence: str
    source_url: str
    homepage_url: str
    release_feed_url: str
    hosting: list[str]
    platforms: list[str]
    data_location: str
    processing_agreement: str
    privacy_url: str
    terms_url: str
    privacy_notes_de: str
    privacy_notes_en: str
    cost: str
    nonprofit_discount: bool
    cost_notes_de: str
    cost_notes_en: str
    difficulty: str
    languages: list[str]
    accessibility_notes_de: str
    accessibility_notes_en: str
    alternative_to: list[str]


def _require(actor: User, permission: str) -> None:
    if not actor.has_perm(permission):
        raise PermissionDenied(_("You are not allowed to do this."))


# Addresses under /tools/ that are pages of their own, not tools.
RESERVED_SLUGS = frozenset({"new", "maintenance", "compare", "suggest", "suggestions"})


def _unique_slug(name: str) -> str:
    base = slugify(name)[:90] or "werkzeug"
    slug, counter = base, 2
    while slug in RESERVED_SLUGS or Tool.objects.filter(slug=slug).exists():
        slug = f"{base}-{counter}"
        counter += 1
    return slug


def tool_index(tool: Tool) -> None:
    categories = " ".join(f"{c.name_de} {c.name_en}" for c in tool.categories.all())
    index_object(
        tool,
        title=tool.name,
        body=" ".join(
            [
                tool.purpose_de,
                tool.purpose_en,
                categories,
                " ".join(tool.alternative_to),
                tool.licence,
                tool.description_de,
                tool.description_en,
            ]
        ),
    )


def _apply(tool: Tool, data: ToolData) -> list[str]:
    """Put ``data`` on ``tool``; the names of the fields that changed."""
    try:
        licence = normalize_licence(data["licence"])
    except ValidationError as exc:
        raise ValidationError({"licence": exc.messages}) from None
    values = {**data, "name": data["name"].strip(), "licence": licence}
    changed = [name for name, value in values.items() if getattr(tool, name) != value]
    for name in changed:
        setattr(tool, name, values[name])
    tool.licence_family = licence_family(licence)
    return changed


@transaction.atomic
def tool_create(*, actor: User, data: ToolData, categories: Iterable[Category]) -> Tool:
    """Add a tool to the directory (staff and editors)."""
    _require(actor, "knowledge.add_tool")
    tool = Tool(slug=_unique_slug(data["name"]))
    _apply(tool, data)
    tool.full_clean()
    tool.save()
    tool.categories.set(categories)
    audit_log_record(actor=actor, action="tool.created", obj=tool)
    tool_index(tool)
    return tool


@transaction.atomic
def tool_update(
    *,
    actor: User,
    tool: Tool,
    data: ToolData,
    categories: Iterable[Category],
) -> Tool:
    """Change a tool entry (staff and editors)."""
    _require(actor, "knowledge.change_tool")
    tool = Tool.objects.select_for_update().get(pk=tool.pk)
    changed = _apply(tool, data)
    tool.full_clean()
    tool.save()
    categories = list(categories)
    before = set(tool.categories.values_list("pk", flat=True))
    if before != {category.pk for category in categories}:
        tool.categories.set(categories)
        changed.append("categories")
    if changed:
        audit_log_record(
            actor=actor,
            action="tool.updated",
            obj=tool,
            data={"fields": sorted(changed)},
        )
    tool_index(tool)
    return tool


def tool_request_check(*, actor: User, tool: Tool) -> None:
    """Fetch a tool's signals now rather than at the next round."""
    _require(actor, "knowledge.check_tool")
    with transaction.atomic():
        audit_log_record(actor=actor, action="tool.check_requested", obj=tool)
        enqueue_check(tool)


def enqueue_check(tool: Tool) -> None:
    from allmende.knowledge.tasks import check_tool

    enqueue(check_tool, tool.pk)


# The maintenance check.

# A claim older than this belongs to a check that died; another may take over.
CLAIM_SECONDS = 15 * 60
# How long one round of the periodic check may run before it leaves the rest
# to the next round, and how many tools it claims at a time.
ROUND_SECONDS = 10 * 60
CHUNK = 50


def _addresses(tool: Tool) -> dict[str, str]:
    return {
        LinkKind.HOMEPAGE: tool.homepage_url,
        LinkKind.SOURCE: tool.source_url,
        LinkKind.PRIVACY: tool.privacy_url,
        LinkKind.TERMS: tool.terms_url,
        LinkKind.FEED: tool.release_feed_url,
    }


def _watchers() -> Q:
    return Q(is_staff=True) | Q(groups__name=EDITOR_GROUP)


def tool_check(*, tool_id: int, now: datetime | None = None) -> bool:
    """Fetch one tool's signals, unless another check holds it; whether it ran.

    Safe to run twice: the claim (compare-and-set on ``check_started_at``)
    lets one check at a time work on a tool, and what is stored replaces
    what was there.
    """
    started = now or timezone.now()
    if not _claim(tool_id, started):
        return False
    try:
        tool = Tool.objects.get(pk=tool_id)
        result = maintenance.check(
            _addresses(tool),
            source_url=tool.source_url,
            feed_url=tool.release_feed_url,
        )
        _store(tool, result, now or timezone.now())
    finally:
        Tool.objects.filter(pk=tool_id, check_started_at=started).update(
            check_started_at=None
        )
    return True


@transaction.atomic
def _store(tool: Tool, result: maintenance.CheckResult, now: datetime) -> None:
    previous = {link.kind: link for link in ToolLink.objects.filter(tool=tool)}
    newly_broken: list[str] = []
    for kind, (url, found) in result.links.items():
        before = previous.get(kind)
        was_broken = before is not None and not before.ok and before.url == url
        if not found.ok and not was_broken:
            newly_broken.append(url)
        ToolLink.objects.update_or_create(
            tool=tool,
            kind=kind,
            defaults={
                "url": url,
                "ok": found.ok,
                "status_code": found.status,
                "error_template": found.error_template,
                "error_params": found.error_params,
                "checked_at": now,
                "broken_since": (
                    None
                    if found.ok
                    else (before.broken_since if was_broken and before else now)
                ),
            },
        )
    ToolLink.objects.filter(tool=tool).exclude(kind__in=list(result.links)).delete()
    activity = result.activity
    changes: dict[str, object] = {
        "checked_at": now,
        "links_broken": any(not found.ok for _url, found in result.links.values()),
        "activity_error_template": activity.error_template,
        "activity_error_params": activity.error_params,
    }
    if activity.at is not None:
        changes.update(activity_at=activity.at, activity_kind=activity.kind)
    elif not activity.error_template:
        # Nothing to ask any more (no forge, no feed): no signal is shown.
        changes.update(activity_at=None, activity_kind="")
    # An update, not save(): the signals are not an editor's change, so the
    # entry's "updated on" stays as it is.
    Tool.objects.filter(pk=tool.pk).update(**changes)
    if newly_broken:
        notify(
            "knowledge.tool_links_broken",
            get_user_model().objects.filter(_watchers()),
            obj=tool,
            context={"tool": tool.name, "links": ", ".join(newly_broken)},
        )


def _claim(tool_id: int, started: datetime) -> bool:
    return bool(
        Tool.objects.filter(pk=tool_id)
        .filter(
            Q(check_started_at__isnull=True)
            | Q(check_started_at__lt=started - timedelta(seconds=CLAIM_SECONDS))
        )
        .update(check_started_at=started)
    )


def tools_check_due(*, now: datetime | None = None, limit: int | None = None) -> int:
    """Check the tools whose last check is older than the configured interval,
    the longest unchecked first, until the round's time is up; returns how many
    were checked.

    ``ALLMENDE_KNOWLEDGE_CHECK_CONCURRENCY`` checks run at once, in threads
    that only read from other servers, never more than one request at a time
    to any one host; this thread claims the tools and stores the results, a
    chunk at a time. A failure of one tool is logged and the next follows.
    """
    now = now or timezone.now()
    interval = timedelta(days=settings.ALLMENDE_KNOWLEDGE_CHECK_DAYS)
    due = (
        Tool.objects.filter(
            Q(checked_at__isnull=True) | Q(checked_at__lt=now - interval)
        )
        .order_by(F("checked_at").asc(nulls_first=True), "pk")
        .values_list("pk", flat=True)
    )
    ids = list(due[:limit] if limit is not None else due)
    workers = max(1, settings.ALLMENDE_KNOWLEDGE_CHECK_CONCURRENCY)
    limiter = maintenance.HostLimiter()
    deadline = time.monotonic() + ROUND_SECONDS
    checked = 0
    with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="tool") as pool:
        for start in range(0, len(ids), CHUNK):
            if time.monotonic() > deadline:
                break
            started = timezone.now()
            claimed = [pk for pk in ids[start : start + CHUNK] if _claim(pk, started)]
            tools = Tool.objects.in_bulk(claimed)
            futures = {
                pool.submit(
                    maintenance.check,
                    _addresses(tool),
                    source_url=tool.source_url,
                    feed_url=tool.release_feed_url,
                    limiter=limiter,
                ): tool
                for tool in tools.values()
            }
            for future in as_completed(futures):
                tool = futures[future]
                try:
                    _store(tool, future.result(), timezone.now())
                    checked += 1
                except Exception:
                    logger.exception("Checking tool %s failed", tool.pk)
                finally:
                    Tool.objects.filter(pk=tool.pk, check_started_at=started).update(
                        check_started_at=None
                    )
    return checked


def error_text(template: str, params: dict[str, object] | None = None) -> str:
    """A stored check message in the active language, its values filled in."""
    text = _(template) if template else ""
    try:
        return text.format(**(params or {}))
    except (KeyError, IndexError, ValueError):
        return text
