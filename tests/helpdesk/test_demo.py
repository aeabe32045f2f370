from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command
from django.test import Client

from allmende.helpdesk.models import Category, FaqEntry, Ticket, TicketState

pytestmark = pytest.mark.django_db(transaction=True)


def test_demo_shows_categories_faq_and_tickets_in_several_states() -> None:
    call_command("demo", stdout=StringIO())
    assert Category.objects.count() == 3
    assert FaqEntry.objects.count() == 3
    states = set(Ticket.objects.values_list("state", flat=True))
    assert {TicketState.NEW, TicketState.OPEN, TicketState.WAITING} <= states
    assert TicketState.RESOLVED in states
    assert Category.objects.filter(agents__isnull=False).exists()
    home = Client().get("/").content.decode()
    assert "Questions? Answers from the helpdesk" in home
    faq = Client().get("/help/faq/").content.decode()
    assert "video conference" in faq
    found = Client().get("/search/", {"q": "Mitgliederlisten"}).content.decode()
    assert FaqEntry.objects.get(category__slug="daten").get_absolute_url() in found
    # Running the demo again changes nothing.
    call_command("demo", stdout=StringIO())
    assert Ticket.objects.count() == 4
