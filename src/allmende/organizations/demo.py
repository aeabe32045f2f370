"""Demo data for the staff's queue and the members' inboxes: one organization
asks to be verified, another has just been verified."""

from __future__ import annotations

import random
from typing import Any

from allmende.accounts.models import User
from allmende.organizations import services
from allmende.organizations.models import Membership, VerificationRequest


def load_demo(*, rng: random.Random, stdout: Any) -> None:
    if VerificationRequest.objects.exists():
        return
    memberships = (
        Membership.objects.filter(
            role=Membership.Role.ADMIN,
            organization__is_verified=False,
            user__is_staff=False,
        )
        .select_related("organization", "user")
        .order_by("organization__name")
    )
    asking = memberships.first()
    if asking is None:
        return
    services.verification_request(organization=asking.organization, actor=asking.user)
    stdout.write(
        f"Demo verification request: {asking.organization.name} asks to be verified."
    )
    admin = User.objects.filter(is_superuser=True).order_by("pk").first()
    verified = memberships.exclude(organization=asking.organization).first()
    if admin is None or verified is None:
        return
    # Through the services, so that its administrators find the decision in
    # their notifications.
    services.organization_set_verified(
        actor=admin, organization=verified.organization, verified=True
    )
    stdout.write(f"Demo verification: {verified.organization.name} is verified.")
