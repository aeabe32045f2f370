"""Demo data for the staff's queue: an organization that asks to be verified."""

from __future__ import annotations

import random
from typing import Any

from allmende.organizations import services
from allmende.organizations.models import Membership, VerificationRequest


def load_demo(*, rng: random.Random, stdout: Any) -> None:
    if VerificationRequest.objects.exists():
        return
    membership = (
        Membership.objects.filter(
            role=Membership.Role.ADMIN,
            organization__is_verified=False,
            user__is_staff=False,
        )
        .select_related("organization", "user")
        .order_by("organization__name")
        .first()
    )
    if membership is None:
        return
    services.verification_request(
        organization=membership.organization, actor=membership.user
    )
    stdout.write(
        f"Demo verification request: {membership.organization.name} asks to be "
        "verified."
    )
