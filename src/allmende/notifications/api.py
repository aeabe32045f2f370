"""A person's notifications as JSON, for apps and scripts.

Every operation needs a personal API token (``Authorization: Bearer <token>``);
without one, or with an unknown or revoked one, it answers 401. Messages are
in the language of the request's ``Accept-Language`` header. A parameter or
body outside its type or range answers 422 with ``{"detail": [...]}``, a body
that is not JSON 400.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from django.http import HttpRequest
from ninja import Field, Query, Router, Schema
from ninja.errors import AuthenticationError
from ninja.security.http import HttpAuthBase
from pydantic import model_validator

from allmende.accounts.models import User
from allmende.accounts.services import api_token_user
from allmende.core.api import INVALID, MAX_ID, UNAUTHORIZED, MessageOut
from allmende.core.site import site_url
from allmende.notifications import selectors, services
from allmende.notifications.models import Notification

# The most notifications one answer holds, and the most ids one request marks.
MAX_LIMIT = selectors.MAX_PAGE_SIZE
DEFAULT_LIMIT = 20
MAX_IDS = 1000


class PersonalToken(HttpAuthBase):
    """A personal API token in the Authorization header; nothing else.

    A browser session is not accepted: these operations change data, and a
    token cannot be sent by another site the way a cookie is.
    """

    openapi_scheme = "bearer"

    def __call__(self, request: HttpRequest) -> User:
        scheme, _, secret = request.headers.get("Authorization", "").partition(" ")
        user = (
            api_token_user(secret.strip())
            if scheme.lower() in ("bearer", "token")
            else None
        )
        if user is None:
            raise AuthenticationError
        return user


router = Router(tags=["notifications"], auth=PersonalToken())


def _owner(request: HttpRequest) -> User:
    return request.auth  # type: ignore[attr-defined,no-any-return]


class NotificationOut(Schema):
    id: int
    type: str
    message: str = Field(description="In the language of Accept-Language.")
    url: str | None = Field(description="The object's address, absolute.")
    object_label: str = Field(description="The object's name when it was sent.")
    object_available: bool = Field(description="False when the object was deleted.")
    created_at: datetime
    read_at: datetime | None


class NotificationPageOut(Schema):
    items: list[NotificationOut]
    next_before: int | None = Field(
        description="Pass as ``before`` for the next (older) page; null on the last."
    )


class NotificationFilters(Schema):
    unread: bool = Field(False, description="true: only unread notifications.")
    before: int | None = Field(
        None, ge=1, le=MAX_ID, description="Only notifications older than this id."
    )
    limit: int = Field(DEFAULT_LIMIT, ge=1, le=MAX_LIMIT)


@router.get("/", response={200: NotificationPageOut, **UNAUTHORIZED, **INVALID})
def list_notifications(
    request: HttpRequest, filters: Query[NotificationFilters]
) -> dict[str, Any]:
    """The token owner's notifications, newest first, a page at a time.

    Follow ``next_before`` for older ones: a notification that arrives while
    you read does not shift the pages.
    """
    page = selectors.notification_page(
        user=_owner(request),
        before=filters.before,
        unread_only=filters.unread,
        size=filters.limit,
    )
    origin = site_url(request)
    return {
        "items": [_item(item, page.missing, origin) for item in page.items],
        "next_before": page.next_before,
    }


def _item(item: Notification, missing: set[int], origin: str) -> dict[str, Any]:
    return {
        "id": item.pk,
        "type": item.type,
        "message": item.message,
        "url": (origin + item.url if item.url.startswith("/") else item.url) or None,
        "object_label": item.object_label,
        "object_available": item.pk not in missing,
        "created_at": item.created_at,
        "read_at": item.read_at,
    }


NotificationId = Annotated[int, Field(ge=1, le=MAX_ID)]


class ReadIn(Schema):
    """Either ``ids`` or ``all``; ``up_to`` limits ``all`` to ids up to it."""

    ids: list[NotificationId] = Field(default_factory=list, max_length=MAX_IDS)
    all: bool = False
    up_to: NotificationId | None = None

    @model_validator(mode="after")
    def one_of_ids_or_all(self) -> ReadIn:
        if self.all == bool(self.ids):
            raise ValueError("give either ids or all: true")
        if self.up_to is not None and not self.all:
            raise ValueError("up_to goes with all: true")
        return self


class ReadOut(Schema):
    marked: int = Field(
        description="How many notifications were unread and are read now."
    )


# A body that is not JSON at all answers 400 ({"detail": "Cannot parse ..."}).
@router.post(
    "/read", response={200: ReadOut, 400: MessageOut, **UNAUTHORIZED, **INVALID}
)
def mark_read(request: HttpRequest, body: ReadIn) -> dict[str, int]:
    """Mark notifications read: the listed ``ids`` (ids of other people's
    notifications are ignored), or ``all`` of them up to ``up_to``."""
    owner = _owner(request)
    if body.all:
        marked = services.notifications_mark_all_read(actor=owner, up_to=body.up_to)
    else:
        marked = services.notifications_mark_read(actor=owner, ids=body.ids)
    return {"marked": marked}
