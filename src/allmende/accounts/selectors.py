"""Reads of people: whose profile a viewer may see."""

from __future__ import annotations

from django.contrib.auth.models import AnonymousUser
from django.db.models import Prefetch, Q, QuerySet

from allmende.accounts.models import Skill, User
from allmende.core.models import FocusArea
from allmende.core.search import search_queryset


def _visible_levels(viewer: User | AnonymousUser) -> list[str]:
    visible: list[str] = [User.Visibility.PUBLIC]
    if viewer.is_authenticated:
        visible.append(User.Visibility.REGISTERED)
    return visible


def visible_people_filter(viewer: User | AnonymousUser, *, prefix: str = "") -> Q:
    """The condition a user row must meet for ``viewer`` to see the profile."""
    visible = _visible_levels(viewer)
    condition = Q(**{f"{prefix}profile_visibility__in": visible}) & Q(
        **{f"{prefix}is_active": True}
    )
    if viewer.is_authenticated:
        condition |= Q(**{f"{prefix}pk": viewer.pk})
    return condition


def person_shown(person: User | None, viewer: User | AnonymousUser) -> bool:
    """Whether ``viewer`` may see who ``person`` is (a name in a change
    history, on a version): the same rule as for the profile itself."""
    if person is None:
        return False
    if viewer.is_authenticated and viewer.pk == person.pk:
        return True
    return person.is_active and person.profile_visibility in _visible_levels(viewer)


def person_list(
    *,
    viewer: User | AnonymousUser,
    q: str = "",
    skill: str = "",
    interest: str = "",
) -> QuerySet[User]:
    people = User.objects.filter(visible_people_filter(viewer)).prefetch_related(
        Prefetch("skills", queryset=Skill.objects.order_by("name_de")),
        Prefetch("interests", queryset=FocusArea.objects.order_by("name_de")),
    )
    if skill:
        people = people.filter(skills__slug=skill)
    if interest:
        people = people.filter(interests__slug=interest)
    if q:
        return search_queryset(people, q)
    return people.order_by("display_name", "username")


def person_detail(*, viewer: User | AnonymousUser, username: str) -> User | None:
    return (
        User.objects.filter(visible_people_filter(viewer), username=username)
        .prefetch_related("skills", "interests", "memberships__organization")
        .first()
    )
