from __future__ import annotations

from typing import Any

from django.contrib.auth.models import Group
from django.utils import timezone

from allmende.accounts.models import User
from allmende.knowledge import services
from allmende.knowledge.models import (
    EDITOR_GROUP,
    REVIEWER_GROUP,
    Book,
    Category,
    Chapter,
    CodeOfConduct,
    HostedService,
    Page,
    PageState,
    Report,
    ReportState,
    ServiceRequest,
    Tool,
)
from allmende.knowledge.services import ToolData
from allmende.knowledge.services import handbook as handbook_services
from allmende.knowledge.services import hosting as hosting_services
from allmende.knowledge.services import reports as report_services
from allmende.knowledge.services.hosting import ServiceRequestData
from allmende.knowledge.services.reports import ReportData
from allmende.organizations.models import Membership, Organization
from tests.accounts.factories import StaffFactory, UserFactory
from tests.organizations.factories import MembershipFactory, OrganizationFactory


def tool_data(**changes: Any) -> ToolData:
    data = ToolData(
        name="Jitsi Meet",
        purpose_de="Videokonferenzen im Browser",
        purpose_en="Video conferences in the browser",
        description_de="Treffen ohne Konto.",
        description_en="Meetings without an account.",
        licence="Apache-2.0",
        source_url="",
        homepage_url="",
        release_feed_url="",
        hosting=["self_hosted", "saas"],
        platforms=["web", "android", "ios"],
        data_location="own_server",
        processing_agreement="not_needed",
        privacy_url="",
        terms_url="",
        privacy_notes_de="",
        privacy_notes_en="",
        cost="free",
        nonprofit_discount=False,
        cost_notes_de="",
        cost_notes_en="",
        difficulty="beginner",
        languages=["de", "en"],
        accessibility_notes_de="",
        accessibility_notes_en="",
        alternative_to=["Zoom"],
    )
    data.update(changes)  # type: ignore[typeddict-item]
    return data


def editor() -> User:
    person = UserFactory()
    person.groups.add(Group.objects.get_or_create(name=EDITOR_GROUP)[0])
    return person


def make_tool(categories: list[str] | None = None, **changes: Any) -> Tool:
    return services.tool_create(
        actor=StaffFactory(),
        data=tool_data(**changes),
        categories=Category.objects.filter(slug__in=categories or ["videokonferenzen"]),
    )


def report_data(**changes: Any) -> ReportData:
    data = ReportData(
        title="Vereinstreffen per Video",
        language="de",
        summary="Wie wir unsere Treffen ins Netz verlegt haben.",
        tried="Wir haben **Jitsi Meet** ausprobiert.",
        worked="Der Zugang ohne Konto.",
        did_not_work="Große Runden mit schwachem Netz.",
        effort="Zwei Abende Einrichtung.",
        tips="Vorher einen Probelauf machen.",
    )
    data.update(changes)  # type: ignore[typeddict-item]
    return data


def make_report(
    organization: Organization | None = None,
    *,
    tools: list[Tool] | None = None,
    published: bool = False,
    **changes: Any,
) -> Report:
    organization = organization or OrganizationFactory()
    admin = MembershipFactory(organization=organization, role=Membership.Role.ADMIN)
    report = report_services.report_create(
        actor=admin.user,
        organization=organization,
        data=report_data(**changes),
        tools=tools or [],
    )
    if published:
        report = report_services.report_transition(
            actor=admin.user, report=report, target=ReportState.PUBLISHED
        )
    return report


def reviewer() -> User:
    person = UserFactory()
    # A migration creates the group; a test that commits empties every table.
    person.groups.add(Group.objects.get_or_create(name=REVIEWER_GROUP)[0])
    return person


def make_chapter(book: Book | None = None, title: str = "Offene Daten") -> Chapter:
    book = book or Book.objects.create(
        slug=f"handbuch-{Book.objects.count() + 1}", title="Handbuch", language="de"
    )
    return Chapter.objects.create(book=book, title=title)


def make_page(
    chapter: Chapter | None = None,
    *,
    title: str = "Warum offene Daten",
    body: str = "## Anfang\n\nErster Text.\n",
    published: bool = False,
) -> Page:
    staff = StaffFactory()
    page = handbook_services.page_create(
        actor=staff, chapter=chapter or make_chapter(), title=title, body=body
    )
    if published:
        for target in (PageState.IN_REVIEW, PageState.PUBLISHED):
            page = handbook_services.page_transition(
                actor=staff, page=page, target=target
            )
    return page


def make_service(**changes: Any) -> HostedService:
    values: dict[str, Any] = {
        "slug": f"dienst-{HostedService.objects.count() + 1}",
        "name": f"Videokonferenzen {HostedService.objects.count() + 1}",
        "description_de": "Videokonferenzen für Vereine.",
        "requires_verified": False,
        **changes,
    }
    service = HostedService.objects.create(**values)
    CodeOfConduct.objects.create(service=service, version=1, text_de="Seid nett.")
    return service


def make_service_request(
    service: HostedService | None = None, *, verified: bool = True
) -> ServiceRequest:
    service = service or make_service()
    admin = MembershipFactory(
        role=Membership.Role.ADMIN,
        organization=OrganizationFactory(
            is_verified=verified,
            verified_at=timezone.now() if verified else None,
        ),
    )
    code = hosting_services.current_code(service)
    assert code is not None
    return hosting_services.service_request_create(
        actor=admin.user,
        service=service,
        organization=admin.organization,
        data=ServiceRequestData(
            purpose="Vorstandssitzungen",
            expected_users=10,
            contact_name="Kim Beispiel",
            contact_email="kim@example.org",
        ),
        accepted_code=code,
    )
