"""The signing widget: framing rules, its cookie-less form key, the opt-in."""

from __future__ import annotations

import re

import pytest
from django.core import mail
from django.core.cache import cache
from django.test import Client

from allmende.campaigns import embed
from allmende.campaigns.models import CampaignState, Signature, SignerKinds
from tests.campaigns.factories import CampaignFactory

pytestmark = pytest.mark.django_db(transaction=True)

ORIGIN = "http://testserver"
FORM = {"name": "Grace Hopper", "email": "grace@example.org", "consent": "on"}


@pytest.fixture(autouse=True)
def _empty_cache() -> None:
    cache.clear()


def _form_key(page: str) -> str:
    match = re.search(r'name="form_key" value="([^"]+)"', page)
    assert match is not None, page
    return match.group(1)


def test_only_the_widget_may_be_framed_by_other_sites() -> None:
    campaign = CampaignFactory()
    client = Client()
    widget = client.get(f"/campaigns/{campaign.slug}/embed/")
    assert widget.status_code == 200
    assert "X-Frame-Options" not in widget
    policy = widget["Content-Security-Policy"]
    assert "frame-ancestors *" in policy
    assert "default-src 'self'" in policy and "script-src 'self'" in policy
    # The campaign's own page, and every other page, stays unframeable.
    for path in (campaign.get_absolute_url(), "/campaigns/", "/"):
        page = client.get(path)
        assert page["X-Frame-Options"] == "DENY"
        assert "frame-ancestors 'none'" in page["Content-Security-Policy"]


def test_widget_sets_no_cookie_and_loads_nothing_from_another_host() -> None:
    campaign = CampaignFactory()
    response = Client().get(f"/campaigns/{campaign.slug}/embed/?lang=en")
    page = response.content.decode()
    assert not response.cookies
    assert campaign.title_en in page and campaign.claim_en in page
    assets = re.findall(r'(?:src="|<link[^>]*href=")([^"]+)"', page)
    assert assets
    for address in assets:
        assert address.startswith("/") and not address.startswith("//"), address


def test_widget_signs_with_the_same_double_opt_in() -> None:
    campaign = CampaignFactory()
    client = Client(enforce_csrf_checks=True)
    page = client.get(f"/campaigns/{campaign.slug}/embed/?lang=de").content.decode()
    response = client.post(
        f"/campaigns/{campaign.slug}/embed/sign/?lang=de",
        {**FORM, "form_key": _form_key(page)},
        headers={"Origin": ORIGIN},
    )
    assert response.status_code == 302
    assert "/embed/check-mail/" in response["Location"]
    check = client.get(response["Location"])
    assert "frame-ancestors *" in check["Content-Security-Policy"]
    assert "Bitte sehen Sie in Ihr E-Mail-Postfach" in check.content.decode()
    signature = Signature.objects.get()
    assert signature.state == "pending"
    assert len(mail.outbox) == 1 and "/campaigns/s/" in mail.outbox[0].body


def test_widget_refuses_a_post_from_another_site_or_without_a_valid_key() -> None:
    campaign = CampaignFactory()
    page = Client().get(f"/campaigns/{campaign.slug}/embed/").content.decode()
    key = _form_key(page)
    url = f"/campaigns/{campaign.slug}/embed/sign/?lang=en"
    attempts = [
        ({**FORM, "form_key": key}, {"Origin": "https://evil.example"}),
        ({**FORM, "form_key": key + "x"}, {"Origin": ORIGIN}),
        ({**FORM}, {"Origin": ORIGIN}),
        ({**FORM, "form_key": key}, {}),
    ]
    for data, headers in attempts:
        response = Client().post(url, data, headers=headers)
        assert response.status_code == 403
        assert "The form has expired" in response.content.decode()
    # A key of another campaign does not fit this one.
    other = CampaignFactory()
    response = Client().post(
        url, {**FORM, "form_key": embed.form_key(other)}, headers={"Origin": ORIGIN}
    )
    assert response.status_code == 403
    # The Referer of a platform page stands in for a missing Origin.
    response = Client().post(
        url,
        {**FORM, "form_key": key},
        headers={"Referer": f"{ORIGIN}/campaigns/{campaign.slug}/embed/"},
    )
    assert response.status_code == 302
    assert Signature.objects.count() == 1


def test_widget_answers_bad_input_in_the_frame() -> None:
    campaign = CampaignFactory()
    key = embed.form_key(campaign)
    response = Client().post(
        f"/campaigns/{campaign.slug}/embed/sign/?lang=en",
        {"name": "x" * 10_000, "email": "nope", "postcode": "12", "form_key": key},
        headers={"Origin": ORIGIN},
    )
    assert response.status_code == 400
    assert "frame-ancestors *" in response["Content-Security-Policy"]
    page = response.content.decode()
    assert "Please correct the following" in page
    assert "five digits" in page
    assert not Signature.objects.exists()


def test_widget_of_organizations_only_campaign_links_to_the_platform() -> None:
    campaign = CampaignFactory(signers=SignerKinds.ORGANIZATIONS)
    page = Client().get(f"/campaigns/{campaign.slug}/embed/?lang=en").content.decode()
    assert "Only organizations can sign this campaign." in page
    assert 'name="form_key"' not in page


def test_widget_of_a_draft_or_unknown_campaign_is_not_found() -> None:
    draft = CampaignFactory(state=CampaignState.DRAFT)
    for slug in (draft.slug, "gibt-es-nicht"):
        response = Client().get(f"/campaigns/{slug}/embed/")
        assert response.status_code == 404
        assert "frame-ancestors *" in response["Content-Security-Policy"]


def test_campaign_page_offers_the_snippet() -> None:
    campaign = CampaignFactory()
    page = Client().get(campaign.get_absolute_url()).content.decode()
    assert "&lt;iframe src=&quot;" in page
    assert f"/campaigns/{campaign.slug}/embed/" in page
