"""Personal data of the legal pages: accepted privacy notice, feedback sent."""

from __future__ import annotations

from typing import Any

from allmende.accounts.models import User
from allmende.legal.models import AccessibilityFeedback


def export_personal_data(*, user: User) -> dict[str, Any]:
    accepted = user.privacy_notice_accepted_at
    return {
        "privacy_notice_version": user.privacy_notice_version,
        "privacy_notice_accepted_at": accepted.isoformat() if accepted else None,
        "accessibility_feedback": [
            {
                "sent_at": f.created_at.isoformat(),
                "page": f.page_url,
                "message": f.message,
            }
            for f in AccessibilityFeedback.objects.filter(user=user)
        ],
    }


def before_account_deletion(*, user: User) -> None:
    """Keep reported barriers, but no longer say who reported them."""
    AccessibilityFeedback.objects.filter(user=user).update(name="", email="")
