"""Public event data as JSON (read only)."""

from datetime import date, datetime

from django.http import Http404, HttpRequest
from django.utils import timezone
from ninja import Query, Router, Schema
from ninja.pagination import paginate

from allmende.core.api import INVALID, NOT_FOUND, LimitOffset, PathSlug, Text
from allmende.events.models import Event
from allmende.events.selectors import EventFilters, event_for_viewer, event_list

router = Router(tags=["events"])


class EventOut(Schema):
    slug: str
    title_de: str
    title_en: str
    event_type: str
    format: str
    level: str
    language: str
    starts_at: datetime
    ends_at: datetime
    status: str
    city: str
    capacity: int
    places_left: int
    topics: list[str]
    accessibility: list[str]
    url: str

    @staticmethod
    def resolve_topics(obj: Event) -> list[str]:
        return [topic.slug for topic in obj.topics.all()]

    @staticmethod
    def resolve_accessibility(obj: Event) -> list[str]:
        fields = ["step_free", "sign_language", "captions", "quiet_room"]
        return [name for name in fields if getattr(obj, name)]

    @staticmethod
    def resolve_url(obj: Event) -> str:
        return obj.get_absolute_url()

    @staticmethod
    def resolve_starts_at(obj: Event) -> datetime:
        return timezone.localtime(obj.starts_at)

    @staticmethod
    def resolve_ends_at(obj: Event) -> datetime:
        return timezone.localtime(obj.ends_at)


class EventQuery(Schema):
    q: Text = ""
    event_type: Text = ""
    format: Text = ""
    level: Text = ""
    topic: Text = ""
    date_from: date | None = None
    date_to: date | None = None


@router.get("/", response={200: list[EventOut], **INVALID})
@paginate(LimitOffset)
def list_events(request: HttpRequest, filters: Query[EventQuery]):  # type: ignore[no-untyped-def]
    return event_list(filters=EventFilters(**filters.dict()))


@router.get("/{slug}", response={200: EventOut, **NOT_FOUND, **INVALID})
def get_event(request: HttpRequest, slug: PathSlug) -> Event:
    event = event_for_viewer(slug=slug, viewer=request.user)
    if event is None:
        raise Http404
    return event
