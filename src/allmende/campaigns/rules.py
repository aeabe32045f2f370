"""Who may do what with campaigns.

Views, templates and services ask ``user.has_perm("campaigns.<permission>", obj)``;
the answers are decided here.
"""

from __future__ import annotations

import rules

from allmende.campaigns.models import Campaign
from allmende.organizations.models import Organization
from allmende.organizations.rules import User, is_admin, is_member, is_staff


@rules.predicate
def is_verified(user: User, organization: Organization | None) -> bool:
    return organization is not None and organization.is_verified


@rules.predicate
def runs_campaign(user: User, campaign: Campaign | None) -> bool:
    """An administrator of the organization the campaign belongs to."""
    if campaign is None or campaign.organization_id is None:
        return False
    return bool(is_admin(user, campaign.organization))


rules.add_perm("campaigns.manage_campaign", is_staff)
rules.add_perm("campaigns.view_signatures", is_staff)
# Signatures and proofs of consent: staff, and the admins of the organization
# running the campaign (they get fewer fields: see exports.py).
rules.add_perm("campaigns.export_signatures", is_staff | runs_campaign)
# For an organization: act for it at all (members), propose that it co-signs
# (members of a verified one) or sign for it (its admins).
rules.add_perm("campaigns.act_for_organization", is_member)
rules.add_perm("campaigns.propose_signature", is_member & is_verified)
rules.add_perm("campaigns.sign_for_organization", is_admin & is_verified)
rules.add_perm("campaigns.withdraw_signature", is_admin | is_staff)
