"""Events that an organization proposes and the staff publish.

A proposed event is an :class:`Event` in the state draft, so every public list
already leaves it out; its :class:`EventProposal` says who proposed it and what
the staff decided.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class ProposalState(models.TextChoices):
    PROPOSED = "proposed", _("Waiting for review")
    PUBLISHED = "published", _("Published")
    DECLINED = "declined", _("Declined")


P = ProposalState

STAFF = "staff"

# The state machine of a proposal: every allowed change of state and who may
# make it ("staff": whoever may publish programme events). A proposal starts as
# proposed, made by an administrator of the organization.
PROPOSAL_TRANSITIONS: dict[tuple[str, str], frozenset[str]] = {
    (P.PROPOSED, P.PUBLISHED): frozenset({STAFF}),
    (P.PROPOSED, P.DECLINED): frozenset({STAFF}),
}


def proposal_transition_allowed(source: str, target: str, role: str) -> bool:
    return role in PROPOSAL_TRANSITIONS.get((source, target), frozenset())


class EventProposal(models.Model):
    event = models.OneToOneField(
        "events.Event",
        on_delete=models.CASCADE,
        related_name="proposal",
        verbose_name=_("event"),
    )
    state = models.CharField(
        _("status"),
        max_length=20,
        choices=ProposalState.choices,
        default=ProposalState.PROPOSED,
    )
    proposed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    proposed_at = models.DateTimeField(_("proposed on"), auto_now_add=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    decided_at = models.DateTimeField(_("decided on"), null=True, blank=True)
    reason = models.TextField(_("reason"), blank=True, max_length=2000)

    class Meta:
        verbose_name = _("event proposal")
        verbose_name_plural = _("event proposals")
        ordering = ["proposed_at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(state__in=[choice.value for choice in P]),
                name="proposal_state_known",
            ),
            models.CheckConstraint(
                condition=~Q(state=P.DECLINED) | ~Q(reason=""),
                name="proposal_declined_has_reason",
            ),
            models.CheckConstraint(
                condition=Q(state=P.PROPOSED) | Q(decided_at__isnull=False),
                name="proposal_decided_has_date",
            ),
        ]
        indexes = [models.Index(fields=["state", "proposed_at"])]

    def __str__(self) -> str:
        return f"{self.event} ({self.state})"
