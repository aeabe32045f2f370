"""One-click unsubscribe: a signed link per person and type, no login."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from django.core import signing
from django.test import Client
from django.utils.translation import gettext_lazy as _

from allmende.accounts.models import User
from allmende.core.models import AuditLogEntry
from allmende.notifications import registry, unsubscribe
from allmende.notifications.models import NotificationSetting
from allmende.notifications.registry import Channel, NotificationType
from allmende.notifications.unsubscribe import unsubscribe_token, unsubscribe_url
from tests.accounts.factories import UserFactory
from tests.conftest import client_for

pytestmark = pytest.mark.django_db

MAILED = NotificationType(
    key="tests.unsub_mailed",
    module=_("Organizations"),
    label=_("Organization verified"),
    description=_("When staff verify an organization you administer."),
    message="mailed",
    default=Channel.IMMEDIATE,
)
OTHER = NotificationType(
    key="tests.unsub_other",
    module=_("Organizations"),
    label=_("Organizations"),
    description=_("When staff verify an organization you administer."),
    message="other",
    default=Channel.DAILY,
)
MUST = NotificationType(
    key="tests.unsub_mandatory",
    module=_("Organizations"),
    label=_("Notification settings"),
    description=_("When staff verify an organization you administer."),
    message="must",
    default=Channel.IMMEDIATE,
    mandatory=True,
)


@pytest.fixture(autouse=True)
def types() -> Iterator[None]:
    for kind in (MAILED, OTHER, MUST):
        registry.register(kind)
    yield
    for kind in (MAILED, OTHER, MUST):
        registry._registry.pop(kind.key, None)


def _path(user: User, *keys: str) -> str:
    token = unsubscribe_token(user_id=user.pk, keys=list(keys))
    return f"/notifications/unsubscribe/{token}/"


def _channels(user: User) -> dict[str, str]:
    return dict(
        NotificationSetting.objects.filter(user=user).values_list("type", "channel")
    )


def test_link_uses_the_site_address(user: User, settings: Any) -> None:
    settings.SITE_URL = "https://allmende.example.org"
    url = unsubscribe_url(user_id=user.pk, keys=[MAILED.key])
    assert re.fullmatch(
        r"https://allmende\.example\.org/notifications/unsubscribe/[^/]+/", url
    )


def test_get_shows_what_would_change_and_changes_nothing(user: User) -> None:
    page = Client().get(_path(user, MAILED.key))
    assert page.status_code == 200
    text = page.content.decode()
    assert "Organization verified" in text
    assert "Stop these e-mails" in text
    assert '<form method="post"' in text
    assert _channels(user) == {}


def test_one_click_post_without_login_or_csrf_switches_off_that_type_only(
    user: User,
) -> None:
    client = Client(enforce_csrf_checks=True)
    response = client.post(
        _path(user, MAILED.key),
        "List-Unsubscribe=One-Click",
        content_type="application/x-www-form-urlencoded",
    )
    assert response.status_code == 200
    assert "no longer receive e-mails" in response.content.decode()
    assert _channels(user) == {MAILED.key: Channel.APP}
    entry = AuditLogEntry.objects.get(action="notifications.unsubscribed")
    assert entry.data == {"types": [MAILED.key]}


def test_link_changes_only_the_person_it_was_made_for(user: User) -> None:
    other = UserFactory()
    # Even posted by another person who is logged in.
    client_for(other).post(_path(user, MAILED.key))
    assert _channels(other) == {}
    assert _channels(user) == {MAILED.key: Channel.APP}


def test_digest_link_switches_off_every_type_it_names(user: User) -> None:
    NotificationSetting.objects.create(user=user, type=MAILED.key, channel="weekly")
    Client().post(_path(user, MAILED.key, OTHER.key))
    assert _channels(user) == {MAILED.key: Channel.APP, OTHER.key: Channel.APP}


def test_type_without_email_stays_as_it_is(user: User) -> None:
    NotificationSetting.objects.create(user=user, type=MAILED.key, channel="off")
    response = Client().post(_path(user, MAILED.key))
    assert response.status_code == 200
    assert _channels(user) == {MAILED.key: Channel.OFF}
    assert not AuditLogEntry.objects.filter(action="notifications.unsubscribed")


@pytest.mark.parametrize("method", ["get", "post"])
def test_forged_token_gets_a_clear_page_and_changes_nothing(
    user: User, method: str
) -> None:
    token = unsubscribe_token(user_id=user.pk, keys=[MAILED.key])
    forged = signing.dumps(
        {"u": user.pk, "t": [MAILED.key]}, salt="another salt", compress=True
    )
    for bad in (token[:-2] + "xx", forged, "nonsense"):
        response = getattr(Client(), method)(f"/notifications/unsubscribe/{bad}/")
        assert response.status_code == 400
        assert "not valid. Nothing was changed." in response.content.decode()
    assert _channels(user) == {}


def test_expired_token_gets_a_clear_page_and_changes_nothing(
    user: User, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = _path(user, MAILED.key)
    monkeypatch.setattr(unsubscribe, "MAX_AGE", timedelta(seconds=-1))
    response = Client().post(path)
    assert response.status_code == 400
    assert "has expired" in response.content.decode()
    assert _channels(user) == {}


def test_mandatory_type_cannot_be_switched_off(user: User) -> None:
    path = _path(user, MUST.key)
    page = Client().get(path).content.decode()
    assert "cannot be switched off" in page
    assert "Stop these e-mails" not in page
    assert "All notification settings" in page
    Client().post(path)
    assert _channels(user) == {}


def test_inactive_account_is_refused(user: User) -> None:
    path = _path(user, MAILED.key)
    User.objects.filter(pk=user.pk).update(is_active=False)
    assert Client().post(path).status_code == 400
    assert _channels(user) == {}


def test_page_is_german_for_german_readers(user: User) -> None:
    page = Client(HTTP_ACCEPT_LANGUAGE="de").get(_path(user, MAILED.key))
    assert "Diese E-Mails abbestellen" in page.content.decode()
