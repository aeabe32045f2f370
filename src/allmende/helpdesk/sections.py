"""What the helpdesk adds to the navigation and the dashboard."""

from __future__ import annotations

from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from allmende.core.modules import Module, Section, everyone
from allmende.helpdesk import selectors
from allmende.helpdesk.models import ACTIVE_STATES, FaqEntry

START_FAQ = 4


def start_section(request: HttpRequest) -> Section | None:
    entries = list(selectors.visible_faq().order_by("-updated_at", "-id")[:START_FAQ])
    if not entries:
        return None
    return Section(
        title=_("Questions? Answers from the helpdesk"),
        template="helpdesk/sections/start.html",
        context={"entries": entries},
    )


def my_questions(request: HttpRequest) -> Section | None:
    tickets = list(selectors.my_questions(viewer=request.user)[:10])
    if not tickets:
        return None
    return Section(
        title=_("My questions"),
        template="helpdesk/sections/my_questions.html",
        context={"tickets": tickets},
        urgent=any(t.state == "waiting" for t in tickets),
    )


def agent_queue(request: HttpRequest) -> Section | None:
    if not request.user.has_perm("helpdesk.view_queue"):
        return None
    tickets = list(selectors.queue(viewer=request.user)[:10])
    counts = selectors.queue_counts(viewer=request.user)
    return Section(
        title=_("Helpdesk queue"),
        template="helpdesk/sections/queue.html",
        context={
            "tickets": tickets,
            "counts": counts,
            "total": sum(counts.get(state, 0) for state in ACTIVE_STATES),
        },
    )


HELP = Module(
    key="helpdesk",
    label=_("Help"),
    url_name="helpdesk:index",
    icon="message-circle-question",
    order=50,
    start_section=start_section,
    start_section_audience=everyone,
    start_section_models=(FaqEntry,),
    dashboard=my_questions,
)

# The agents' queue on the dashboard of staff and helpdesk agents; whether
# someone is an agent is asked only on the dashboard, not for every page's
# navigation (the module has no page of its own there).
QUEUE = Module(
    key="helpdesk-queue",
    label=_("Helpdesk queue"),
    url_name="",
    icon="inbox",
    order=51,
    visible=lambda user: bool(user.is_authenticated),
    dashboard=agent_queue,
)
