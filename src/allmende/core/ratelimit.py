"""Limits on what an anonymous visitor can make the platform do, above all mail.

Every form that sends mail to an address a visitor types in (sign-up, password
reset, a new confirmation mail, a guest registration) can be abused to flood
someone else's mailbox from our server. Two counters in the cache bound that: one
per client (its IP address) and one per receiving address, each per hour
(``ALLMENDE_MAIL_RATE_PER_CLIENT``, ``ALLMENDE_MAIL_RATE_PER_ADDRESS``).

Behind reverse proxies the client's address is the one the nearest trusted
proxy saw: with ``ALLMENDE_TRUSTED_PROXY_COUNT`` proxies in front, it is that
many entries from the right of ``X-Forwarded-For``.
"""

from __future__ import annotations

import hashlib
import logging

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest

logger = logging.getLogger(__name__)

HOUR = 60 * 60


def client_ip(request: HttpRequest) -> str:
    """The visitor's IP address, taking the configured proxies into account."""
    proxies = int(settings.ALLMENDE_TRUSTED_PROXY_COUNT)
    if proxies > 0:
        forwarded = [
            part.strip()
            for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")
            if part.strip()
        ]
        if len(forwarded) >= proxies:
            return str(forwarded[-proxies])
    return str(request.META.get("REMOTE_ADDR", "") or "unknown")


def _key(kind: str, value: str) -> str:
    digest = hashlib.sha256(value.strip().lower().encode()).hexdigest()[:32]
    return f"ratelimit:{kind}:{digest}"


def _count(key: str, period: int) -> int:
    """Count one more use of ``key`` in its window and return the new count."""
    if cache.add(key, 1, period):
        return 1
    try:
        return int(cache.incr(key))
    except ValueError:
        # The window ran out between add() and incr(): this use opens a new one.
        cache.set(key, 1, period)
        return 1


def hit(kind: str, value: str, *, limit: int, period: int = HOUR) -> bool:
    """Count a use; ``False`` once there were more than ``limit`` in ``period``."""
    if limit <= 0:
        return True
    return _count(_key(kind, value), period) <= limit


def mail_allowed(request: HttpRequest | None, address: str) -> bool:
    """Count one mail a visitor asked for; ``False`` when a limit is reached.

    Without a request (a job, a command) only the address counts; without an
    address (a message to the platform's own team) only the client.
    """
    allowed = not address or hit(
        "mail-address", address, limit=int(settings.ALLMENDE_MAIL_RATE_PER_ADDRESS)
    )
    if request is not None:
        allowed = (
            hit(
                "mail-client",
                client_ip(request),
                limit=int(settings.ALLMENDE_MAIL_RATE_PER_CLIENT),
            )
            and allowed
        )
    if not allowed:
        logger.warning("Mail not sent: too many mails asked for (rate limit).")
    return allowed


def once_per_window(kind: str, value: str, *, minutes: int) -> bool:
    """``True`` the first time for ``value`` in ``minutes``, then ``False``.

    For "one mail per address and purpose while a confirmation is pending".
    """
    if minutes <= 0:
        return True
    return bool(cache.add(_key(kind, value), 1, minutes * 60))


def window_open(kind: str, value: str) -> bool:
    """Whether :func:`once_per_window` would refuse ``value`` now."""
    return cache.get(_key(kind, value)) is not None


class MailLimitReached(Exception):
    """A visitor asked for more mails than the limits allow."""
