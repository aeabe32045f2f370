from __future__ import annotations

import pytest
from django.test import Client

from allmende.accounts.models import User
from allmende.catalog.models import Dataset
from allmende.harvest.models import HarvestRun, HarvestSource
from allmende.organizations.models import Organization
from tests.catalog.factories import jobs
from tests.conftest import client_for
from tests.harvest.conftest import harvest, make_source

pytestmark = pytest.mark.django_db

PAGES = [
    ("get", "/harvest/"),
    ("get", "/harvest/new/"),
    ("post", "/harvest/new/"),
    ("get", "/harvest/{source}/"),
    ("get", "/harvest/{source}/edit/"),
    ("post", "/harvest/{source}/edit/"),
    ("post", "/harvest/{source}/harvest/"),
    ("get", "/harvest/runs/{run}/"),
]


@pytest.fixture
def source(staff: User, organization: Organization, remote: str) -> HarvestSource:
    return make_source(staff, organization, f"{remote}/catalog.rdf")


@pytest.mark.parametrize(("method", "path"), PAGES)
@pytest.mark.parametrize("role", ["anonymous", "user", "org_member", "org_admin"])
def test_harvest_pages_are_for_staff_only(
    request: pytest.FixtureRequest,
    method: str,
    path: str,
    role: str,
    source: HarvestSource,
    staff: User,
) -> None:
    run = harvest(source, staff)
    person = None if role == "anonymous" else request.getfixturevalue(role)
    url = path.format(source=source.pk, run=run.pk)
    data = {"name": "Neu", "kind": "dcat", "url": "https://x.example.org/c.ttl"}
    response = getattr(client_for(person), method)(url, data)
    if person is None:
        assert response.status_code == 302
        assert response["Location"].startswith("/accounts/login/")
    else:
        assert response.status_code == 403
    assert HarvestSource.objects.count() == 1
    assert HarvestRun.objects.count() == 1
    source.refresh_from_db()
    assert source.name == "Beispielstadt"


def test_staff_adds_a_source_harvests_it_and_reads_the_report(
    staff: User, organization: Organization, remote: str
) -> None:
    client = client_for(staff)
    assert client.get("/harvest/").status_code == 200
    response = client.post(
        "/harvest/new/",
        {
            "name": "Landesportal",
            "kind": "dcat",
            "url": f"{remote}/catalog.rdf",
            "organization": organization.pk,
            "interval_hours": "24",
            "is_active": "on",
        },
    )
    source = HarvestSource.objects.get()
    assert response["Location"] == source.get_absolute_url()
    assert source.created_by == staff
    assert source.interval_hours == 24

    with jobs():
        response = client.post(f"/harvest/{source.pk}/harvest/")
    run = HarvestRun.objects.get()
    assert response["Location"] == run.get_absolute_url()
    html = client.get(run.get_absolute_url()).content.decode()
    assert "1 created" in html
    assert "Schulen im Land" in html
    listing = client.get("/harvest/").content.decode()
    assert "Landesportal" in listing and run.get_absolute_url() in listing
    assert "Harvesting" in client.get("/").content.decode()  # in the staff menu


def test_source_form_explains_bad_input(
    staff: User, organization: Organization
) -> None:
    response = client_for(staff).post(
        "/harvest/new/",
        {
            "name": "",
            "kind": "gopher",
            "url": "ftp://example.org/catalog.ttl",
            "organization": organization.pk,
            "interval_hours": "0",
        },
    )
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert set(errors) == {"name", "kind", "url", "interval_hours"}
    assert not HarvestSource.objects.exists()


def test_double_click_on_harvest_now_starts_one_run(
    source: HarvestSource, staff: User
) -> None:
    client = client_for(staff)
    # Jobs wait for the commit, which this test's transaction never does:
    # the first run stays queued while the second click arrives.
    first = client.post(f"/harvest/{source.pk}/harvest/")
    second = client.post(f"/harvest/{source.pk}/harvest/", follow=True)
    run = HarvestRun.objects.get()
    assert first["Location"] == run.get_absolute_url()
    assert second.redirect_chain[-1][0] == run.get_absolute_url()
    assert "being harvested already" in second.content.decode()
    assert run.status == HarvestRun.Status.QUEUED


def test_inactive_source_cannot_be_harvested(
    source: HarvestSource, staff: User
) -> None:
    source.is_active = False
    source.save()
    response = client_for(staff).post(f"/harvest/{source.pk}/harvest/", follow=True)
    assert "inactive" in response.content.decode()
    assert not HarvestRun.objects.exists()


def test_source_list_has_a_fixed_number_of_queries(
    staff: User,
    organization: Organization,
    remote: str,
    django_assert_max_num_queries: object,
) -> None:
    for number in range(4):
        source = make_source(
            staff, organization, f"{remote}/catalog.rdf", name=f"Quelle {number}"
        )
        harvest(source, staff)
    client = client_for(staff)
    client.get("/harvest/")
    with django_assert_max_num_queries(12):  # type: ignore[operator]
        response = client.get("/harvest/")
    assert response.content.decode().count("<tr>") == 5


def test_dataset_page_says_where_it_was_harvested_from(
    client: object, staff: User, organization: Organization, remote: str
) -> None:

    harvest(make_source(staff, organization, f"{remote}/catalog.rdf"), staff)
    dataset = Dataset.objects.get()
    html = Client().get(dataset.get_absolute_url()).content.decode()
    assert "Harvested from Beispielstadt" in html
    assert 'href="https://portal.example.org/dataset/schulen"' in html
