"""What the legal pages tell people: staff hear of reported barriers."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from allmende.notifications.registry import Channel, NotificationType, register

BARRIER_REPORTED = register(
    NotificationType(
        key="legal.barrier_reported",
        module=_("Legal"),
        label=_("Barrier reported"),
        description=_(
            "When someone reports a barrier through the accessibility statement."
        ),
        message=_("%(sender)s reported a barrier on %(page)s: %(message)s"),
        default=Channel.IMMEDIATE,
    )
)
