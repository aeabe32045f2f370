from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class EventsConfig(AppConfig):
    name = "allmende.events"
    label = "events"
    verbose_name = _("Events and academy")

    def ready(self) -> None:
        from allmende.core.modules import register
        from allmende.events import sections

        register(sections.EVENTS)
        register(sections.ACADEMY)
        register(sections.PROPOSAL_QUEUE)

        from allmende.core import search
        from allmende.events.models import Event
        from allmende.events.selectors import visible_events

        search.register(
            search.SearchType(
                key="event",
                label=_("Events"),
                model=Event,
                visible=visible_events,
                order=20,
            )
        )
