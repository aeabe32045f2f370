"""Demo projects: the accepted application of the closed demo call becomes a
running project (mentors, consultations, milestones reached, due and overdue),
and a project of an earlier call is completed with a result dataset in the
catalog and a link to its code."""

from __future__ import annotations

import random
from datetime import timedelta
from decimal import Decimal
from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.utils import timezone

from allmende.accounts.models import User
from allmende.organizations.models import Membership
from allmende.programmes import services
from allmende.programmes import services_projects as project_services
from allmende.programmes.models import Application, Call, Project
from allmende.programmes.models.applications import ApplicationState as A
from allmende.programmes.services import CallData
from allmende.programmes.services_projects import (
    DatasetResultData,
    MilestoneData,
    ProjectData,
)

RESULT_CSV = """Messstation;Datum;PM10 (µg/m³);PM2,5 (µg/m³)
Connewitz;2025-03-01;21,4;14,2
Connewitz;2025-03-02;18,9;12,7
Lindenau;2025-03-01;25,1;16,8
Lindenau;2025-03-02;23,0;15,1
Gohlis;2025-03-01;17,2;11,9
Gohlis;2025-03-02;16,4;10,8
"""


def _milestone(title_de: str, title_en: str, days: int) -> MilestoneData:
    return MilestoneData(
        title_de=title_de,
        title_en=title_en,
        description_de="",
        description_en="",
        due_on=timezone.localdate() + timedelta(days=days),
    )


def _mentor(project: Project, admin: User, area: str) -> User:
    """The best-matching suggested person other than the admin (the admin
    when nobody else is suggested) accepts to mentor ``project``."""
    candidates = project_services.mentor_candidates(project)
    others = [person for person in candidates if person.pk != admin.pk]
    mentor = others[0] if others else admin
    mentorship = project_services.mentorship_propose(
        actor=admin, project=project, mentor=mentor, area=area
    )
    project_services.mentorship_answer(actor=mentor, mentorship=mentorship, accept=True)
    return mentor


def _running_project(admin: User, application: Application) -> Project:
    project = project_services.project_create(
        actor=admin,
        application=application,
        data=ProjectData(
            title_de="Offene Radwegedaten",
            title_en="Open cycle path data",
            description_de="Freiwillige erfassen Radwege und ihren Zustand; die "
            "Daten erscheinen als offene Daten im Katalog.",
            description_en="Volunteers map cycle paths and their condition; the "
            "data are published as open data in the catalog.",
        ),
        today=timezone.localdate() - timedelta(days=60),
    )
    mentor = _mentor(project, admin, "technical")
    team = application.applicant
    reached = project_services.milestone_add(
        actor=admin,
        project=project,
        data=_milestone("Erfassungs-App steht", "Mapping app ready", -20),
    )
    project_services.milestone_report(
        actor=team,
        milestone=reached,
        text="Die App läuft; zwölf Freiwillige haben sie getestet.",
    )
    project_services.milestone_review(
        actor=mentor, milestone=reached, accept=True, today=reached.due_on
    )
    project_services.milestone_add(
        actor=admin,
        project=project,
        data=_milestone("Erste 100 km erfasst", "First 100 km mapped", -3),
    )
    project_services.milestone_add(
        actor=admin,
        project=project,
        data=_milestone("Daten veröffentlicht", "Data published", 5),
    )
    project_services.consultation_record(
        actor=mentor,
        project=project,
        area="legal",
        held_on=timezone.localdate() - timedelta(days=30),
        notes="Frage: Dürfen Fotos mit Personen veröffentlicht werden? Rat: nur "
        "verpixelt oder mit Einwilligung; Vorlage geschickt.",
    )
    project_services.consultation_record(
        actor=admin,
        project=project,
        area="organisational",
        held_on=timezone.localdate() - timedelta(days=10),
        notes="Zeitplan für die Erfassung mit den Freiwilligen abgestimmt.",
    )
    return project


def _earlier_call(admin: User, membership: Membership) -> Application:
    now = timezone.now()
    call = services.call_create(
        actor=admin,
        data=CallData(
            title_de="Datenlabor 2025",
            title_en="Data lab 2025",
            description_de="Die erste Runde des Datenlabors.",
            description_en="The first round of the data lab.",
            eligibility="any",
            legal_forms=[],
            partners_allowed=False,
            regions=[],
            individuals_allowed=False,
            opens_at=now - timedelta(days=1),
            closes_at=now + timedelta(days=1),
            budget=Decimal("60000"),
            expected_projects=3,
            contact_name="Team Datenlabor",
            contact_email="datenlabor@example.org",
        ),
    )
    services.form_field_add(
        actor=admin,
        call=call,
        data=services.FieldData(
            kind="short_text",
            label_de="Titel des Projekts",
            label_en="Project title",
            help_de="",
            help_en="",
            required=True,
            max_chars=120,
            max_words=None,
            choices=[],
            allowed_types=[],
            max_bytes=None,
            columns=[],
        ),
    )
    services.call_transition(actor=admin, call=call, target="published")
    application = services.application_start(
        actor=membership.user, call=call, organization=membership.organization
    )
    application.answers = {"project_title": "Feinstaub in Leipzig"}
    application.save(update_fields=["answers"])
    services.application_submit(actor=membership.user, application=application)
    for target in (A.SCREENING, A.IN_REVIEW, A.READY_FOR_DECISION, A.ACCEPTED):
        services.application_transition(
            actor=admin,
            application=application,
            target=target,
            message="Herzlichen Glückwunsch!" if target == A.ACCEPTED else "",
        )
    # Moved into the past once its application is in, as the other demo call.
    closes_at = now - timedelta(days=400)
    Call.objects.filter(pk=call.pk).update(
        opens_at=closes_at - timedelta(days=40), closes_at=closes_at
    )
    Application.objects.filter(pk=application.pk).update(
        submitted_at=closes_at - timedelta(days=5),
        decided_at=closes_at + timedelta(days=20),
    )
    services.calls_close_due()
    application.refresh_from_db()
    return application


def _completed_project(admin: User, application: Application) -> Project:
    project = project_services.project_create(
        actor=admin,
        application=application,
        data=ProjectData(
            title_de="Feinstaub in Leipzig",
            title_en="Particulate matter in Leipzig",
            description_de="Ein Verein hat mit selbst gebauten Sensoren ein Jahr "
            "lang Feinstaub gemessen und die Messwerte veröffentlicht.",
            description_en="An association measured particulate matter for a "
            "year with home-built sensors and published the readings.",
        ),
        today=timezone.localdate() - timedelta(days=360),
    )
    mentor = _mentor(project, admin, "technical")
    team = application.applicant
    for title_de, title_en, days in (
        ("Sensoren aufgebaut", "Sensors installed", -300),
        ("Ein Jahr gemessen", "A year of readings", -30),
    ):
        milestone = project_services.milestone_add(
            actor=admin, project=project, data=_milestone(title_de, title_en, days)
        )
        project_services.milestone_report(
            actor=team, milestone=milestone, text="Erledigt, siehe Fotos im Wiki."
        )
        project_services.milestone_review(
            actor=mentor, milestone=milestone, accept=True, today=milestone.due_on
        )
    project_services.result_publish_dataset(
        actor=team,
        project=project,
        data=DatasetResultData(
            title_de="Feinstaubmessungen Leipzig 2025",
            title_en="Particulate matter readings Leipzig 2025",
            description_de="Tageswerte von PM10 und PM2,5 an drei Messstationen.",
            description_en="Daily PM10 and PM2.5 values at three stations.",
            licence="http://dcat-ap.de/def/licenses/cc-by/4.0",
            keywords=["Feinstaub", "Luftqualität", "Leipzig"],
        ),
        upload=SimpleUploadedFile(
            "feinstaub-leipzig-2025.csv", RESULT_CSV.encode(), "text/csv"
        ),
    )
    project_services.result_add_link(
        actor=team,
        project=project,
        kind="code",
        title="Firmware der Sensoren",
        url="https://git.example.org/feinstaub/firmware",
    )
    project_services.result_add_link(
        actor=team,
        project=project,
        kind="experience",
        title="Was wir beim Messen gelernt haben",
        url="https://example.org/erfahrungsbericht-feinstaub",
    )
    project_services.project_transition(
        actor=admin, project=project, target="completed"
    )
    return project


def load_demo(*, rng: random.Random, stdout: Any) -> None:
    if Project.objects.exists():
        stdout.write("Projects already present; left as they are.")
        return
    admin = User.objects.filter(is_superuser=True).order_by("pk").first()
    accepted = (
        Application.objects.filter(state=A.ACCEPTED, project__isnull=True)
        .select_related("applicant", "organization")
        .order_by("pk")
        .first()
    )
    if admin is None or accepted is None:
        return
    # The result dataset goes into the catalog; its own demo data come first,
    # since it loads only into an empty catalog.
    from allmende.catalog.demo import load_demo as load_catalog_demo

    load_catalog_demo(rng=rng, stdout=stdout)
    memberships = Membership.objects.select_related("user", "organization")
    if accepted.organization_id is not None:
        memberships = memberships.exclude(organization_id=accepted.organization_id)
    membership = memberships.order_by("pk").first()
    with transaction.atomic():
        count = 1
        _running_project(admin, accepted)
        if membership is not None:
            _completed_project(admin, _earlier_call(admin, membership))
            count += 1
    stdout.write(f"Demo projects loaded: {count}.")
