"""A project page at 360 px: public, for the team and for a mentor; the team
reports on a milestone and the mentor accepts it, by keyboard alone."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from allmende.accounts.models import User
from allmende.programmes import services_projects as services
from allmende.programmes.models import Milestone
from allmende.programmes.services_projects import DatasetResultData
from tests.accounts.factories import StaffFactory, UserFactory
from tests.browser.test_programmes import tab_to
from tests.programmes.projects_helpers import add_milestone, make_project

pytestmark = pytest.mark.django_db(transaction=True)


def _check(page: Any, check: Callable[[Any], None]) -> None:
    for width in (360, 1280):
        page.set_viewport_size({"width": width, "height": 900})
        check(page)
        scroll = page.evaluate("document.documentElement.scrollWidth")
        assert scroll <= width, f"{page.url} is {scroll} px wide at {width} px"
    page.set_viewport_size({"width": 1280, "height": 900})


def test_a_project_page_is_read_and_worked_on_by_keyboard(
    page: Any,
    new_context: Callable[..., Any],
    login: Callable[[Any, User], None],
    assert_no_axe_violations: Callable[[Any], None],
) -> None:
    staff = StaffFactory()
    project = make_project(staff=staff)
    team = project.application.applicant
    mentor = UserFactory(first_name="Mia", last_name="Mentorin")
    mentorship = services.mentorship_propose(
        actor=staff, project=project, mentor=mentor, area="technical"
    )
    services.mentorship_answer(actor=mentor, mentorship=mentorship, accept=True)
    reached = add_milestone(project, staff, title="Sensoren hängen")
    services.milestone_report(actor=team, milestone=reached, text="Erledigt")
    services.milestone_review(actor=mentor, milestone=reached, accept=True)
    milestone = add_milestone(
        project,
        staff,
        title="Daten bereinigt",
        due_on=timezone.localdate() - timedelta(days=2),
    )
    services.consultation_record(
        actor=mentor,
        project=project,
        area="legal",
        held_on=timezone.localdate(),
        notes="Lizenz geklärt",
    )
    services.result_publish_dataset(
        actor=team,
        project=project,
        data=DatasetResultData(
            title_de="Feinstaub Leipzig",
            title_en="",
            description_de="",
            description_en="",
            licence="http://dcat-ap.de/def/licenses/cc-by/4.0",
            keywords=[],
        ),
    )

    # The public: what, who, status, milestones reached, results.
    page.goto("/projects/")
    _check(page, assert_no_axe_violations)
    tab_to(page, f'a[href="{project.get_absolute_url()}"]')
    with page.expect_navigation():
        page.keyboard.press("Enter")
    main = page.locator("main").inner_text()
    assert "Feinstaub Leipzig" in main
    assert "1 von 2 Meilensteinen erreicht" in main
    assert "Lizenz geklärt" not in main
    _check(page, assert_no_axe_violations)

    # The team sees the log and reports on the overdue milestone.
    login(page, team)
    page.goto(project.get_absolute_url())
    assert "Überfällig" in page.locator("main").inner_text()
    assert "Lizenz geklärt" in page.locator("main").inner_text()
    _check(page, assert_no_axe_violations)
    tab_to(page, f'a[href$="/milestones/{milestone.pk}/report/"]')
    with page.expect_navigation():
        page.keyboard.press("Enter")
    _check(page, assert_no_axe_violations)
    tab_to(page, "#id_text")
    page.keyboard.type("Die Daten sind bereinigt.")
    tab_to(page, "button[type=submit]")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    milestone.refresh_from_db()
    assert milestone.state == "reported"

    # The mentor accepts the report.
    context = new_context()
    mentor_page = context.new_page()
    login(mentor_page, mentor)
    mentor_page.goto(project.get_absolute_url())
    _check(mentor_page, assert_no_axe_violations)
    tab_to(mentor_page, f"#review-{milestone.pk}-accept")
    mentor_page.keyboard.press("Space")
    tab_to(mentor_page, f"form[action$='/milestones/{milestone.pk}/review/'] button")
    with mentor_page.expect_navigation():
        mentor_page.keyboard.press("Enter")
    assert Milestone.objects.get(pk=milestone.pk).state == "reached"
    assert "2 von 2 Meilensteinen erreicht" in mentor_page.locator("main").inner_text()
    context.close()
