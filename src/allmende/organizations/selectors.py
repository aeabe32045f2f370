"""Reads of organizations: what a viewer may see, filtered and searched."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any, cast

from django.contrib.auth.models import AnonymousUser
from django.core.cache import cache
from django.db.models import Count, Prefetch, Q, QuerySet

from allmende.accounts.models import User
from allmende.core.models import FocusArea
from allmende.core.search import search_queryset
from allmende.organizations.models import (
    Invitation,
    JoinRequest,
    JoinRequestState,
    Membership,
    Organization,
    VerificationRequest,
    VerificationState,
)


@dataclass(frozen=True)
class DirectoryFilters:
    q: str = ""
    focus_area: str = ""
    legal_form: str = ""
    region: str = ""
    verified: bool = False


def organization_list(*, filters: DirectoryFilters) -> QuerySet[Organization]:
    """Organizations for the public directory. All profiles are public."""
    queryset = Organization.objects.prefetch_related(
        Prefetch("focus_areas", queryset=FocusArea.objects.order_by("name_de"))
    )
    if filters.focus_area:
        queryset = queryset.filter(focus_areas__slug=filters.focus_area)
    if filters.legal_form:
        queryset = queryset.filter(legal_form=filters.legal_form)
    if filters.region:
        queryset = queryset.filter(region=filters.region)
    if filters.verified:
        queryset = queryset.filter(is_verified=True)
    if filters.q:
        return search_queryset(queryset, filters.q)
    return queryset.order_by("name")


def organization_map_points(*, filters: DirectoryFilters) -> list[dict[str, Any]]:
    """The located organizations of a directory query, as GeoJSON features."""
    rows = (
        organization_list(filters=filters)
        .filter(latitude__isnull=False, longitude__isnull=False)
        .values("name", "slug", "city", "latitude", "longitude", "is_verified")
    )
    return [
        {
            "type": "Feature",
            "geometry": {
                "type": "Point",
                "coordinates": [
                    float(cast(Decimal, row["longitude"])),
                    float(cast(Decimal, row["latitude"])),
                ],
            },
            "properties": {
                "name": row["name"],
                "city": row["city"],
                "url": f"/organizations/{row['slug']}/",
                "verified": row["is_verified"],
            },
        }
        for row in rows
    ]


def organization_members(
    *, organization: Organization, viewer: User | AnonymousUser
) -> list[Membership]:
    """Members shown on a profile.

    Members and staff see everyone; others see the members whose profile is
    visible to them (public, or for registered users when logged in).
    """
    from allmende.accounts.selectors import visible_people_filter

    memberships = Membership.objects.filter(organization=organization).select_related(
        "user"
    )
    if not viewer.has_perm("organizations.view_member_details", organization):
        memberships = memberships.filter(visible_people_filter(viewer, prefix="user__"))
    return list(memberships.order_by("role", "user__display_name", "user__username"))


def organization_open_invitations(
    *, organization: Organization
) -> QuerySet[Invitation]:
    from django.utils import timezone

    return Invitation.objects.filter(
        organization=organization,
        accepted_at__isnull=True,
        revoked_at__isnull=True,
        expires_at__gt=timezone.now(),
    ).select_related("invited_by")


def organizations_of(user: User | AnonymousUser) -> QuerySet[Organization]:
    if not user.is_authenticated:
        return Organization.objects.none()
    return Organization.objects.filter(memberships__user=user).order_by("name")


def memberships_of(user: User | AnonymousUser) -> list[Membership]:
    """The person's memberships with their organizations, by organization name."""
    if not user.is_authenticated:
        return []
    return list(
        Membership.objects.filter(user=user)
        .select_related("organization")
        .order_by("organization__name")
    )


# How long the start page's figures may lag behind: counting every
# organization and focus area on each visit costs more than the page itself.
HIGHLIGHT_FIGURES_SECONDS = 300


def _highlight_figures() -> dict[str, Any]:
    return {
        "organization_count": Organization.objects.count(),
        "focus_areas": list(
            FocusArea.objects.annotate(count=Count("organizations")).order_by(
                "-count", "name_de"
            )[:8]
        ),
    }


def verification_queue() -> QuerySet[VerificationRequest]:
    """Open verification requests for staff, the longest waiting first."""
    return (
        VerificationRequest.objects.filter(state=VerificationState.OPEN)
        .select_related("organization", "requested_by")
        .order_by("requested_at", "id")
    )


def verification_latest(*, organization: Organization) -> VerificationRequest | None:
    """The organization's most recent verification request, if it made one."""
    return (
        VerificationRequest.objects.filter(organization=organization)
        .order_by("-requested_at", "-id")
        .first()
    )


def organization_highlights(*, limit: int = 6) -> dict[str, Any]:
    """Figures, the newest organizations and the most common focus areas, for
    the start page."""
    figures: dict[str, Any] = (
        cache.get_or_set(
            "organizations:highlight-figures",
            _highlight_figures,
            HIGHLIGHT_FIGURES_SECONDS,
        )
        or _highlight_figures()
    )
    return {
        **figures,
        # The highest keys are the newest rows; unlike created_at, the key
        # is indexed.
        "newest_organizations": list(Organization.objects.order_by("-pk")[:limit]),
    }


def join_requests_open(*, organization: Organization) -> QuerySet[JoinRequest]:
    """The requests to join that wait for the administrators, oldest first."""
    return (
        JoinRequest.objects.filter(
            organization=organization, state=JoinRequestState.OPEN
        )
        .select_related("user")
        .order_by("requested_at", "id")
    )


def join_request_of(
    *, organization: Organization, viewer: User | AnonymousUser
) -> JoinRequest | None:
    """The viewer's own request to join that is still waiting, if any."""
    if not viewer.is_authenticated:
        return None
    return JoinRequest.objects.filter(
        organization=organization, user=viewer, state=JoinRequestState.OPEN
    ).first()


def join_request_counts(*, admin: User | AnonymousUser) -> list[Organization]:
    """The organizations ``admin`` administers that people want to join, each
    with ``waiting``: how many requests wait for an answer."""
    if not admin.is_authenticated:
        return []
    return list(
        Organization.objects.filter(
            memberships__user=admin, memberships__role=Membership.Role.ADMIN
        )
        .annotate(
            waiting=Count(
                "join_requests",
                filter=Q(join_requests__state=JoinRequestState.OPEN),
            )
        )
        .filter(waiting__gt=0)
        .order_by("name")
    )
