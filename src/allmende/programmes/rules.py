"""Who may do what with calls and applications.

Every check asks ``user.has_perm("programmes.<permission>", obj)``; the answers
are decided here. Staff run calls; a member of an eligible organization (or,
where the call allows it, any registered person) may apply; an application is
seen and changed by the person who started it, by the co-applicants they
invited (as their role allows), and by staff.
"""

from __future__ import annotations

import rules
from django.contrib.auth.models import AnonymousUser

from allmende.accounts.models import User as Account
from allmende.organizations.models import Membership, Organization
from allmende.programmes.models import (
    Application,
    Call,
    CallState,
    CoApplicant,
    CoApplicantRole,
    Eligibility,
    Review,
    ReviewState,
)
from allmende.programmes.models.applications import ApplicationState

User = Account | AnonymousUser


@rules.predicate
def is_staff(user: User) -> bool:
    return bool(user.is_authenticated and getattr(user, "is_staff", False))


@rules.predicate
def is_public_call(user: User, call: Call | None) -> bool:
    return call is not None and call.state != CallState.DRAFT


def organization_eligible(call: Call, organization: Organization) -> bool:
    if call.eligibility == Eligibility.VERIFIED and not organization.is_verified:
        return False
    if call.legal_forms and organization.legal_form not in call.legal_forms:
        return False
    return not (call.regions and organization.region not in call.regions)


def eligible_organizations(user: User, call: Call) -> list[Organization]:
    """The organizations ``user`` is a member of that may apply to ``call``."""
    if not user.is_authenticated:
        return []
    organizations = Organization.objects.filter(
        pk__in=Membership.objects.filter(user_id=user.pk).values("organization_id")
    ).order_by("name")
    return [o for o in organizations if organization_eligible(call, o)]


@rules.predicate
def may_apply(user: User, call: Call | None) -> bool:
    if call is None or not user.is_authenticated:
        return False
    if call.state != CallState.PUBLISHED:
        return False
    return call.individuals_allowed or bool(eligible_organizations(user, call))


@rules.predicate
def is_applicant(user: User, application: Application | None) -> bool:
    return (
        application is not None
        and user.is_authenticated
        and application.applicant_id == user.pk
    )


@rules.predicate
def is_current_applicant(user: User, application: Application | None) -> bool:
    """The applicant, and -- for an organization's application -- still one
    of its members: who left or was removed may no longer change it."""
    if application is None or not is_applicant(user, application):
        return False
    if application.organization_id is None:
        return True
    return Membership.objects.filter(
        organization_id=application.organization_id,
        user_id=application.applicant_id,
    ).exists()


def active_co_applicant(user: User, application: Application) -> CoApplicant | None:
    """``user``'s accepted place in ``application``, while it holds: a
    co-applicant who left their organization (the applying one, or their
    partner organization) loses it."""
    if not user.is_authenticated:
        return None
    place = (
        CoApplicant.objects.filter(
            application_id=application.pk,
            user_id=user.pk,
            accepted_at__isnull=False,
            revoked_at__isnull=True,
        )
        .only("role", "organization_id", "accepted_at", "revoked_at")
        .first()
    )
    if place is None:
        return None
    organization_id = place.organization_id or application.organization_id
    if (
        organization_id is not None
        and not Membership.objects.filter(
            organization_id=organization_id, user_id=user.pk
        ).exists()
    ):
        return None
    return place


def co_applicant_may(role: str) -> rules.Predicate:
    @rules.predicate(name=f"is_co_applicant_{role}")
    def predicate(user: User, application: Application | None) -> bool:
        if application is None:
            return False
        place = active_co_applicant(user, application)
        return place is not None and place.allows(role)

    return predicate  # type: ignore[no-any-return]


is_co_reader = co_applicant_may(CoApplicantRole.READ)
is_co_commenter = co_applicant_may(CoApplicantRole.COMMENT)
is_co_editor = co_applicant_may(CoApplicantRole.EDIT)


# The states in which reviewers may open an application.
REVIEW_STATES = frozenset(
    {ApplicationState.IN_REVIEW, ApplicationState.READY_FOR_DECISION}
)


def application_organization_ids(application: Application) -> set[int]:
    """The applying organization and the partner organizations in it."""
    ids = set(
        CoApplicant.objects.filter(
            application_id=application.pk,
            revoked_at__isnull=True,
            organization_id__isnull=False,
        ).values_list("organization_id", flat=True)
    )
    if application.organization_id is not None:
        ids.add(application.organization_id)
    return ids


def has_conflict(user: User, application: Application) -> bool:
    """Whether ``user`` is on the applying side: the applicant, a
    co-applicant, or a member of the applying or a partner organization."""
    if not user.is_authenticated:
        return True
    if application.applicant_id == user.pk:
        return True
    if CoApplicant.objects.filter(
        application_id=application.pk, user_id=user.pk, revoked_at__isnull=True
    ).exists():
        return True
    return Membership.objects.filter(
        user_id=user.pk, organization_id__in=application_organization_ids(application)
    ).exists()


def _own_reachable_review(user: User, review: Review | None) -> bool:
    """``review`` is ``user``'s, its application is in review, and ``user``
    has no conflict with it -- asked again on every access, since people
    join organizations after being assigned."""
    if review is None or not user.is_authenticated or review.reviewer_id != user.pk:
        return False
    application = review.application
    if application.state not in REVIEW_STATES:
        return False
    return not has_conflict(user, application)


@rules.predicate
def may_declare(user: User, review: Review | None) -> bool:
    return (
        review is not None
        and review.state == ReviewState.ASSIGNED
        and _own_reachable_review(user, review)
    )


@rules.predicate
def may_read_review(user: User, review: Review | None) -> bool:
    return (
        review is not None
        and review.state in (ReviewState.DRAFT, ReviewState.SUBMITTED)
        and _own_reachable_review(user, review)
    )


rules.add_perm("programmes.declare_review", may_declare)
rules.add_perm("programmes.read_review", may_read_review)
rules.add_perm("programmes.manage_reviews", is_staff)


rules.add_perm("programmes.view_call", is_public_call | is_staff)
rules.add_perm("programmes.add_call", is_staff)
rules.add_perm("programmes.change_call", is_staff)
rules.add_perm("programmes.change_form", is_staff)
rules.add_perm("programmes.apply", may_apply)
rules.add_perm("programmes.view_application", is_applicant | is_co_reader | is_staff)
rules.add_perm(
    "programmes.comment_application", is_applicant | is_co_commenter | is_staff
)
rules.add_perm("programmes.edit_application", is_current_applicant | is_co_editor)
rules.add_perm("programmes.manage_team", is_current_applicant)
rules.add_perm("programmes.withdraw_application", is_current_applicant)
rules.add_perm("programmes.manage_applications", is_staff)
