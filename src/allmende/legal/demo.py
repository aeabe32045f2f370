"""Demo data of the legal pages: the template texts as their first version."""

from __future__ import annotations

import random
from typing import Any

from allmende.legal.services import legal_texts_create_defaults


def load_demo(*, rng: random.Random, stdout: Any) -> None:
    created = legal_texts_create_defaults()
    if created:
        stdout.write(
            f"Legal pages: {len(created)} template texts stored; replace them "
            "before going live."
        )
