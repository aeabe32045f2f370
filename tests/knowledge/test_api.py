"""The knowledge hub's JSON API: tools with filters, reports, guides, the
export, and 4xx answers to malformed parameters."""

from __future__ import annotations

import pytest
from django.test import Client

from tests.knowledge.factories import make_page, make_report, make_tool

pytestmark = pytest.mark.django_db


def test_tools_are_listed_filtered_and_fetched_one_by_one() -> None:
    make_tool()
    make_tool(["umfragen"], name="LimeSurvey", platforms=["web"], cost="free")
    client = Client()
    answer = client.get("/api/knowledge/tools", {"platform": "android"}).json()
    assert answer["count"] == 1
    assert answer["items"][0]["slug"] == "jitsi-meet"
    assert answer["items"][0]["categories"] == ["videokonferenzen"]
    one = client.get("/api/knowledge/tools/limesurvey").json()
    assert one["name"] == "LimeSurvey" and one["licence_family"]
    assert client.get("/api/knowledge/tools/nichts").status_code == 404
    export = client.get("/api/knowledge/tools/export").json()
    assert {tool["slug"] for tool in export} == {"jitsi-meet", "limesurvey"}


@pytest.mark.parametrize(
    "params",
    [
        {"platform": "amiga"},
        {"cost": "teuer"},
        {"licence_family": "<script>"},
        {"difficulty": "expert"},
        {"limit": "0"},
        {"limit": "100000"},
        {"offset": "-1"},
        {"q": "a\x00b"},
    ],
)
def test_malformed_parameters_are_answered_with_422(params: dict[str, str]) -> None:
    answer = Client().get("/api/knowledge/tools", params)
    assert answer.status_code == 422
    assert answer.json()["detail"]


def test_only_published_reports_and_guides_are_served() -> None:
    tool = make_tool()
    make_report(published=True, tools=[tool], title="Öffentlich")
    make_report(title="Entwurf")
    make_page(published=True, title="Offene Daten", body="## A\n\nText")
    make_page(title="Geheimer Entwurf")
    client = Client()
    reports = client.get("/api/knowledge/reports").json()["items"]
    assert [report["title"] for report in reports] == ["Öffentlich"]
    assert reports[0]["tools"] == ["jitsi-meet"]
    assert client.get("/api/knowledge/reports", {"sort": "x"}).status_code == 422
    guides = client.get("/api/knowledge/guides").json()["items"]
    assert [guide["title"] for guide in guides] == ["Offene Daten"]
    assert guides[0]["body"] == "## A\n\nText"


def test_the_openapi_document_describes_the_knowledge_api() -> None:
    document = Client().get("/api/openapi.json").json()
    tools = document["paths"]["/api/knowledge/tools"]["get"]
    assert "422" in tools["responses"]
    platform = next(p for p in tools["parameters"] if p["name"] == "platform")
    assert "android" in platform["schema"]["pattern"]
