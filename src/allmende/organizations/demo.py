"""Demo data for the queues and the members' inboxes: one organization asks to
be verified, another has just been verified, and a person asks to join an
organization."""

from __future__ import annotations

import random
from typing import Any

from allmende.accounts.models import User
from allmende.organizations import services
from allmende.organizations.models import JoinRequest, Membership, VerificationRequest


def load_demo(*, rng: random.Random, stdout: Any) -> None:
    _verification_request(stdout)
    _join_request(stdout)


def _verification_request(stdout: Any) -> None:
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


def _join_request(stdout: Any) -> None:
    """Someone asks to join, so an administrator's dashboard shows it."""
    if JoinRequest.objects.exists():
        return
    membership = (
        Membership.objects.filter(role=Membership.Role.ADMIN, user__is_staff=False)
        .select_related("organization")
        .order_by("organization__name")
        .first()
    )
    if membership is None:
        return
    person = (
        User.objects.filter(is_staff=False, is_active=True)
        .exclude(memberships__organization=membership.organization)
        .order_by("username")
        .first()
    )
    if person is None:
        return
    services.join_request_create(actor=person, organization=membership.organization)
    stdout.write(
        f"Demo request to join: {person.public_name} asks to join "
        f"{membership.organization.name}."
    )
