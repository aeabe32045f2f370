"""The settings page: a channel per type, mandatory types, quiet hours."""

from __future__ import annotations

from datetime import time

import pytest
from django.test import Client

from allmende.accounts.models import User
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
