from __future__ import annotations

from collections.abc import Iterator

import pytest
from django.utils.translation import gettext_lazy as _

from allmende.notifications import registry
from allmende.notifications.registry import Channel, NotificationType

TEST_TYPE = NotificationType(
    key="tests.something_happened",
    module=_("Organizations"),
    label=_("Organization verified"),
    description=_("When staff verify an organization you administer."),
    message="%(organization)s changed",
    default=Channel.APP,
)
MANDATORY_TYPE = NotificationType(
    key="tests.must_reach",
    module=_("Organizations"),
    label=_("Organization verified"),
    description=_("When staff verify an organization you administer."),
    message="About %(object)s",
    default=Channel.IMMEDIATE,
    mandatory=True,
)


@pytest.fixture
def test_types() -> Iterator[tuple[NotificationType, NotificationType]]:
    """Two types only the tests know, removed from the registry afterwards."""
    for kind in (TEST_TYPE, MANDATORY_TYPE):
        registry.register(kind)
    yield TEST_TYPE, MANDATORY_TYPE
    for kind in (TEST_TYPE, MANDATORY_TYPE):
        registry._registry.pop(kind.key, None)
