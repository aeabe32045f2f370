"""Who may do what with projects.

The team is the person who applied and the members of the project's
organization; mentors are people with an accepted mentorship; staff run the
programme. A project page is public; its accompaniment (consultations,
milestone reports and their files) is for the team, mentors and staff.
"""

from __future__ import annotations

import rules

from allmende.organizations.models import Membership
from allmende.programmes.models import Mentorship, MentorshipState, Project
from allmende.programmes.rules import User, is_staff


def team_of(user: User, project: Project) -> bool:
    if not user.is_authenticated:
        return False
    if project.application.applicant_id == user.pk:
        return True
    return project.organization_id is not None and (
        Membership.objects.filter(
            organization_id=project.organization_id, user_id=user.pk
        ).exists()
    )


def mentor_of(user: User, project: Project) -> bool:
    return bool(
        user.is_authenticated
        and Mentorship.objects.filter(
            project=project, mentor_id=user.pk, state=MentorshipState.ACCEPTED
        ).exists()
    )


@rules.predicate
def is_team(user: User, project: Project | None) -> bool:
    return project is not None and team_of(user, project)


@rules.predicate
def is_mentor(user: User, project: Project | None) -> bool:
    return project is not None and mentor_of(user, project)


@rules.predicate
def is_proposed_mentor(user: User, mentorship: Mentorship | None) -> bool:
    return (
        mentorship is not None
        and user.is_authenticated
        and mentorship.mentor_id == user.pk
    )


rules.add_perm("programmes.add_project", is_staff)
rules.add_perm("programmes.manage_project", is_staff)
rules.add_perm("programmes.change_project", is_team | is_staff)
rules.add_perm("programmes.follow_project", is_team | is_mentor | is_staff)
rules.add_perm("programmes.report_milestone", is_team)
rules.add_perm("programmes.review_milestone", is_mentor | is_staff)
rules.add_perm("programmes.plan_milestones", is_mentor | is_staff)
rules.add_perm("programmes.log_consultation", is_mentor | is_staff)
rules.add_perm("programmes.publish_result", is_team | is_staff)
rules.add_perm("programmes.answer_mentorship", is_proposed_mentor)
rules.add_perm("programmes.export", is_staff)
