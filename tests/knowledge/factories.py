from __future__ import annotations

from typing import Any

from django.contrib.auth.models import Group

from allmende.accounts.models import User
from allmende.knowledge import services
from allmende.knowledge.models import EDITOR_GROUP, Category, Tool
from allmende.knowledge.services import ToolData
from tests.accounts.factories import StaffFactory, UserFactory


def tool_data(**changes: Any) -> ToolData:
    data = ToolData(
        name="Jitsi Meet",
        purpose_de="Videokonferenzen im Browser",
        purpose_en="Video conferences in the browser",
        description_de="Treffen ohne Konto.",
        description_en="Meetings without an account.",
        licence="Apache-2.0",
        source_url="",
        homepage_url="",
        release_feed_url="",
        hosting=["self_hosted", "saas"],
        platforms=["web", "android", "ios"],
        data_location="own_server",
        processing_agreement="not_needed",
        privacy_url="",
        terms_url="",
        privacy_notes_de="",
        privacy_notes_en="",
        cost="free",
        nonprofit_discount=False,
        cost_notes_de="",
        cost_notes_en="",
        difficulty="beginner",
        languages=["de", "en"],
        accessibility_notes_de="",
        accessibility_notes_en="",
        alternative_to=["Zoom"],
    )
    data.update(changes)  # type: ignore[typeddict-item]
    return data


def editor() -> User:
    person = UserFactory()
    person.groups.add(Group.objects.get(name=EDITOR_GROUP))
    return person


def make_tool(categories: list[str] | None = None, **changes: Any) -> Tool:
    return services.tool_create(
        actor=StaffFactory(),
        data=tool_data(**changes),
        categories=Category.objects.filter(slug__in=categories or ["videokonferenzen"]),
    )
