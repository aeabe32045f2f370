"""Reads from PostgreSQL read replicas, with read-your-writes.

With ``DATABASE_REPLICA_URLS`` set, the settings add one database alias per
replica (``replica1``, ``replica2``, ...). :class:`ReplicaMiddleware` decides
per request where its reads go:

* to a replica (chosen at random) for a GET or HEAD of the JSON API, and of any
  page by a visitor without a session (anonymous pages);
* to the primary for everything else: a request that may write (POST, ...), a
  person with a session (signed in), and anyone who wrote in the last
  ``ALLMENDE_REPLICA_PIN_SECONDS`` (a cookie pins them to the primary, so they
  see their own change although the replica may lag behind).

:class:`ReplicaRouter` sends every write to the primary; once a request has
written, and inside a transaction, its reads go to the primary too. Outside a
request (jobs, commands, the scheduler) everything uses the primary.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from contextvars import ContextVar
from typing import Any

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connections
from django.http import HttpRequest, HttpResponse

PIN_COOKIE = "allmende_primary"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})

# The alias this request reads from; None: the primary.
_read_from: ContextVar[str | None] = ContextVar("allmende_read_from", default=None)
_wrote: ContextVar[bool] = ContextVar("allmende_wrote", default=False)


def read_alias() -> str:
    """Where a read now goes (for the health check and tests)."""
    alias = _read_from.get()
    if alias is None or connections[DEFAULT_DB_ALIAS].in_atomic_block:
        return DEFAULT_DB_ALIAS
    return alias


class ReplicaRouter:
    def db_for_read(self, model: type[Any], **hints: Any) -> str:
        return read_alias()

    def db_for_write(self, model: type[Any], **hints: Any) -> str:
        if _read_from.get() is not None:
            # Read your own write: the rest of this request reads the primary.
            _read_from.set(None)
        _wrote.set(True)
        return DEFAULT_DB_ALIAS

    def allow_relation(self, obj1: Any, obj2: Any, **hints: Any) -> bool:
        # Every alias holds the same data.
        return True

    def allow_migrate(self, db: str, app_label: str, **hints: Any) -> bool | None:
        if db in settings.ALLMENDE_DATABASE_REPLICAS:
            return False  # replicas follow the primary by replication
        return None


def choose(request: HttpRequest) -> str | None:
    """The replica this request may read from, or None for the primary."""
    replicas = settings.ALLMENDE_DATABASE_REPLICAS
    if not replicas or request.method not in SAFE_METHODS:
        return None
    if PIN_COOKIE in request.COOKIES:
        return None
    is_api = request.path.startswith("/api/")
    if not is_api and settings.SESSION_COOKIE_NAME in request.COOKIES:
        return None
    return secrets.choice(replicas)


class ReplicaMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if not settings.ALLMENDE_DATABASE_REPLICAS:
            return self.get_response(request)
        read_token = _read_from.set(choose(request))
        wrote_token = _wrote.set(False)
        try:
            response = self.get_response(request)
            wrote = _wrote.get()
        finally:
            _read_from.reset(read_token)
            _wrote.reset(wrote_token)
        if wrote or request.method not in SAFE_METHODS:
            response.set_cookie(
                PIN_COOKIE,
                "1",
                max_age=settings.ALLMENDE_REPLICA_PIN_SECONDS,
                httponly=True,
                samesite="Lax",
                secure=settings.SESSION_COOKIE_SECURE,
            )
        return response
