"""The settings page: a channel per type, mandatory types, quiet hours."""

from __future__ import annotations

import threading
from datetime import time
from time import monotonic
from typing import Any

import pytest
from django.db import connection
from django.test import Client

from allmende.accounts.models import User
from allmende.notifications import services
from allmende.notifications.models import NotificationPreferences, NotificationSetting
from allmende.notifications.registry import NotificationType
from allmende.notifications.selectors import notification_choices
from allmende.notifications.services import notification_settings_save
from tests.accounts.factories import UserFactory
from tests.conftest import client_for

pytestmark = pytest.mark.django_db

URL = "/notifications/settings/"
Types = tuple[NotificationType, NotificationType]


def _post(kinds: Types, **values: str) -> dict[str, str]:
    kind, mandatory = kinds
    data = {
        f"channel-{kind.key}": "app",
        f"channel-{mandatory.key}": "immediate",
        "quiet_from": "",
        "quiet_until": "",
    }
    data.update(values)
    return data


def test_anonymous_visitors_are_sent_to_log_in() -> None:
    for response in (Client().get(URL), Client().post(URL, {})):
        assert response.status_code == 302
        assert response["Location"].startswith("/accounts/login/")


def test_a_person_without_settings_sees_every_type_with_its_default(
    user: User, test_types: Types
) -> None:
    kind, mandatory = test_types
    html = client_for(user).get(URL).content.decode()
    assert str(kind.description) in html
    assert "<h2" in html and str(kind.module) in html
    assert f'name="channel-{kind.key}" value="app"' in html
    checked = f'name="channel-{kind.key}" value="app" id="id_channel-{kind.key}_1"'
    assert f"{checked} checked" in html or 'value="app" checked' in html
    # A mandatory type offers only the e-mail channels and says why.
    assert f'name="channel-{mandatory.key}" value="off"' not in html
    assert f'name="channel-{mandatory.key}" value="app"' not in html
    assert f'name="channel-{mandatory.key}" value="daily"' in html
    assert "it always reaches you by e-mail; you may choose when." in html
    assert (
        'href="/notifications/settings/"'
        in client_for(user).get("/notifications/").content.decode()
    )
    assert (
        'href="/notifications/settings/"'
        in client_for(user).get("/me/").content.decode()
    )


def test_saving_keeps_only_what_differs_from_the_default(
    user: User, test_types: Types
) -> None:
    kind, mandatory = test_types
    client = client_for(user)
    response = client.post(
        URL,
        _post(
            test_types,
            **{f"channel-{kind.key}": "off", f"channel-{mandatory.key}": "weekly"},
            quiet_from="22:00",
            quiet_until="07:00",
        ),
    )
    assert response.status_code == 302
    assert dict(
        NotificationSetting.objects.filter(user=user).values_list("type", "channel")
    ) == {kind.key: "off", mandatory.key: "weekly"}
    preferences = NotificationPreferences.objects.get(user=user)
    assert (preferences.quiet_from, preferences.quiet_until) == (time(22), time(7))
    assert "have been saved" in client.get(URL).content.decode()

    client.post(URL, _post(test_types))
    assert not NotificationSetting.objects.filter(user=user).exists()
    assert not NotificationPreferences.objects.filter(user=user).exists()


def test_a_mandatory_type_cannot_be_switched_off(user: User, test_types: Types) -> None:
    _kind, mandatory = test_types
    response = client_for(user).post(
        URL, _post(test_types, **{f"channel-{mandatory.key}": "off"})
    )
    assert response.status_code == 200
    assert "Select a valid choice" in response.content.decode()
    assert not NotificationSetting.objects.filter(user=user).exists()
    with pytest.raises(Exception, match="not available"):
        notification_settings_save(
            actor=user,
            channels={mandatory.key: "off"},
            quiet_from=None,
            quiet_until=None,
        )


def test_quiet_hours_need_both_ends(user: User, test_types: Types) -> None:
    response = client_for(user).post(URL, _post(test_types, quiet_from="22:00"))
    assert response.status_code == 200
    assert "Give both the start and the end" in response.content.decode()
    assert not NotificationPreferences.objects.filter(user=user).exists()


def test_settings_are_a_persons_own(user: User, test_types: Types) -> None:
    kind, _mandatory = test_types
    other = client_for(None)
    someone = UserFactory()
    client_for(someone).post(URL, _post(test_types, **{f"channel-{kind.key}": "off"}))
    assert notification_choices(user=user).channels[kind.key] == "app"
    assert notification_choices(user=someone).channels[kind.key] == "off"
    assert other.get(URL).status_code == 302


def test_settings_page_speaks_german(user: User, test_types: Types) -> None:
    html = client_for(user).get(URL, headers={"accept-language": "de"}).content.decode()
    assert "Ruhezeiten" in html
    assert "erreicht Sie deshalb immer per E-Mail" in html


@pytest.mark.django_db(transaction=True)
def test_the_same_settings_saved_twice_at_once_both_succeed(
    test_types: Types, monkeypatch: pytest.MonkeyPatch
) -> None:
    if connection.vendor != "postgresql":
        pytest.skip("needs a real PostgreSQL server (set DATABASE_URL)")
    kind, _mandatory = test_types
    person = UserFactory()
    entered, release = threading.Event(), threading.Event()
    unmail = services.notifications_unmail

    def held(**kwargs: Any) -> int:
        # The first save waits before committing, holding its new row.
        if threading.current_thread().name == "first":
            entered.set()
            release.wait(timeout=30)
        return unmail(**kwargs)

    monkeypatch.setattr(services, "notifications_unmail", held)
    errors: list[BaseException] = []

    def save() -> None:
        try:
            notification_settings_save(
                actor=person,
                channels={kind.key: "daily"},
                quiet_from=time(22),
                quiet_until=time(7),
            )
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)
        finally:
            connection.close()

    first = threading.Thread(target=save, name="first")
    second = threading.Thread(target=save, name="second")
    first.start()
    assert entered.wait(timeout=30)
    second.start()
    # Let the first commit once the second waits for its row.
    deadline = monotonic() + 30
    with connection.cursor() as cursor:
        while monotonic() < deadline:
            cursor.execute(
                "SELECT count(*) FROM pg_stat_activity"
                " WHERE datname = current_database() AND wait_event_type = 'Lock'"
            )
            if cursor.fetchone()[0]:
                break
    release.set()
    first.join(timeout=60)
    second.join(timeout=60)
    assert errors == []
    assert list(
        NotificationSetting.objects.filter(user=person).values_list("type", "channel")
    ) == [(kind.key, "daily")]
    assert NotificationPreferences.objects.get(user=person).quiet_from == time(22)
