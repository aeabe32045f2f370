"""What the helpdesk can tell people."""

from django.utils.translation import gettext_lazy as _

from allmende.notifications.registry import Channel, NotificationType, register

REPLY_ARRIVED = register(
    NotificationType(
        key="helpdesk.reply_arrived",
        module=_("Help"),
        label=_("Answer to your question"),
        description=_("When the helpdesk answers a question you asked."),
        message=_("The helpdesk answered your question %(ticket)s."),
        # The answer itself comes by e-mail as well.
        default=Channel.APP,
    )
)

TICKET_RESOLVED = register(
    NotificationType(
        key="helpdesk.ticket_resolved",
        module=_("Help"),
        label=_("Question resolved"),
        description=_("When a question you asked is marked as resolved."),
        message=_("Your question %(ticket)s has been resolved."),
        default=Channel.APP,
    )
)

NEW_TICKET = register(
    NotificationType(
        key="helpdesk.new_ticket",
        module=_("Help"),
        label=_("New question in your category"),
        description=_("When a new question arrives in a category you answer."),
        message=_("New question %(ticket)s in %(category)s."),
        default=Channel.IMMEDIATE,
    )
)

ASKER_REPLIED = register(
    NotificationType(
        key="helpdesk.asker_replied",
        module=_("Help"),
        label=_("Asker replied"),
        description=_("When the asker writes again in a ticket you answer."),
        message=_("The asker replied in %(ticket)s."),
        default=Channel.APP,
    )
)
