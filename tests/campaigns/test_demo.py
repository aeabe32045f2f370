from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command
from django.test import Client

from allmende.campaigns import selectors
from allmende.campaigns.demo import SLUG
from allmende.campaigns.models import Campaign

pytestmark = pytest.mark.django_db


def test_demo_campaign_has_demands_co_signers_and_signatures() -> None:
    call_command("demo", stdout=StringIO())
    campaign = Campaign.objects.get(slug=SLUG)
    assert [d.number for d in campaign.demands.all()] == [1, 2, 3, 4]
    counts = selectors.counts(campaign=campaign)
    assert counts.individuals == 300
    assert counts.organizations >= 3
    page = Client().get(campaign.get_absolute_url()).content.decode()
    assert "Learning from the crisis" in page
    assert "<progress" in page
    home = Client().get("/").content.decode()
    assert "Open campaigns" in home
    found = Client().get("/search/", {"q": "Zivilgesellschaft"}).content.decode()
    assert campaign.get_absolute_url() in found
