"""A reviewer scores an application on a phone, by keyboard alone."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from allmende.accounts.models import User
from allmende.programmes import review_services, services
from allmende.programmes.models import Review, Reviewer, ReviewPhase
from tests.accounts.factories import StaffFactory, UserFactory
from tests.browser.test_programmes import tab_to
from tests.organizations.factories import MembershipFactory
from tests.programmes.conftest import GOOD_ANSWERS
from tests.programmes.factories import CallFactory, criteria, full_form, in_review

pytestmark = pytest.mark.django_db(transaction=True)


def test_reviewer_declares_and_scores_at_360_pixels_by_keyboard(
    page: Any,
    login: Callable[[Any, User], None],
    assert_no_axe_violations: Callable[[Any], None],
) -> None:
    call = CallFactory(title_de="Datenlabor", title_en="Data lab")
    full_form(call)
    found = criteria(call)
    ReviewPhase.objects.create(
        call=call, name="Begutachtung", position=1, pseudonymised=True
    )
    member = MembershipFactory()
    application = services.application_start(
        actor=member.user, call=call, organization=member.organization
    )
    in_review(application, StaffFactory(), GOOD_ANSWERS)
    reviewer = UserFactory()
    Reviewer.objects.create(call=call, user=reviewer)
    review = review_services.review_assign(
        actor=StaffFactory(), application=application, user=reviewer
    )

    page.set_viewport_size({"width": 360, "height": 800})
    login(page, reviewer)
    page.goto("/dashboard/")
    assert_no_axe_violations(page)
    tab_to(page, f'a[href="{review.get_absolute_url()}"]')
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert_no_axe_violations(page)
    assert GOOD_ANSWERS["summary"] not in page.locator("main").inner_text()

    tab_to(page, "input[name=conflict][value=no]")
    page.keyboard.press("Space")
    tab_to(page, "form[action$='/declare/'] button[type=submit]")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    main = page.locator("main").inner_text()
    assert GOOD_ANSWERS["summary"] in main
    assert member.organization.name not in main
    assert_no_axe_violations(page)
    assert page.evaluate("document.documentElement.scrollWidth") <= 360

    # Relevance 4: focus the first option and move right four times.
    tab_to(page, f"input[name=score_{found[0].pk}]")
    for _ in range(4):
        page.keyboard.press("ArrowRight")
    tab_to(page, f"input[name=score_{found[1].pk}]")
    page.keyboard.press("ArrowLeft")  # wraps round to "not applicable"
    tab_to(page, "input[name=recommendation]")
    page.keyboard.press("Space")
    tab_to(page, "#id_comment_staff")
    page.keyboard.type("Klarer Plan, gute Daten.")
    tab_to(page, "button[name=submit]")
    with page.expect_navigation():
        page.keyboard.press("Enter")

    review = Review.objects.get(pk=review.pk)
    assert review.state == "submitted"
    assert review.recommendation == "yes"
    scores = {s.criterion_id: s.value for s in review.scores.all()}
    assert scores == {found[0].pk: 4, found[1].pk: None}
    assert "Gutachten wurde abgegeben" in page.locator("main").inner_text()
    assert_no_axe_violations(page)
    assert page.evaluate("document.documentElement.scrollWidth") <= 360


def test_staff_review_and_decision_pages_are_axe_clean_at_both_widths(
    page: Any,
    live_server: Any,
    assert_no_axe_violations: Callable[[Any], None],
) -> None:
    from allmende.programmes import decision_services
    from tests.browser.test_harvest import log_in_staff
    from tests.browser.test_programmes import check_both_widths

    call = CallFactory(title_de="Datenlabor", title_en="Data lab")
    full_form(call)
    found = criteria(call)
    ReviewPhase.objects.create(call=call, name="Begutachtung", position=1)
    staff = StaffFactory()
    member = MembershipFactory()
    application = services.application_start(
        actor=member.user, call=call, organization=member.organization
    )
    in_review(application, staff, GOOD_ANSWERS)
    reviewer = UserFactory()
    Reviewer.objects.create(call=call, user=reviewer)
    review = review_services.review_assign(
        actor=staff, application=application, user=reviewer
    )
    review_services.review_declare(actor=reviewer, review=review, conflict=False)
    review_services.review_save(
        actor=reviewer,
        review=review,
        data={
            "scores": {found[0].pk: 4, found[1].pk: None},
            "recommendation": "yes",
            "comment_staff": "Gut.",
            "comment_applicant": "",
        },
        submit=True,
    )
    decision_services.decision_template_add(
        actor=staff,
        call=call,
        data={
            "outcome": "accepted",
            "name": "Zusage",
            "body_de": "Liebe {applicant}, {organization} wird gefördert.",
            "body_en": "",
        },
    )
    log_in_staff(page, live_server, StaffFactory())
    for url in (
        f"/calls/{call.slug}/reviews/",
        f"/calls/{call.slug}/scores/",
        f"/calls/{call.slug}/decide/",
        f"/calls/{call.slug}/decisions/templates/",
        application.get_absolute_url(),
    ):
        page.goto(url)
        check_both_widths(page, assert_no_axe_violations)
    # Choose the application and the letter, then confirm on the preview.
    page.goto(f"/calls/{call.slug}/decide/")
    page.check(f"input[name=applications][value='{application.pk}']")
    page.check("input[name=template]")
    with page.expect_navigation():
        page.click("main form[method=post] button[type=submit]")
    assert "wird gefördert" in page.locator("main").inner_text()
    check_both_widths(page, assert_no_axe_violations)
    with page.expect_navigation():
        page.click("button[name=confirm]")
    application.refresh_from_db()
    assert application.state == "accepted"
    assert application.decision_message.startswith("Liebe ")
