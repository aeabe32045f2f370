"""Who sees which tickets, held mails and FAQ entries: decided here."""

from __future__ import annotations

from typing import Any

from django.db.models import Count, Q, QuerySet

from allmende.helpdesk.models import (
    ACTIVE_STATES,
    Attachment,
    Category,
    FaqEntry,
    HeldMail,
    MessageKind,
    Ticket,
    TicketMessage,
)

Viewer = Any  # a User or AnonymousUser


def _is_staff(viewer: Viewer) -> bool:
    return bool(viewer.is_authenticated and viewer.is_staff)


def visible_tickets(viewer: Viewer) -> QuerySet[Ticket]:
    """Staff: every ticket; agents: their categories' confirmed tickets and
    their own questions; anyone else: their own questions."""
    tickets = Ticket.objects.all()
    if not viewer.is_authenticated:
        return tickets.none()
    if _is_staff(viewer):
        return tickets
    return tickets.filter(
        Q(asker=viewer) | Q(category__agents=viewer, confirmed_at__isnull=False)
    ).distinct()


def worked_tickets(viewer: Viewer) -> QuerySet[Ticket]:
    """The tickets ``viewer`` works on as an agent or as staff."""
    tickets = Ticket.objects.filter(confirmed_at__isnull=False)
    if _is_staff(viewer):
        return tickets
    if not viewer.is_authenticated:
        return tickets.none()
    return tickets.filter(category__agents=viewer).distinct()


def queue(
    *,
    viewer: Viewer,
    category: Category | None = None,
    state: str = "",
    mine: bool = False,
) -> QuerySet[Ticket]:
    """The agents' queue: active tickets by default, the oldest change first."""
    tickets = worked_tickets(viewer).select_related("category", "assignee")
    if state:
        tickets = tickets.filter(state=state)
    else:
        tickets = tickets.filter(state__in=sorted(ACTIVE_STATES))
    if category is not None:
        tickets = tickets.filter(category=category)
    if mine:
        tickets = tickets.filter(assignee=viewer)
    return tickets.order_by("updated_at", "id")


def agent_categories(viewer: Viewer) -> QuerySet[Category]:
    if _is_staff(viewer):
        return Category.objects.all()
    if not viewer.is_authenticated:
        return Category.objects.none()
    return Category.objects.filter(agents=viewer)


def my_questions(*, viewer: Viewer) -> QuerySet[Ticket]:
    if not viewer.is_authenticated:
        return Ticket.objects.none()
    return (
        Ticket.objects.filter(asker=viewer, merged_into__isnull=True)
        .select_related("category")
        .order_by("-updated_at", "-id")
    )


def conversation(*, ticket: Ticket, internal: bool) -> QuerySet[TicketMessage]:
    """The messages of ``ticket``; internal notes only with ``internal``."""
    messages = (
        TicketMessage.objects.filter(ticket=ticket)
        .select_related("author")
        .prefetch_related("attachments")
        .order_by("created_at", "id")
    )
    if not internal:
        messages = messages.exclude(kind=MessageKind.NOTE)
    return messages


def other_tickets_of(ticket: Ticket, *, viewer: Viewer) -> QuerySet[Ticket]:
    """The asker's other tickets that ``viewer`` may see."""
    same = Q(asker_email=ticket.asker_email)
    if ticket.asker_id is not None:
        same |= Q(asker_id=ticket.asker_id)
    return (
        visible_tickets(viewer)
        .filter(same)
        .exclude(pk=ticket.pk)
        .order_by("-updated_at", "-id")
    )


def attachment_ticket(attachment: Attachment) -> Ticket | None:
    if attachment.message_id is not None:
        return attachment.message.ticket  # type: ignore[union-attr]
    return None


def attachment_visible(*, attachment: Attachment, viewer: Viewer) -> bool:
    """An attachment of a message: who may see the ticket (a note's only its
    agents); of a held mail: staff."""
    if attachment.held_id is not None:
        return bool(viewer.has_perm("helpdesk.manage"))
    message = attachment.message
    if message is None:
        return False
    if message.kind == MessageKind.NOTE:
        return bool(viewer.has_perm("helpdesk.work_ticket", message.ticket))
    return bool(viewer.has_perm("helpdesk.view_ticket", message.ticket))


def held_mails(*, viewer: Viewer) -> QuerySet[HeldMail]:
    if not viewer.has_perm("helpdesk.manage"):
        return HeldMail.objects.none()
    return (
        HeldMail.objects.filter(decided_at__isnull=True)
        .select_related("ticket")
        .prefetch_related("attachments")
    )


def visible_faq(viewer: Viewer = None) -> QuerySet[FaqEntry]:
    return FaqEntry.objects.filter(published=True)


def faq_by_category() -> list[tuple[Category, list[FaqEntry]]]:
    entries = visible_faq().select_related("category")
    grouped: dict[int, tuple[Category, list[FaqEntry]]] = {}
    for entry in entries.order_by("category__order", "category__slug", "id"):
        grouped.setdefault(entry.category_id, (entry.category, []))[1].append(entry)
    return list(grouped.values())


def queue_counts(*, viewer: Viewer) -> dict[str, int]:
    rows = (
        worked_tickets(viewer)
        .filter(state__in=sorted(ACTIVE_STATES))
        .values("state")
        .annotate(n=Count("id"))
    )
    return {row["state"]: row["n"] for row in rows}
