"""User SQL from the API, CKAN and the resource page, with the platform's limits.

Every query runs in the engine's worker pool (see
:mod:`allmende.catalog.engine.sandbox`) with the limits of the settings
``ALLMENDE_SQL_*``; a client (a person, or an address when anonymous) runs at
most ``ALLMENDE_SQL_PER_CLIENT`` queries at once.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager, suppress

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest

from allmende.catalog import engine
from allmende.catalog.engine import errors
from allmende.core import ratelimit


def limits(*, max_rows: int | None = None) -> engine.SqlLimits:
    return engine.SqlLimits(
        timeout_seconds=settings.ALLMENDE_SQL_TIMEOUT_SECONDS,
        max_rows=min(max_rows or settings.ALLMENDE_SQL_MAX_ROWS,
                     settings.ALLMENDE_SQL_MAX_ROWS),
        max_result_bytes=settings.ALLMENDE_SQL_MAX_RESULT_BYTES,
    )  # fmt: skip


def client_key(request: HttpRequest) -> str:
    user = getattr(request, "auth", None) or getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        return f"user:{user.pk}"
    return f"address:{ratelimit.client_ip(request)}"


@contextmanager
def client_slot(key: str) -> Iterator[None]:
    """Count a running query of ``key``; refuse one over the limit."""
    limit = settings.ALLMENDE_SQL_PER_CLIENT
    name = f"allmende:sql-running:{key}"
    # Expires on its own should a count ever be left behind.
    expiry = int(settings.ALLMENDE_SQL_TIMEOUT_SECONDS) + 60
    cache.add(name, 0, timeout=expiry)
    try:
        running = cache.incr(name)
    except ValueError:  # expired between add and incr
        cache.add(name, 1, timeout=expiry)
        running = 1
    try:
        if running > limit:
            raise errors.SqlClientBusyError(limit=limit)
        yield
    finally:
        with suppress(ValueError):
            cache.decr(name)


def run(
    request: HttpRequest,
    table: engine.Resource,
    sql: str,
    *,
    max_rows: int | None = None,
) -> engine.SqlResult:
    """Run a visitor's SELECT over ``table`` within every limit."""
    with client_slot(client_key(request)):
        return engine.run_sandboxed(
            table,
            sql,
            limits=limits(max_rows=max_rows),
            workers=settings.ALLMENDE_SQL_WORKERS,
            memory_bytes=settings.ALLMENDE_SQL_MEMORY_BYTES,
        )
