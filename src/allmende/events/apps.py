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
