"""Accompanied projects: mentors, consultations, milestones, results."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import IntegrityError, connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from allmende.accounts.models import User
from allmende.catalog.models import Dataset
from allmende.core.models import AuditLogEntry
from allmende.notifications.models import Notification
from allmende.programmes import services_projects as services
from allmende.programmes.models import (
    Mentorship,
    Milestone,
    Project,
    ProjectResult,
)
from allmende.programmes.services_projects import DatasetResultData
from tests.accounts.factories import StaffFactory, UserFactory
from tests.conftest import client_for
from tests.organizations.factories import FocusAreaFactory, MembershipFactory
from tests.programmes.projects_helpers import (
    accepted_application,
    add_milestone,
    make_project,
    project_data,
)

pytestmark = pytest.mark.django_db

CSV = (
    Path(__file__).resolve().parents[1]
    / "catalog"
    / "testdata"
    / "semicolon_decimal_comma.csv"
)
CC_BY = "http://dcat-ap.de/def/licenses/cc-by/4.0"
CLOSED = "http://dcat-ap.de/def/licenses/other-closed"


def _team_member(project: Project) -> User:
    return project.application.applicant


def _mentor(project: Project, staff: User) -> User:
    mentor = UserFactory()
    mentorship = services.mentorship_propose(
        actor=staff, project=project, mentor=mentor, area="technical"
    )
    services.mentorship_answer(actor=mentor, mentorship=mentorship, accept=True)
    return mentor


def _dataset_data(licence: str = CC_BY) -> DatasetResultData:
    return DatasetResultData(
        title_de="Feinstaub Leipzig 2027",
        title_en="Particulate matter Leipzig 2027",
        description_de="Messwerte",
        description_en="Readings",
        licence=licence,
        keywords=["Luft"],
    )


# Projects


def test_an_accepted_application_becomes_a_project_once(
    staff: User, django_capture_on_commit_callbacks: Any
) -> None:
    application = accepted_application(staff=staff)
    with django_capture_on_commit_callbacks(execute=True):
        project = services.project_create(
            actor=staff, application=application, data=project_data()
        )
    assert project.organization_id == application.organization_id
    assert project.state == "active"
    assert project.started_on == timezone.localdate()
    assert Notification.objects.filter(
        recipient=application.applicant, type="programmes.project_started"
    ).exists()
    assert AuditLogEntry.objects.filter(action="project.created").count() == 1
    with pytest.raises(ValidationError, match="already a project"):
        services.project_create(
            actor=staff, application=application, data=project_data()
        )


def test_the_database_refuses_a_second_project_for_one_application(
    staff: User,
) -> None:
    project = make_project(staff=staff)
    with pytest.raises(IntegrityError), transaction.atomic():
        Project.objects.create(
            application=project.application,
            call=project.call,
            slug="zweites",
            title_de="Zweites",
            started_on=timezone.localdate(),
        )


def test_only_an_accepted_application_becomes_a_project(staff: User) -> None:
    application = accepted_application(staff=staff)
    application.state = "rejected"
    application.save(update_fields=["state"])
    with pytest.raises(ValidationError, match="Only an accepted"):
        services.project_create(
            actor=staff, application=application, data=project_data()
        )


def test_project_states_follow_the_transition_table(staff: User) -> None:
    project = make_project(staff=staff)
    services.project_transition(actor=staff, project=project, target="completed")
    project.refresh_from_db()
    assert project.ended_on == timezone.localdate()
    with pytest.raises(ValidationError):
        services.project_transition(actor=staff, project=project, target="discontinued")
    services.project_transition(actor=staff, project=project, target="active")
    project.refresh_from_db()
    assert project.state == "active"
    assert project.ended_on is None


# Mentors and consultations


def test_mentor_candidates_match_interests_and_leave_out_the_team(
    staff: User,
) -> None:
    project = make_project(staff=staff)
    area = FocusAreaFactory()
    assert project.organization is not None
    project.organization.focus_areas.add(area)
    matching = UserFactory()
    matching.interests.add(area)
    stranger = UserFactory()
    team = _team_member(project)
    team.interests.add(area)
    candidates = services.mentor_candidates(project)
    assert candidates[0] == matching
    assert staff in candidates
    assert stranger not in candidates
    assert team not in candidates


def test_a_mentor_accepts_and_the_team_is_told(
    staff: User, django_capture_on_commit_callbacks: Any
) -> None:
    project = make_project(staff=staff)
    mentor = UserFactory()
    with django_capture_on_commit_callbacks(execute=True):
        mentorship = services.mentorship_propose(
            actor=staff, project=project, mentor=mentor, area="legal"
        )
    assert Notification.objects.filter(
        recipient=mentor, type="programmes.mentorship_proposed"
    ).exists()
    assert not mentor.has_perm("programmes.follow_project", project)
    with django_capture_on_commit_callbacks(execute=True):
        services.mentorship_answer(actor=mentor, mentorship=mentorship, accept=True)
    assert mentor.has_perm("programmes.follow_project", project)
    assert Notification.objects.filter(
        recipient=_team_member(project), type="programmes.mentor_joined"
    ).exists()
    with pytest.raises(ValidationError, match="already been answered"):
        services.mentorship_answer(actor=mentor, mentorship=mentorship, accept=False)


def test_the_team_cannot_mentor_itself_nor_be_asked_twice(staff: User) -> None:
    project = make_project(staff=staff)
    with pytest.raises(ValidationError, match="team"):
        services.mentorship_propose(
            actor=staff, project=project, mentor=_team_member(project), area="legal"
        )
    mentor = UserFactory()
    services.mentorship_propose(
        actor=staff, project=project, mentor=mentor, area="legal"
    )
    with pytest.raises(ValidationError, match="already asked"):
        services.mentorship_propose(
            actor=staff, project=project, mentor=mentor, area="technical"
        )
    with pytest.raises(IntegrityError), transaction.atomic():
        Mentorship.objects.create(project=project, mentor=mentor, area="technical")


def test_consultations_are_logged_by_mentors_and_hidden_from_the_public(
    staff: User,
) -> None:
    project = make_project(staff=staff)
    mentor = _mentor(project, staff)
    services.consultation_record(
        actor=mentor,
        project=project,
        area="legal",
        held_on=timezone.localdate(),
        notes="Frage zur DSGVO <script>alert(1)</script>",
    )
    page = client_for(_team_member(project)).get(project.get_absolute_url())
    html = page.content.decode()
    assert "Frage zur DSGVO" in html
    assert "<script>alert(1)</script>" not in html
    public = client_for(None).get(project.get_absolute_url()).content.decode()
    assert "Frage zur DSGVO" not in public
    outsider = client_for(UserFactory()).get(project.get_absolute_url())
    assert "Frage zur DSGVO" not in outsider.content.decode()


# Milestones


def test_a_milestone_is_reported_with_files_and_reviewed(
    staff: User, django_capture_on_commit_callbacks: Any
) -> None:
    project = make_project(staff=staff)
    mentor = _mentor(project, staff)
    milestone = add_milestone(project, mentor)
    team = _team_member(project)
    pdf = SimpleUploadedFile("bericht.pdf", b"%PDF-1.4\n%%EOF\n")
    with django_capture_on_commit_callbacks(execute=True):
        report = services.milestone_report(
            actor=team, milestone=milestone, text="Zehn Sensoren", uploads=[pdf]
        )
    assert report.files.get().original_name == "bericht.pdf"
    assert Notification.objects.filter(
        recipient=mentor, type="programmes.milestone_reported"
    ).exists()
    with pytest.raises(ValidationError, match="what is missing"):
        services.milestone_review(actor=mentor, milestone=milestone, accept=False)
    services.milestone_review(
        actor=mentor, milestone=milestone, accept=False, feedback="Fotos fehlen"
    )
    milestone.refresh_from_db()
    assert milestone.state == "open"
    assert milestone.feedback == "Fotos fehlen"
    services.milestone_report(actor=team, milestone=milestone, text="Mit Fotos")
    services.milestone_review(actor=mentor, milestone=milestone, accept=True)
    milestone.refresh_from_db()
    assert milestone.state == "reached"
    assert milestone.reached_on == timezone.localdate()
    with pytest.raises(ValidationError, match="no report waiting"):
        services.milestone_review(actor=mentor, milestone=milestone, accept=True)
    with pytest.raises(ValidationError, match="takes no report"):
        services.milestone_report(actor=team, milestone=milestone, text="Noch mal")


def test_a_report_file_of_a_wrong_type_or_too_large_is_refused(
    staff: User, settings: Any
) -> None:
    project = make_project(staff=staff)
    milestone = add_milestone(project, staff)
    team = _team_member(project)
    fake = SimpleUploadedFile("bericht.pdf", b"MZ\x90\x00 not a pdf at all")
    with pytest.raises(ValidationError) as caught:
        services.milestone_report(
            actor=team, milestone=milestone, text="x", uploads=[fake]
        )
    assert "bericht.pdf" in caught.value.message_dict["attachments"][0]
    large = SimpleUploadedFile("gross.pdf", b"%PDF-1.4\n")
    large.size = services.MAX_REPORT_FILE_BYTES + 1
    with pytest.raises(ValidationError, match="too large"):
        services.milestone_report(
            actor=team, milestone=milestone, text="x", uploads=[large]
        )
    milestone.refresh_from_db()
    assert milestone.state == "open"
    assert not milestone.reports.exists()


def test_due_and_overdue_milestones_remind_once(
    staff: User, django_capture_on_commit_callbacks: Any
) -> None:
    project = make_project(staff=staff)
    mentor = _mentor(project, staff)
    today = timezone.localdate()
    due = add_milestone(project, staff, due_on=today + timedelta(days=3))
    late = add_milestone(project, staff, due_on=today - timedelta(days=1))
    add_milestone(project, staff, due_on=today + timedelta(days=30))
    with django_capture_on_commit_callbacks(execute=True):
        assert services.milestones_remind(today=today) == (1, 1)
    with django_capture_on_commit_callbacks(execute=True):
        assert services.milestones_remind(today=today) == (0, 0)
    team = _team_member(project)
    assert (
        Notification.objects.filter(
            recipient=team, type="programmes.milestone_due", object_id=due.pk
        ).count()
        == 1
    )
    assert (
        Notification.objects.filter(
            recipient=mentor, type="programmes.milestone_overdue", object_id=late.pk
        ).count()
        == 1
    )
    # A new due date reminds again.
    Milestone.objects.filter(pk=late.pk).update(due_on=today - timedelta(days=2))
    with django_capture_on_commit_callbacks(execute=True):
        assert services.milestones_remind(today=today) == (0, 1)


def test_overdue_milestones_show_in_the_staff_queue(staff: User) -> None:
    project = make_project(staff=staff)
    add_milestone(
        project, staff, due_on=timezone.localdate() - timedelta(days=2), title="Spät"
    )
    html = client_for(staff).get("/dashboard/").content.decode()
    assert "Spät" in html


# Results


def test_a_result_dataset_is_published_in_the_catalog_and_linked_both_ways(
    staff: User, client: Any
) -> None:
    project = make_project(staff=staff)
    team = _team_member(project)
    upload = SimpleUploadedFile("daten.csv", CSV.read_bytes())
    result = services.result_publish_dataset(
        actor=team, project=project, data=_dataset_data(), upload=upload
    )
    dataset = Dataset.objects.get(pk=result.dataset_id)
    assert dataset.status == "published"
    assert dataset.organization_id == project.organization_id
    assert dataset.licence == CC_BY
    assert dataset.resources.count() == 1
    page = client.get(project.get_absolute_url()).content.decode()
    assert dataset.get_absolute_url() in page
    dataset_page = client.get(dataset.get_absolute_url()).content.decode()
    assert project.get_absolute_url() in dataset_page
    turtle = client.get("/catalog.ttl").content.decode()
    assert "dct:relation" in turtle
    assert project.get_absolute_url() in turtle
    single = client.get(dataset.get_absolute_url(), HTTP_ACCEPT="text/turtle")
    assert project.get_absolute_url() in single.content.decode()


def test_a_closed_licence_is_refused_for_project_results(staff: User) -> None:
    project = make_project(staff=staff)
    with pytest.raises(ValidationError, match="open licence"):
        services.result_publish_dataset(
            actor=_team_member(project), project=project, data=_dataset_data(CLOSED)
        )
    assert not Dataset.objects.exists()


def test_links_to_other_results_are_listed_and_removable(staff: User) -> None:
    project = make_project(staff=staff)
    team = _team_member(project)
    result = services.result_add_link(
        actor=team,
        project=project,
        kind="code",
        title="Quellcode",
        url="https://git.example.org/luft",
    )
    with pytest.raises(ValidationError):
        services.result_add_link(
            actor=team, project=project, kind="dataset", title="x", url="https://x.org"
        )
    html = client_for(None).get(project.get_absolute_url()).content.decode()
    assert "https://git.example.org/luft" in html
    services.result_remove(actor=team, result=result)
    assert not ProjectResult.objects.exists()


# Pages


def test_the_gallery_shows_projects_with_progress_and_results(
    staff: User, client: Any
) -> None:
    project = make_project(staff=staff)
    milestone = add_milestone(project, staff)
    team = _team_member(project)
    services.milestone_report(actor=team, milestone=milestone, text="Fertig")
    services.milestone_review(actor=staff, milestone=milestone, accept=True)
    add_milestone(project, staff, title="Zweiter")
    services.project_transition(actor=staff, project=project, target="completed")
    response = client.get("/projects/?state=completed")
    html = response.content.decode()
    assert project.title in html
    assert 'value="50"' in html
    assert client.get("/projects/?state=running").status_code == 200


def test_a_discontinued_project_is_hidden_from_the_public(staff: User) -> None:
    project = make_project(staff=staff)
    services.project_transition(actor=staff, project=project, target="discontinued")
    assert client_for(None).get(project.get_absolute_url()).status_code == 404
    assert client_for(staff).get(project.get_absolute_url()).status_code == 200
    assert project.title not in client_for(None).get("/projects/").content.decode()


def test_project_pages_run_a_constant_number_of_queries(staff: User) -> None:
    first = make_project(staff=staff)
    add_milestone(first, staff)
    mentor = _mentor(first, staff)
    team = _team_member(first)

    def count(url: str, person: User | None = None) -> int:
        with CaptureQueriesContext(connection) as queries:
            assert client_for(person).get(url).status_code == 200
        return len(queries)

    def counts() -> list[int]:
        page = first.get_absolute_url()
        return [
            count("/projects/"),
            count(page),
            count(page, team),
            count(page, mentor),
            count(page, staff),
        ]

    def add_more() -> None:
        project = make_project(staff=staff)
        add_milestone(project, staff)
        milestone = add_milestone(first, staff)
        services.milestone_report(
            actor=team,
            milestone=milestone,
            text="Bericht",
            uploads=[SimpleUploadedFile("b.pdf", b"%PDF-1.4\n%%EOF\n")],
        )
        services.consultation_record(
            actor=mentor,
            project=first,
            area="technical",
            held_on=timezone.localdate(),
            notes="Rat",
        )
        services.mentorship_propose(
            actor=staff, project=first, mentor=UserFactory(), area="legal"
        )
        services.result_add_link(
            actor=staff,
            project=project,
            kind="document",
            title="d",
            url="https://d.org",
        )

    # One of each first, so that every prefetch has something to fetch.
    add_more()
    before = counts()
    for _ in range(3):
        add_more()
    assert counts() == before


def test_the_dashboard_lists_my_projects_and_mentor_requests(staff: User) -> None:
    project = make_project(staff=staff)
    mentor = UserFactory()
    services.mentorship_propose(
        actor=staff, project=project, mentor=mentor, area="organisational"
    )
    team_html = client_for(_team_member(project)).get("/dashboard/").content.decode()
    assert project.title in team_html
    mentor_html = client_for(mentor).get("/dashboard/").content.decode()
    assert project.title in mentor_html


def test_staff_start_a_project_from_the_application_page(staff: User) -> None:
    application = accepted_application(staff=staff)
    page = client_for(staff).get(application.get_absolute_url()).content.decode()
    assert f"/projects/new/{application.pk}/" in page
    response = client_for(staff).get(f"/projects/new/{application.pk}/")
    assert response.status_code == 200
    assert "Luftdaten für alle" in response.content.decode()
    response = client_for(staff).post(
        f"/projects/new/{application.pk}/",
        {"title_de": "", "title_en": "", "description_de": "", "description_en": ""},
    )
    assert response.status_code == 400
    response = client_for(staff).post(
        f"/projects/new/{application.pk}/",
        {
            "title_de": "Luft",
            "title_en": "",
            "description_de": "",
            "description_en": "",
        },
    )
    project = Project.objects.get(application=application)
    assert response["Location"] == project.get_absolute_url()
    # A second click lands on the project instead of failing.
    again = client_for(staff).post(f"/projects/new/{application.pk}/", {})
    assert again["Location"] == project.get_absolute_url()


def test_a_member_of_another_organization_cannot_publish_for_the_project(
    staff: User,
) -> None:
    project = make_project(staff=staff)
    other = MembershipFactory().user
    response = client_for(other).post(
        f"/projects/{project.slug}/results/dataset/",
        {"title_de": "x", "licence": CC_BY},
    )
    assert response.status_code == 403
    assert not Dataset.objects.exists()


def test_a_milestone_report_form_with_bad_input_keeps_the_text(staff: User) -> None:
    project = make_project(staff=staff)
    milestone = add_milestone(project, staff)
    team = _team_member(project)
    response = client_for(team).post(
        f"/projects/{project.slug}/milestones/{milestone.pk}/report/",
        {
            "text": "Mein langer Bericht",
            "attachments": SimpleUploadedFile("x.exe", b"MZ\x90\x00binary"),
        },
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert "Mein langer Bericht" in html
    assert "x.exe" in html


def test_staff_create_projects_with_a_staff_account_only() -> None:
    staff = StaffFactory()
    application = accepted_application(staff=staff)
    for person in (application.applicant, UserFactory()):
        response = client_for(person).post(
            f"/projects/new/{application.pk}/", {"title_de": "x"}
        )
        assert response.status_code == 403
    assert not Project.objects.exists()


def test_the_gallery_is_paged_with_completed_projects_first(
    staff: User, client: Any
) -> None:
    from allmende.programmes.views_projects import PAGE_SIZE

    running = make_project(staff=staff)
    completed = make_project(staff=staff)
    services.project_transition(actor=staff, project=completed, target="completed")
    html = client.get("/projects/").content.decode()
    assert html.index(completed.get_absolute_url()) < html.index(
        running.get_absolute_url()
    )
    Project.objects.bulk_create(
        [
            Project(
                application=accepted_application(staff=staff),
                call=running.call,
                slug=f"mehr-{i}",
                title_de=f"Mehr {i}",
                started_on=running.started_on,
            )
            for i in range(PAGE_SIZE - 1)
        ]
    )
    first = client.get("/projects/").content.decode()
    assert 'rel="next"' in first
    second = client.get("/projects/?page=2").content.decode()
    assert second.count('class="card"') == 1
    assert client.get("/projects/?page=viele").status_code == 200


def test_a_mentor_deletes_their_account_and_the_log_stays(staff: User) -> None:
    from allmende.accounts.services import user_delete
    from allmende.programmes.models import Consultation

    project = make_project(staff=staff)
    mentor = _mentor(project, staff)
    milestone = add_milestone(project, mentor)
    services.consultation_record(
        actor=mentor,
        project=project,
        area="technical",
        held_on=timezone.localdate(),
        notes="Datenbank gewählt",
    )
    services.milestone_report(
        actor=_team_member(project), milestone=milestone, text="Erledigt"
    )
    user_delete(actor=mentor)
    consultation = Consultation.objects.get()
    assert consultation.author is None
    assert not project.mentorships.exists()
    html = client_for(staff).get(project.get_absolute_url()).content.decode()
    assert "Datenbank gewählt" in html
