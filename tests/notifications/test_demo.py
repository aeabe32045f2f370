"""The demo fills the inboxes through the real services."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command

from allmende.accounts.models import User
from allmende.notifications.models import Notification

# Real commits: notifications are written after them.
pytestmark = pytest.mark.django_db(transaction=True)


def test_demo_gives_the_staff_and_a_member_read_and_unread_notifications() -> None:
    call_command("demo", "--organizations", "4", "--people", "30", stdout=io.StringIO())
    admin = User.objects.get(username="admin")
    inbox = Notification.objects.filter(recipient=admin)
    assert set(inbox.values_list("type", flat=True)) >= {
        "organizations.verification_requested",
        "events.proposal_submitted",
        "events.registration_confirmed",
        "events.registration_waiting",
    }
    assert inbox.filter(read_at__isnull=True).exists()
    assert inbox.filter(read_at__isnull=False).exists()
    verified = Notification.objects.get(type="organizations.verified")
    assert not verified.recipient.is_staff
    assert verified.read_at is None
