"""Optional per-app modules that shared code calls.

An app may provide, for example, ``demo.py`` (demo data) or ``privacy.py``
(personal data export and clean-up before an account is deleted). Shared code
finds them here instead of importing every app by name.
"""

from __future__ import annotations

from collections.abc import Iterator
from importlib import import_module
from types import ModuleType

from django.apps import apps


def app_modules(name: str) -> Iterator[tuple[str, ModuleType]]:
    """Each Allmende app's module ``name``, with the app's label, if it has one."""
    for config in apps.get_app_configs():
        if not config.name.startswith("allmende."):
            continue
        try:
            module = import_module(f"{config.name}.{name}")
        except ModuleNotFoundError as exc:
            if exc.name != f"{config.name}.{name}":
                raise
            continue
        yield config.label, module
