"""Personal data in campaigns: a person's signatures and co-signings.

Signatures are given with an e-mail address, not an account; the account's
verified addresses are what ties them to the person (an address added but
not verified could be someone else's).
"""

from __future__ import annotations

from typing import Any

from allauth.account.models import EmailAddress
from django.db.models import Q

from allmende.accounts.models import User
from allmende.campaigns import selectors
from allmende.campaigns.models import OrganizationSignature


def verified_addresses(user: User) -> list[str]:
    return list(
        EmailAddress.objects.filter(user=user, verified=True).values_list(
            "email", flat=True
        )
    )


def export_personal_data(*, user: User) -> dict[str, Any]:
    from allmende.campaigns.services import normalise_email

    records = []
    for address in verified_addresses(user):
        records += selectors.consent_records(email=normalise_email(address))
    return {
        "signatures": [record.as_dict() for record in records],
        "co_signings": [
            {
                "campaign": s.campaign.title_de,
                "organization": s.organization.name,
                "state": s.state,
                "proposed_by_you": s.proposed_by_id == user.pk,
                "signed_by_you": s.signed_by_id == user.pk,
                "created_at": s.created_at.isoformat(),
            }
            for s in OrganizationSignature.objects.filter(
                Q(proposed_by=user) | Q(signed_by=user)
            )
            .select_related("campaign", "organization")
            .order_by("created_at", "id")
        ],
    }


def before_account_deletion(*, user: User) -> None:
    """Erase the person's signatures; their co-signings for an organization
    stay the organization's, without the link to them (the foreign keys are
    cleared)."""
    from allmende.campaigns.services import signatures_erase

    signatures_erase(actor=None, emails=verified_addresses(user))
