"""The catalog and harvest pages fit a 360 px wide phone.

Wide tables scroll inside their own region; the page itself never scrolls
sideways, and the column-type editor's selects stay wide enough to read.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from allmende.accounts.models import User
from allmende.organizations.models import Membership
from tests.accounts.factories import StaffFactory
from tests.browser.test_harvest import log_in_staff
from tests.catalog.factories import PublishedDatasetFactory, add_table, csv_upload
from tests.harvest.conftest import harvest, make_source, remote  # noqa: F401
from tests.organizations.factories import MembershipFactory

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.any_database]

PHONE = {"width": 360, "height": 740}
# A select narrower than this cannot show "Dezimalzahl" or "Datum".
MIN_SELECT_PX = 90

WIDE_CSV = (
    "Stadt;Einwohner;Fläche;Gegründet;Quelle;Beschreibung\n"
    "Köln;1.084.831;405,02;0050;https://www.example.org/ein/sehr/langer/pfad/"
    "zur/quelle/der/daten/ohne/leerzeichen.csv;"
    + "Eine lange Beschreibung mit vielen Wörtern " * 5
    + "\nKiel;246.243;118,65;1242;https://example.org/x;kurz\n"
).encode()


def scroll_width(page: Any) -> int:
    return int(page.evaluate("document.scrollingElement.scrollWidth"))


def too_wide(page: Any) -> list[str]:
    """The outermost elements that reach past the phone's edge (for the report)."""
    return list(
        page.evaluate(
            """(limit) => {
                const found = [];
                for (const el of document.body.querySelectorAll('*')) {
                    if (el.getBoundingClientRect().right <= limit) continue;
                    const parent = el.parentElement;
                    if (parent && parent.getBoundingClientRect().right > limit
                        && parent !== document.body) continue;
                    found.push(el.tagName + '.' + el.className + '#' + el.id
                        + ' ' + Math.round(el.getBoundingClientRect().right));
                }
                return found.slice(0, 10);
            }""",
            PHONE["width"],
        )
    )


def test_catalog_pages_fit_a_phone(
    page: Any, login: Callable[[Any, User], None]
) -> None:
    member = MembershipFactory(role=Membership.Role.ADMIN).user
    dataset = PublishedDatasetFactory(
        organization=member.memberships.get().organization,
        created_by=member,
        title_de="Einwohnerinnen- und Einwohnerstatistik-Zeitreihenfortschreibung",
    )
    resource = add_table(dataset, member, upload=csv_upload(WIDE_CSV, "orte.csv"))
    login(page, member)
    page.set_viewport_size(PHONE)
    for path in (
        dataset.get_absolute_url(),
        resource.get_absolute_url(),
        f"/datasets/{dataset.slug}/history/",
    ):
        page.goto(path)
        assert scroll_width(page) <= PHONE["width"], (path, too_wide(page))
    page.goto(resource.get_absolute_url())
    widths = page.eval_on_selector_all(
        "#schema select", "selects => selects.map(s => s.offsetWidth)"
    )
    assert widths, "the column-type editor is missing"
    assert min(widths) >= MIN_SELECT_PX, widths


def test_harvest_pages_fit_a_phone(
    page: Any,
    live_server: Any,
    remote: str,  # noqa: F811
) -> None:
    staff = StaffFactory()
    organization = MembershipFactory(role=Membership.Role.ADMIN).organization
    source = make_source(staff, organization, f"{remote}/catalog.rdf")
    run = harvest(source, staff)
    log_in_staff(page, live_server, staff)
    page.set_viewport_size(PHONE)
    for path in (
        "/harvest/",
        source.get_absolute_url(),
        run.get_absolute_url(),
        "/harvest/new/",
    ):
        page.goto(path)
        assert scroll_width(page) <= PHONE["width"], (path, too_wide(page))
