"""Events proposed by organizations that may not host events themselves.

An administrator of any organization proposes an event; it stays a draft,
visible to the organization's administrators and the staff, until the staff
publish it or decline it with a reason. The proposer and the organization's
administrators are told (notifications) after commit.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from allmende.core.models import FocusArea
from allmende.core.services import audit_log_record
from allmende.events import notifications as kinds
from allmende.events.models import Event, EventProposal, EventStatus, ProposalState
from allmende.events.models.proposals import STAFF, proposal_transition_allowed
from allmende.events.services.common import User, account, require
from allmende.events.services.events import (
    _check_fields,
    _unique_slug,
    event_index,
)
from allmende.events.services.mail import event_context
from allmende.notifications.services import notify, organization_admins, staff_users
from allmende.organizations.models import Organization


@transaction.atomic
def event_propose(
    *,
    actor: User,
    organization: Organization,
    topics: Iterable[FocusArea] = (),
    **fields: Any,
) -> Event:
    """An organization's administrator proposes an event for the staff to publish."""
    require(actor, "events.propose_for_organization", organization)
    fields.pop("status", None)
    _check_fields(fields)
    event = Event(
        organization=organization,
        created_by=account(actor),
        slug=_unique_slug(fields.get("title_de", ""), fields["starts_at"]),
        status=EventStatus.DRAFT,
        **fields,
    )
    event.full_clean()
    event.save()
    event.topics.set(topics)
    proposal = EventProposal(event=event, proposed_by=account(actor))
    proposal.full_clean()
    proposal.save()
    audit_log_record(
        actor=actor,
        action="event.proposed",
        obj=event,
        data={"organization": organization.pk},
    )
    event_index(event)
    notify(
        kinds.PROPOSAL_SUBMITTED,
        staff_users(),
        obj=event,
        context=event_context(event, organization=organization.name),
        actor=account(actor),
        url=reverse("events:proposal_decide", kwargs={"pk": proposal.pk}),
    )
    return event


def proposal_closed_message(proposal: EventProposal) -> str:
    """Why a proposal the staff have answered can no longer be changed."""
    if proposal.state == ProposalState.PUBLISHED:
        return _(
            "The team has already published this event, so it can no longer be "
            "changed as a proposal. Please write to the team if something needs "
            "to change."
        )
    return _(
        "The team has declined this proposal, so it can no longer be changed. "
        "You can propose the event again."
    )


@transaction.atomic
def event_proposal_update(
    *,
    actor: User,
    event: Event,
    topics: Iterable[FocusArea] | None = None,
    **changes: Any,
) -> Event:
    """An administrator of the proposing organization changes the proposed
    event while the staff have not answered yet."""
    require(actor, "events.change_proposal", event)
    changes.pop("status", None)
    _check_fields(changes)
    # Locked in the order event_proposal_decide locks them.
    proposal = EventProposal.objects.select_for_update().get(event_id=event.pk)
    if proposal.state != ProposalState.PROPOSED:
        raise ValidationError(proposal_closed_message(proposal), code="proposal_closed")
    event = Event.objects.select_for_update().get(pk=event.pk)
    changed = [name for name, value in changes.items() if getattr(event, name) != value]
    for name in changed:
        setattr(event, name, changes[name])
    event.full_clean()
    event.save()
    if topics is not None:
        before = set(event.topics.values_list("pk", flat=True))
        event.topics.set(topics)
        if before != {topic.pk for topic in topics}:
            changed.append("topics")
    if changed:
        audit_log_record(
            actor=actor,
            action="event.proposal_updated",
            obj=event,
            data={"fields": sorted(changed)},
        )
    event_index(event)
    return event


@transaction.atomic
def event_proposal_decide(
    *, proposal: EventProposal, publish: bool, reason: str, actor: User
) -> EventProposal:
    """Staff publish a proposed event, or decline it with a reason."""
    require(actor, "events.decide_proposal", proposal.event)
    proposal = EventProposal.objects.select_for_update().get(pk=proposal.pk)
    target = ProposalState.PUBLISHED if publish else ProposalState.DECLINED
    if not proposal_transition_allowed(proposal.state, target, STAFF):
        raise ValidationError(
            _("This proposal has already been answered."), code="proposal_closed"
        )
    reason = reason.strip()
    if not publish and not reason:
        raise ValidationError(
            {"reason": _("Please tell the organization why the event is declined.")}
        )
    # The organization is joined without a lock: PostgreSQL cannot lock the
    # nullable side of an outer join.
    event = (
        Event.objects.select_for_update(of=("self",))
        .select_related("organization")
        .get(pk=proposal.event_id)
    )
    proposal.state = target
    proposal.reason = reason
    proposal.decided_by = account(actor)
    proposal.decided_at = timezone.now()
    proposal.full_clean()
    proposal.save(update_fields=["state", "reason", "decided_by", "decided_at"])
    if publish:
        event.status = EventStatus.PUBLISHED
        event.save(update_fields=["status", "updated_at"])
    proposal.event = event
    audit_log_record(
        actor=actor,
        action="event.proposal_published" if publish else "event.proposal_declined",
        obj=event,
        data={"reason": reason},
    )
    recipients = set(
        organization_admins(event.organization).values_list("pk", flat=True)
        if event.organization is not None
        else []
    )
    if proposal.proposed_by_id is not None:
        recipients.add(proposal.proposed_by_id)
    notify(
        kinds.PROPOSAL_PUBLISHED if publish else kinds.PROPOSAL_DECLINED,
        sorted(recipients),
        obj=event,
        context=event_context(event, reason=reason),
        actor=account(actor),
    )
    return proposal
