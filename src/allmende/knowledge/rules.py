"""Who may do what in the knowledge hub.

Views, templates and services ask ``user.has_perm("knowledge.<permission>")``;
the answers are decided here. Staff and the trusted editors (members of the
group :data:`~allmende.knowledge.models.EDITOR_GROUP`) write tool entries;
everyone reads them.
"""

from __future__ import annotations

from typing import Any

import rules

from allmende.knowledge.models import EDITOR_GROUP


@rules.predicate
def is_staff(user: Any) -> bool:
    return bool(user.is_authenticated and getattr(user, "is_staff", False))


def _knowledge_groups(user: Any) -> frozenset[str]:
    """Which of the knowledge hub's groups ``user`` is in.

    Asked on every page (the navigation's modules, the dashboard); one query
    per request for both groups.
    """
    from allmende.knowledge.models.handbook import REVIEWER_GROUP

    cached = getattr(user, "_knowledge_groups", None)
    if cached is None:
        cached = frozenset(
            user.groups.filter(name__in=[EDITOR_GROUP, REVIEWER_GROUP]).values_list(
                "name", flat=True
            )
        )
        user._knowledge_groups = cached
    return frozenset(cached)


@rules.predicate
def is_editor(user: Any) -> bool:
    return bool(user.is_authenticated and EDITOR_GROUP in _knowledge_groups(user))


rules.add_perm("knowledge.add_tool", is_staff | is_editor)
rules.add_perm("knowledge.change_tool", is_staff | is_editor)
rules.add_perm("knowledge.check_tool", is_staff | is_editor)
rules.add_perm("knowledge.view_maintenance", is_staff | is_editor)


# Experience reports: what a person may do follows from their roles towards
# the report's organization and the report's transition table.


def organization_roles(user: Any, organization: Any) -> set[str]:
    """The roles of ``user`` towards ``organization`` in the knowledge hub's
    workflows: ``member``, ``org_admin`` (who is also a member), ``staff``."""
    from allmende.knowledge.models.reports import MEMBER, ORG_ADMIN, STAFF
    from allmende.organizations.models import Membership

    roles: set[str] = set()
    if not user.is_authenticated:
        return roles
    if user.is_staff:
        roles.add(STAFF)
    if organization is not None:
        role = (
            Membership.objects.filter(organization=organization, user=user)
            .values_list("role", flat=True)
            .first()
        )
        if role is not None:
            roles.add(MEMBER)
        if role == Membership.Role.ADMIN:
            roles.add(ORG_ADMIN)
    return roles


@rules.predicate
def is_org_member(user: Any, organization: Any) -> bool:
    from allmende.knowledge.models.reports import MEMBER

    return MEMBER in organization_roles(user, organization)


@rules.predicate
def is_org_admin(user: Any, organization: Any) -> bool:
    from allmende.knowledge.models.reports import ORG_ADMIN

    return ORG_ADMIN in organization_roles(user, organization)


@rules.predicate
def may_change_report(user: Any, report: Any) -> bool:
    from allmende.knowledge.models.reports import MEMBER

    return bool(
        report is not None
        and report.is_editable
        and MEMBER in organization_roles(user, report.organization)
    )


@rules.predicate
def may_read_unpublished_report(user: Any, report: Any) -> bool:
    if report is None:
        return False
    return bool(organization_roles(user, report.organization) or is_staff(user))


# With an organization as object.
rules.add_perm("knowledge.add_report", is_org_member)
rules.add_perm("knowledge.mark_tool_use", is_org_admin | is_staff)
# With a report as object.
rules.add_perm("knowledge.change_report", may_change_report)
rules.add_perm("knowledge.view_report", may_read_unpublished_report)
rules.add_perm("knowledge.vote_report", rules.is_authenticated)


# The handbook: editors (the editor group) write pages, reviewers (the
# reviewer group) approve them; staff do both.


@rules.predicate
def is_reviewer(user: Any) -> bool:
    from allmende.knowledge.models.handbook import REVIEWER_GROUP

    return bool(user.is_authenticated and REVIEWER_GROUP in _knowledge_groups(user))


def page_roles(user: Any) -> set[str]:
    """The roles of ``user`` in the handbook's workflow."""
    from allmende.knowledge.models.handbook import EDITOR, REVIEWER

    roles: set[str] = set()
    if is_staff(user) or is_editor(user):
        roles.add(EDITOR)
    if is_staff(user) or is_reviewer(user):
        roles.add(REVIEWER)
    return roles


rules.add_perm("knowledge.edit_guide", is_staff | is_editor)
rules.add_perm("knowledge.review_guide", is_staff | is_reviewer)
