"""Who may do what with events, registrations and courses.

Every permission check asks ``user.has_perm("events.<permission>", obj)``; the
answers are decided here. Events are organized by staff, or by administrators of
an organization that staff allowed to host events (a :class:`Host` row).
"""

from __future__ import annotations

import rules
from django.contrib.auth.models import AnonymousUser

from allmende.accounts.models import User as Account
from allmende.events.models import Course, Event, EventStatus, Host, Registration
from allmende.organizations.models import Membership, Organization
from allmende.organizations.rules import is_admin as is_organization_admin

User = Account | AnonymousUser


@rules.predicate
def is_staff(user: User) -> bool:
    return bool(user.is_authenticated and getattr(user, "is_staff", False))


def _admin_of_host(user: User, organization_id: int | None) -> bool:
    if organization_id is None or not user.is_authenticated:
        return False
    return (
        Host.objects.filter(organization_id=organization_id).exists()
        and Membership.objects.filter(
            organization_id=organization_id,
            user_id=user.pk,
            role=Membership.Role.ADMIN,
        ).exists()
    )


@rules.predicate
def is_admin_of_any_host(user: User) -> bool:
    if not user.is_authenticated:
        return False
    return Membership.objects.filter(
        user_id=user.pk,
        role=Membership.Role.ADMIN,
        organization__event_host__isnull=False,
    ).exists()


@rules.predicate
def is_host_admin(user: User, obj: Event | Course | Organization | None) -> bool:
    if obj is None:
        return False
    if isinstance(obj, Organization):
        return _admin_of_host(user, obj.pk)
    return _admin_of_host(user, obj.organization_id)


@rules.predicate
def is_public_event(user: User, event: Event | None) -> bool:
    return event is not None and event.status != EventStatus.DRAFT


@rules.predicate
def is_own_registration(user: User, registration: Registration | None) -> bool:
    return (
        registration is not None
        and user.is_authenticated
        and registration.user_id == user.pk
    )


@rules.predicate
def organizes_registration_event(user: User, registration: Registration | None) -> bool:
    if registration is None:
        return False
    return bool(is_staff(user)) or _admin_of_host(
        user, registration.event.organization_id
    )


@rules.predicate
def is_admin_of_any_organization(user: User) -> bool:
    if not user.is_authenticated:
        return False
    return Membership.objects.filter(
        user_id=user.pk, role=Membership.Role.ADMIN
    ).exists()


@rules.predicate
def is_admin_of_event_organization(user: User, event: Event | None) -> bool:
    """Administrators of an organization see its events before they are public,
    such as the ones it proposed."""
    if event is None or event.organization_id is None or not user.is_authenticated:
        return False
    return Membership.objects.filter(
        organization_id=event.organization_id,
        user_id=user.pk,
        role=Membership.Role.ADMIN,
    ).exists()


@rules.predicate
def is_proposed_event(user: User, event: Event | None) -> bool:
    """The event came in as an organization's proposal (whatever its state)."""
    return event is not None and hasattr(event, "proposal")


organizer = is_staff | is_host_admin

# Any organization's administrator may open the event form: for a host it
# creates the event, for any other organization it proposes one to the staff.
rules.add_perm("events.add_event", is_staff | is_admin_of_any_organization)
rules.add_perm("events.host_for_organization", organizer)
rules.add_perm("events.propose_for_organization", is_organization_admin)
rules.add_perm("events.decide_proposal", is_staff)
# The organization's administrators may change what they proposed; the service
# refuses once the staff have answered.
rules.add_perm(
    "events.change_proposal", is_admin_of_event_organization & is_proposed_event
)
rules.add_perm(
    "events.view_event",
    is_public_event | organizer | is_admin_of_event_organization,
)
rules.add_perm("events.change_event", organizer)
rules.add_perm("events.manage_registrations", organizer)
rules.add_perm("events.manage_hosts", is_staff)
rules.add_perm("events.add_series", is_staff | is_admin_of_any_host)
rules.add_perm("events.add_programme_event", is_staff)
rules.add_perm("events.change_course", organizer)
rules.add_perm(
    "events.view_registration", is_own_registration | organizes_registration_event
)
rules.add_perm("events.keep_learning_path", rules.is_authenticated)
