"""Who may do what in the helpdesk.

Askers see their own tickets; helpdesk agents (people listed as agents of a
category, not necessarily staff) see and work the tickets of their
categories; staff see and do everything. The FAQ is public.
"""

from __future__ import annotations

import rules

from allmende.helpdesk.models import Category, Ticket
from allmende.organizations.rules import User, is_staff


@rules.predicate
def is_agent(user: User) -> bool:
    """An agent of any category."""
    if not user.is_authenticated:
        return False
    return Category.objects.filter(agents=user).exists()


@rules.predicate
def is_agent_of(user: User, ticket: Ticket | None) -> bool:
    if ticket is None or not user.is_authenticated or ticket.category_id is None:
        return False
    return Category.objects.filter(pk=ticket.category_id, agents=user).exists()


@rules.predicate
def is_asker(user: User, ticket: Ticket | None) -> bool:
    return bool(
        ticket is not None
        and user.is_authenticated
        and ticket.asker_id is not None
        and ticket.asker_id == user.pk
    )


rules.add_perm("helpdesk.view_queue", is_staff | is_agent)
rules.add_perm("helpdesk.view_ticket", is_staff | is_agent_of | is_asker)
rules.add_perm("helpdesk.work_ticket", is_staff | is_agent_of)
rules.add_perm("helpdesk.reply_as_asker", is_asker)
rules.add_perm("helpdesk.manage", is_staff)
rules.add_perm("helpdesk.publish_faq", is_staff)
