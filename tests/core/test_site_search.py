"""The site-wide search page: every registered type, as each viewer may see it."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from allmende.accounts.models import User
from allmende.accounts.services import person_index
from allmende.catalog.services import dataset_index
from allmende.core import search
from allmende.events.models import EventStatus
from allmende.events.services.events import event_index
from allmende.organizations.models import Membership, Organization
from allmende.organizations.services import organization_index
from tests.accounts.factories import StaffFactory, UserFactory
from tests.catalog.factories import PublishedDatasetFactory
from tests.conftest import client_for
from tests.events.factories import EventFactory
from tests.organizations.factories import MembershipFactory, OrganizationFactory

pytestmark = pytest.mark.django_db

URL = reverse("core:search")


def _organization(**kwargs: object) -> Organization:
    organization = OrganizationFactory(**kwargs)
    organization_index(organization)
    return organization


def _titles(client: Client, query: str, **params: str) -> list[str]:
    response = client.get(URL, {"q": query, **params})
    assert response.status_code == 200
    headings = re.findall(r"<h3><a href=\"[^\"]*\">(.*?)</a></h3>", response.text)
    return [re.sub(r"</?mark>", "", h) for h in headings]


def test_inflected_german_word_finds_base_form() -> None:
    _organization(name="Verein für Gärten")
    _organization(name="Kulturhaus Kiel")
    assert _titles(Client(), "Vereine") == ["Verein für Gärten"]
    assert _titles(Client(), "Gärten") == ["Verein für Gärten"]


def test_inflected_english_word_finds_base_form_and_is_highlighted() -> None:
    _organization(name="Workshop on open data")
    _organization(name="Kulturhaus Kiel")
    response = Client().get(URL, {"q": "workshops"})
    assert "<mark>Workshop</mark> on open data" in response.text
    assert _titles(Client(), "workshops") == ["Workshop on open data"]
    assert _titles(Client(), "Vereine") == []


def test_base_word_finds_inflected_form_in_description() -> None:
    _organization(name="Förderkreis", description_de="Wir unterstützen Schulen.")
    assert _titles(Client(), "Schule") == ["Förderkreis"]


def test_search_finds_every_registered_type() -> None:
    organization = _organization(name="Zaunkönig Freunde")
    event = EventFactory(
        title_de="Zaunkönig zählen", title_en="", status=EventStatus.PUBLISHED
    )
    event_index(event)
    dataset = PublishedDatasetFactory(
        title_de="Zaunkönig Bestand", organization=organization
    )
    dataset_index(dataset)
    person = UserFactory(display_name="Zaunkönig Fan")
    person_index(person)
    assert sorted(_titles(Client(), "zaunkönig")) == [
        "Zaunkönig Bestand",
        "Zaunkönig Fan",
        "Zaunkönig Freunde",
        "Zaunkönig zählen",
    ]


def _hidden_things() -> dict[str, object]:
    organization = _organization(name="Eisvogel Verein")
    member = MembershipFactory(organization=organization).user
    private = PublishedDatasetFactory(
        title_de="Eisvogel privat", organization=organization, is_private=True
    )
    dataset_index(private)
    draft = EventFactory(
        title_de="Eisvogel Entwurf", title_en="", status=EventStatus.DRAFT
    )
    event_index(draft)
    registered = UserFactory(
        display_name="Eisvogel Mitglied",
        profile_visibility=User.Visibility.REGISTERED,
    )
    person_index(registered)
    hidden = UserFactory(
        display_name="Eisvogel Versteckt", profile_visibility=User.Visibility.HIDDEN
    )
    person_index(hidden)
    return {"member": member, "hidden": hidden}


def test_anonymous_visitor_finds_only_public_things() -> None:
    _hidden_things()
    assert _titles(Client(), "eisvogel") == ["Eisvogel Verein"]


def test_logged_in_person_also_finds_profiles_for_registered_users() -> None:
    _hidden_things()
    assert sorted(_titles(client_for(UserFactory()), "eisvogel")) == [
        "Eisvogel Mitglied",
        "Eisvogel Verein",
    ]


def test_member_finds_private_dataset_of_own_organization() -> None:
    things = _hidden_things()
    assert sorted(_titles(client_for(things["member"]), "eisvogel")) == [  # type: ignore[arg-type]
        "Eisvogel Mitglied",
        "Eisvogel Verein",
        "Eisvogel privat",
    ]


def test_staff_find_drafts_and_private_datasets_but_not_hidden_profiles() -> None:
    _hidden_things()
    assert sorted(_titles(client_for(StaffFactory()), "eisvogel")) == [
        "Eisvogel Entwurf",
        "Eisvogel Mitglied",
        "Eisvogel Verein",
        "Eisvogel privat",
    ]


def test_host_admin_finds_own_draft_event() -> None:
    from tests.events.factories import HostFactory

    host = HostFactory()
    admin = MembershipFactory(
        organization=host.organization, role=Membership.Role.ADMIN
    ).user
    draft = EventFactory(
        title_de="Eisvogel Planung",
        title_en="",
        status=EventStatus.DRAFT,
        organization=host.organization,
    )
    event_index(draft)
    assert _titles(client_for(admin), "eisvogel") == ["Eisvogel Planung"]
    assert _titles(client_for(UserFactory()), "eisvogel") == []


def test_facet_counts_each_type_and_filters_by_it() -> None:
    organization = _organization(name="Kranich Netzwerk")
    _organization(name="Kranich Hilfe")
    for number in range(3):
        event = EventFactory(
            title_de=f"Kranich Tag {number}", title_en="", status=EventStatus.PUBLISHED
        )
        event_index(event)
    dataset = PublishedDatasetFactory(
        title_de="Kranich Zählung", organization=organization
    )
    dataset_index(dataset)
    response = Client().get(URL, {"q": "kranich"})
    facets = re.findall(
        r'href="\?[^"]*type=(\w+)[^"]*"[^>]*>([^<]+) <span class="count">\((\d+)\)',
        response.text,
    )
    assert [(key, int(count)) for key, _label, count in facets] == [
        ("organization", 2),
        ("event", 3),
        ("dataset", 1),
    ]
    assert "6 results" in response.text
    assert sorted(_titles(Client(), "kranich", type="event")) == [
        "Kranich Tag 0",
        "Kranich Tag 1",
        "Kranich Tag 2",
    ]
    response = Client().get(URL, {"q": "kranich", "type": "dataset"})
    assert "1 result" in response.text


def test_unknown_type_shows_all_types() -> None:
    _organization(name="Kranich Netzwerk")
    assert _titles(Client(), "kranich", type="nonsense") == ["Kranich Netzwerk"]


def test_highlight_marks_matches_and_escapes_html() -> None:
    _organization(
        name="<script>alert(1)</script> Storch & Co",
        description_de='Der Storch <img src=x onerror="alert(2)"> brütet.',
    )
    response = Client().get(URL, {"q": "storch"})
    text = response.text
    assert "<script>alert(1)" not in text
    assert "<img src=x" not in text
    assert "&lt;script&gt;alert(1)&lt;/script&gt; <mark>Storch</mark> &amp; Co" in text
    assert (
        "Der <mark>Storch</mark> &lt;img src=x onerror=&quot;alert(2)&quot;&gt;"
        " brütet." in text
    )


def test_highlight_marks_inflected_forms_of_the_query() -> None:
    _organization(name="Gartenverein", description_de="Wir pflegen Gärten.")
    response = Client().get(URL, {"q": "garten"})
    assert "<mark>Gartenverein</mark>" in response.text
    assert "<mark>Gärten</mark>" in response.text


def test_snippet_shows_words_around_a_match_in_a_long_text() -> None:
    filler = " ".join(f"wort{n}" for n in range(200))
    _organization(name="Reiher", description_de=f"{filler} Moorschutz {filler}")
    text = Client().get(URL, {"q": "moorschutz"}).text
    assert "<mark>Moorschutz</mark>" in text
    assert "wort199 wort0" not in text
    assert "wort150" not in text


def test_results_are_paginated() -> None:
    for number in range(25):
        _organization(name=f"Möwe {number:02}")
    first = _titles(Client(), "möwe")
    second = _titles(Client(), "möwe", page="2")
    assert len(first) == 20
    assert len(second) == 5
    assert not set(first) & set(second)
    assert _titles(Client(), "möwe", page="99") == second
    assert _titles(Client(), "möwe", page="x") == first


def test_empty_query_shows_the_form_without_results() -> None:
    _organization(name="Möwe")
    response = Client().get(URL)
    assert response.status_code == 200
    assert 'name="q"' in response.text
    assert _titles(Client(), "") == []


@pytest.mark.parametrize(
    "query",
    [
        "möwe OR kiel",
        "möwe AND NOT kiel",
        'möwe" OR "x',
        '"möwe"',
        "(möwe",
        "möwe)",
        "NEAR(möwe kiel)",
        "NEAR(möwe kiel, 2)",
        "möwe*",
        "*",
        "title:möwe",
        "möwe -kiel",
        "^möwe",
        "möwe & kiel | !x <-> y",
        "möwe'; DROP TABLE core_searchentry; --",
        "\\",
        "möwe\x00kiel",
        "\x00",
        "der die das und",
        "und",
        "x" * 10_000,
        "möwe " * 2_000,
        "🐦",
        "ß",
    ],
)
def test_bad_input_answers_with_a_result_page(query: str) -> None:
    _organization(name="Möwe Kiel", description_de="Der Verein und die Möwen")
    response = Client().get(URL, {"q": query})
    assert response.status_code == 200
    assert "results-heading" in response.text or 'name="q"' in response.text


@pytest.mark.parametrize("params", [{"page": "-1"}, {"type": "\x00"}, {"page": "1e9"}])
def test_bad_parameters_answer_with_a_result_page(params: dict[str, str]) -> None:
    _organization(name="Möwe Kiel")
    response = Client().get(URL, {"q": "möwe", **params})
    assert response.status_code == 200


def test_query_count_does_not_grow_with_results(
    django_assert_max_num_queries: object,
) -> None:
    staff = StaffFactory()
    client = client_for(staff)

    def build(first: int, last: int) -> None:
        for n in range(first, last):
            organization = _organization(name=f"Seeadler {n}")
            event = EventFactory(
                title_de=f"Seeadler {n}", title_en="", organization=organization
            )
            event_index(event)
            dataset = PublishedDatasetFactory(
                title_de=f"Seeadler {n}", organization=organization
            )
            dataset_index(dataset)
            person_index(UserFactory(display_name=f"Seeadler {n}"))

    build(0, 2)
    client.get(URL, {"q": "seeadler"})
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as few:
        assert client.get(URL, {"q": "seeadler"}).status_code == 200
    build(2, 12)
    with django_assert_max_num_queries(len(few)):  # type: ignore[operator]
        response = client.get(URL, {"q": "seeadler"})
    assert response.status_code == 200
    assert "48 results" in response.text


def test_many_matches_rank_title_matches_first(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from allmende.core import search

    monkeypatch.setattr(search, "FINE_RANK_LIMIT", 2)
    _organization(name="Ahorn Freunde")
    _organization(name="Linde", description_de="Wir pflanzen Ahorn.")
    _organization(name="Ahorn Hilfe")
    titles = _titles(Client(), "ahorn")
    assert sorted(titles[:2]) == ["Ahorn Freunde", "Ahorn Hilfe"]
    assert titles[2] == "Linde"


def test_search_page_speaks_german() -> None:
    _organization(name="Kranich Netzwerk")
    response = Client(headers={"accept-language": "de"}).get(URL, {"q": "kranich"})
    assert "1 Treffer" in response.text
    assert "Suche: kranich" in response.text


def test_many_matches_count_up_to_a_limit_and_page_the_newest(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from allmende.core import search

    monkeypatch.setattr(search, "COUNT_LIMIT", 3)
    monkeypatch.setattr(search, "FINE_RANK_LIMIT", 3)
    monkeypatch.setattr(search, "RANK_CANDIDATES", 4)
    for number in range(6):
        _organization(name=f"Lerche {number}")
    event = EventFactory(title_de="Lerche zählen", title_en="")
    event_index(event)
    response = Client().get(URL, {"q": "lerche"})
    assert '<span class="count">(3+)</span>' in response.text
    assert '<span class="count">(1)</span>' in response.text
    assert "More than 4 results; the newest 4 are shown" in response.text
    # Only the four newest entries are ranked and shown.
    assert sorted(_titles(Client(), "lerche")) == [
        "Lerche 3",
        "Lerche 4",
        "Lerche 5",
        "Lerche zählen",
    ]


@pytest.mark.parametrize("logged_in", [False, True])
def test_many_matches_keep_the_query_count(
    logged_in: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from allmende.core import search

    monkeypatch.setattr(search, "FINE_RANK_LIMIT", 3)
    monkeypatch.setattr(search, "RANK_CANDIDATES", 3)
    client = client_for(UserFactory() if logged_in else None)
    for number in range(8):
        _organization(name=f"Amsel {number}")
    client.get(URL, {"q": "amsel"})
    search.cache.clear()
    with CaptureQueriesContext(connection) as cold:
        assert client.get(URL, {"q": "amsel"}).status_code == 200
    for number in range(8, 30):
        _organization(name=f"Amsel {number}")
    search.cache.clear()
    with CaptureQueriesContext(connection) as more:
        assert client.get(URL, {"q": "amsel"}).status_code == 200
    assert len(more) == len(cold)


def test_anonymous_results_come_from_the_cache_until_the_index_changes() -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    _organization(name="Stieglitz Hilfe")
    client = Client()
    assert _titles(client, "stieglitz") == ["Stieglitz Hilfe"]
    with CaptureQueriesContext(connection) as warm:
        assert _titles(client, "stieglitz") == ["Stieglitz Hilfe"]
    assert len(warm) == 0
    german = Client(headers={"accept-language": "de"}).get(URL, {"q": "stieglitz"})
    assert "1 Treffer" in german.text
    _organization(name="Stieglitz Freunde")
    assert sorted(_titles(client, "stieglitz")) == [
        "Stieglitz Freunde",
        "Stieglitz Hilfe",
    ]


def test_logged_in_results_are_not_taken_from_the_anonymous_cache() -> None:
    organization = _organization(name="Zeisig Verein")
    member = MembershipFactory(organization=organization).user
    dataset = PublishedDatasetFactory(
        title_de="Zeisig intern", organization=organization, is_private=True
    )
    dataset_index(dataset)
    assert _titles(Client(), "zeisig") == ["Zeisig Verein"]
    assert sorted(_titles(client_for(member), "zeisig")) == [
        "Zeisig Verein",
        "Zeisig intern",
    ]
    assert _titles(Client(), "zeisig") == ["Zeisig Verein"]


def test_anonymous_results_drop_a_call_or_campaign_taken_back_to_draft(
    django_capture_on_commit_callbacks: Any,
) -> None:
    from allmende.campaigns.services import campaign_index, campaign_transition
    from allmende.programmes.services import call_index, call_transition
    from tests.campaigns.factories import CampaignFactory
    from tests.programmes.factories import CallFactory

    staff = StaffFactory()
    call = CallFactory(title_en="Kiebitz call", title_de="Kiebitz")
    call_index(call)
    campaign = CampaignFactory(title_en="Kiebitz campaign", title_de="Kiebitz")
    campaign_index(campaign)
    client = Client()
    assert len(_titles(client, "kiebitz")) == 2
    with django_capture_on_commit_callbacks(execute=True):
        call_transition(actor=staff, call=call, target="draft")
    assert len(_titles(client, "kiebitz")) == 1
    with django_capture_on_commit_callbacks(execute=True):
        campaign_transition(actor=staff, campaign=campaign, target="draft")
    assert _titles(client, "kiebitz") == []


def test_anonymous_results_are_dropped_again_once_a_change_has_committed(
    django_capture_on_commit_callbacks: Any,
) -> None:
    # A visitor's search running while the change is not yet committed still
    # sees the old rows and stores them under the new version.
    with django_capture_on_commit_callbacks(execute=True):
        _organization(name="Wiedehopf Verein")
        during = search.cache.get(search._INDEX_VERSION_KEY)
    assert search.cache.get(search._INDEX_VERSION_KEY) != during
