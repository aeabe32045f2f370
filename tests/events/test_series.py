from __future__ import annotations

from datetime import UTC, date, datetime, time
from typing import Any

import pytest
from django.core.exceptions import ValidationError

from allmende.accounts.models import User
from allmende.events.models import ConsultationSeries, Event, EventType, Slot
from allmende.events.services import events as services
from allmende.organizations.models import Membership, Organization
from tests.accounts.factories import UserFactory
from tests.conftest import client_for
from tests.events.factories import HostFactory
from tests.organizations.factories import MembershipFactory, OrganizationFactory

pytestmark = pytest.mark.django_db

URL = "/events/series/new/"


def series_data(**changes: Any) -> dict[str, Any]:
    data = {
        "title_de": "Digitale Sprechstunde",
        "title_en": "Digital consultation hour",
        "week_of_month": "1",
        "weekday": "1",
        "start_time": "16:00",
        "end_time": "18:00",
        "slot_minutes": "20",
        "format": "online",
        "online_url": "https://meet.example.org/sprechstunde",
        "description_de": "Ihre Frage zu Software und Daten.",
        "description_en": "Your question on software and data.",
        # Around the change to summer time on 30 March 2031.
        "first_date": "2031-02-01",
        "last_date": "",
        "months": "3",
    }
    data.update(changes)
    return data


def host_admin(organization: Organization | None = None) -> User:
    organization = organization or HostFactory().organization
    membership = MembershipFactory(
        organization=organization, role=Membership.Role.ADMIN
    )
    return membership.user  # type: ignore[no-any-return]


def test_anonymous_visitor_is_sent_to_log_in() -> None:
    response = client_for(None).get(URL)
    assert response.status_code == 302
    assert "login" in response["Location"]


@pytest.mark.parametrize("role", ["registered", "host_member", "other_admin"])
def test_people_who_do_not_organize_cannot_create_series(role: str) -> None:
    host = HostFactory()
    if role == "registered":
        person = UserFactory()
    elif role == "host_member":
        person = MembershipFactory(organization=host.organization).user
    else:
        person = host_admin(OrganizationFactory())
    client = client_for(person)
    assert client.get(URL).status_code == 403
    data = series_data(organization=str(host.organization.pk))
    assert client.post(URL, data).status_code == 403
    assert not ConsultationSeries.objects.exists()


def test_host_admin_creates_series_for_own_organization_only() -> None:
    host = HostFactory()
    other = HostFactory()
    admin = host_admin(host.organization)
    client = client_for(admin)
    page = client.get(URL).content.decode()
    assert host.organization.name in page and other.organization.name not in page
    response = client.post(URL, series_data(organization=str(other.organization.pk)))
    assert response.status_code == 200
    assert not ConsultationSeries.objects.exists()
    response = client.post(URL, series_data())
    assert "This field is required" in response.content.decode()
    response = client.post(URL, series_data(organization=str(host.organization.pk)))
    assert response.status_code == 302
    series = ConsultationSeries.objects.get()
    assert series.organization == host.organization
    assert set(Event.objects.values_list("organization", flat=True)) == {
        host.organization.pk
    }


def test_staff_creates_series_with_slots_across_the_change_to_summer_time(
    staff: User,
) -> None:
    client = client_for(staff)
    assert client.get(URL).status_code == 200
    response = client.post(URL, series_data())
    assert response.status_code == 302
    series = ConsultationSeries.objects.get()
    assert series.organization is None
    events = list(series.occurrences.order_by("starts_at"))
    assert response["Location"] == events[0].get_absolute_url()
    # First Tuesdays from February to April; 16:00 Berlin time is 15:00 UTC in
    # winter and 14:00 UTC in summer.
    assert [e.starts_at for e in events] == [
        datetime(2031, 2, 4, 15, tzinfo=UTC),
        datetime(2031, 3, 4, 15, tzinfo=UTC),
        datetime(2031, 4, 1, 14, tzinfo=UTC),
    ]
    assert all(e.event_type == EventType.CONSULTATION for e in events)
    assert events[2].description_en == "Your question on software and data."
    assert events[2].online_url == "https://meet.example.org/sprechstunde"
    slots = list(Slot.objects.filter(event=events[2]).order_by("starts_at"))
    assert [(s.starts_at.hour, s.starts_at.minute) for s in slots] == [
        (14, 0),
        (14, 20),
        (14, 40),
        (15, 0),
        (15, 20),
        (15, 40),
    ]
    assert slots[-1].ends_at == datetime(2031, 4, 1, 16, tzinfo=UTC)
    assert events[0].capacity == 6


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"end_time": "15:00"}, "The end must be after the start."),
        ({"slot_minutes": "25"}, "25-minute slots do not fill the 120 minutes"),
        ({"slot_minutes": "3"}, "greater than or equal to 5"),
        ({"week_of_month": "5"}, "Most months have no fifth Tuesday"),
        ({"first_date": "2020-01-07"}, "must not be in the past"),
        ({"last_date": "2031-01-01"}, "must not be before the first"),
        ({"last_date": "2031-02-03"}, "No date of this series falls between"),
        ({"online_url": ""}, "Please give the meeting link"),
    ],
)
def test_bad_series_input_is_explained(
    staff: User, changes: dict[str, str], message: str
) -> None:
    response = client_for(staff).post(URL, series_data(**changes))
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not ConsultationSeries.objects.exists()
    assert not Event.objects.exists()


def test_series_refuses_a_first_date_without_time_zone(staff: User) -> None:
    fields = {
        "title_de": "Sprechstunde",
        "weekday": 1,
        "week_of_month": 1,
        "start_time": time(16),
        "end_time": time(18),
        "slot_minutes": 20,
    }
    with pytest.raises(ValidationError, match="with its time zone"):
        services.consultation_series_create(
            actor=staff,
            first_date=datetime(2031, 2, 1, 9, 0),  # noqa: DTZ001
            **fields,
        )
    series, events = services.consultation_series_create(
        actor=staff, first_date=datetime(2031, 2, 1, 9, 0, tzinfo=UTC), **fields
    )
    assert series.first_date == date(2031, 2, 1)
    assert len(events) == 3


def test_series_on_the_last_friday_of_each_month(staff: User) -> None:
    client = client_for(staff)
    response = client.post(
        URL, series_data(week_of_month="6", weekday="4", first_date="2031-01-01")
    )
    assert response.status_code == 302
    events = ConsultationSeries.objects.get().occurrences.order_by("starts_at")
    # Last Fridays: January has five, February (28 days) ends on a Friday.
    assert [e.starts_at.date() for e in events] == [
        date(2031, 1, 31),
        date(2031, 2, 28),
        date(2031, 3, 28),
    ]


def test_extending_a_series_adds_only_missing_dates(staff: User) -> None:
    series, events = services.consultation_series_create(
        actor=staff,
        months=1,
        title_de="Sprechstunde",
        weekday=1,
        week_of_month=0,
        start_time=time(16),
        end_time=time(17),
        slot_minutes=30,
        first_date=date(2031, 2, 1),
    )
    assert len(events) == 4
    more = services.consultation_series_extend(
        actor=staff, series=series, months=2, now=datetime(2031, 2, 1, tzinfo=UTC)
    )
    assert [e.starts_at.date() for e in more] == [
        date(2031, 3, 4),
        date(2031, 3, 11),
        date(2031, 3, 18),
        date(2031, 3, 25),
    ]


def test_organizer_pages_link_to_the_series_form(staff: User) -> None:
    client = client_for(staff)
    assert URL in client.get("/events/").content.decode()
    assert URL in client.get("/events/new/").content.decode()
    assert URL not in client_for(UserFactory()).get("/events/").content.decode()
