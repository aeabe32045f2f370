"""Accepted applications and projects for the project tests."""

from __future__ import annotations

from datetime import date, timedelta

from django.utils import timezone

from allmende.accounts.models import User
from allmende.organizations.models import Organization
from allmende.programmes import services
from allmende.programmes import services_projects as project_services
from allmende.programmes.models import Application, Call, Milestone, Project
from allmende.programmes.services_projects import MilestoneData, ProjectData
from tests.accounts.factories import StaffFactory
from tests.organizations.factories import MembershipFactory, OrganizationFactory
from tests.programmes.conftest import GOOD_ANSWERS
from tests.programmes.factories import CallFactory, full_form


def accepted_application(
    *,
    staff: User,
    call: Call | None = None,
    member: User | None = None,
    organization: Organization | None = None,
) -> Application:
    if call is None:
        call = CallFactory()
        full_form(call)
    if organization is None:
        organization = OrganizationFactory()
    if member is None:
        member = MembershipFactory(organization=organization).user
    application = services.application_start(
        actor=member, call=call, organization=organization
    )
    application.answers = dict(GOOD_ANSWERS)
    application.save(update_fields=["answers"])
    services.application_submit(actor=member, application=application)
    for target in ("screening", "in_review", "ready_for_decision", "accepted"):
        services.application_transition(
            actor=staff, application=application, target=target
        )
    application.refresh_from_db()
    return application


def project_data(title: str = "Luftdaten für alle") -> ProjectData:
    return ProjectData(
        title_de=title,
        title_en=title,
        description_de="Wir messen Feinstaub.",
        description_en="We measure particulate matter.",
    )


def make_project(*, staff: User | None = None, **kwargs: object) -> Project:
    staff = staff or StaffFactory()
    application = accepted_application(staff=staff, **kwargs)  # type: ignore[arg-type]
    return project_services.project_create(
        actor=staff, application=application, data=project_data()
    )


def milestone_data(
    due_on: date | None = None, title: str = "Messnetz"
) -> MilestoneData:
    return MilestoneData(
        title_de=title,
        title_en=title,
        description_de="Zehn Sensoren hängen.",
        description_en="",
        due_on=due_on or timezone.localdate() + timedelta(days=30),
    )


def add_milestone(project: Project, staff: User, **kwargs: object) -> Milestone:
    return project_services.milestone_add(
        actor=staff,
        project=project,
        data=milestone_data(**kwargs),  # type: ignore[arg-type]
    )
