from __future__ import annotations

import pytest

from allmende.accounts.models import User
from allmende.organizations.models import Organization
from allmende.programmes.models import Application, Call
from allmende.programmes.services import application_start
from tests.programmes.factories import CallFactory, full_form


@pytest.fixture
def call(db: None) -> Call:
    call = CallFactory()
    full_form(call)
    return call


@pytest.fixture
def application(
    call: Call, org_member: User, organization: Organization
) -> Application:
    return application_start(actor=org_member, call=call, organization=organization)


GOOD_ANSWERS = {
    "title": "Luftdaten für alle",
    "summary": "Wir messen Feinstaub in Leipzig.",
    "amount": "12000",
    "open_licence": "yes",
}
