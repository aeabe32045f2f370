"""Licences of tools as SPDX expressions, checked against the SPDX licence list.

The list is the one bundled with ``license-expression`` (maintained by the
AboutCode project together with the ScanCode licence database, updated with
every SPDX release): an identifier that is not on it is refused, deprecated
identifiers are normalized (``GPL-2.0+`` becomes ``GPL-2.0-or-later``,
``mit`` becomes ``MIT``), and expressions such as ``MIT OR Apache-2.0`` are
accepted. ``LicenseRef-`` identifiers (licences outside the SPDX list) are
refused, as the directory only lists tools under a licence on that list.

The licence family (permissive, copyleft, weak copyleft) comes from the
category the same database gives every licence.
"""

from __future__ import annotations

import functools
import json
from pathlib import Path

import license_expression
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

MAX_EXPRESSION_CHARS = 200


class LicenceFamily(models.TextChoices):
    PERMISSIVE = "permissive", _("Permissive")
    COPYLEFT = "copyleft", _("Copyleft")
    WEAK_COPYLEFT = "weak_copyleft", _("Weak copyleft")
    PUBLIC_DOMAIN = "public_domain", _("Public domain")
    MIXED = "mixed", _("Several licences")
    OTHER = "other", _("Other")


_FAMILIES = {
    "Permissive": LicenceFamily.PERMISSIVE,
    "Copyleft": LicenceFamily.COPYLEFT,
    "Copyleft Limited": LicenceFamily.WEAK_COPYLEFT,
    "Public Domain": LicenceFamily.PUBLIC_DOMAIN,
}


@functools.cache
def _licensing() -> license_expression.Licensing:
    return license_expression.get_spdx_licensing()


@functools.cache
def _categories() -> dict[str, str]:
    """The ScanCode category of every SPDX identifier (current and old);
    exceptions (used with WITH) have the category ``exception``."""
    index = (
        Path(license_expression.__file__).parent
        / "data"
        / "scancode-licensedb-index.json"
    )
    categories: dict[str, str] = {}
    for entry in json.loads(index.read_text(encoding="utf-8")):
        for key in [entry.get("spdx_license_key"), *entry["other_spdx_license_keys"]]:
            if key:
                category = "exception" if entry["is_exception"] else entry["category"]
                categories.setdefault(key, category or "")
    return categories


def normalize_licence(expression: str) -> str:
    """The SPDX expression in its normal form; a :class:`ValidationError` for
    anything that is not a valid expression of identifiers on the SPDX list."""
    text = " ".join(expression.split())
    if not text:
        raise ValidationError(_("Please give the licence."), code="required")
    if len(text) > MAX_EXPRESSION_CHARS:
        raise ValidationError(
            _("A licence expression has at most %(limit)d characters."),
            code="too_long",
            params={"limit": MAX_EXPRESSION_CHARS},
        )
    try:
        info = _licensing().validate(text, strict=True)
    except (license_expression.ExpressionError, AttributeError):
        # license-expression raises AttributeError for some malformed
        # expressions (a dangling AND) while building its own message.
        info = None
    if info is None or (info.errors and not info.invalid_symbols):
        raise ValidationError(
            _(
                "“%(value)s” is not a valid SPDX licence expression. Use an "
                "identifier such as AGPL-3.0-or-later or MIT, or combine them "
                "with AND, OR and WITH."
            ),
            code="invalid_expression",
            params={"value": text},
        )
    unknown = list(info.invalid_symbols) + [
        key
        for key in _licensing().license_keys(info.normalized_expression or "")
        if key.startswith("LicenseRef-")
    ]
    if unknown:
        raise ValidationError(
            _(
                "“%(value)s” is not on the SPDX licence list. Use the identifier "
                "from spdx.org/licenses, for example AGPL-3.0-or-later or MIT."
            ),
            code="unknown_licence",
            params={"value": ", ".join(unknown)},
        )
    return str(info.normalized_expression)


def validate_licence(expression: str) -> None:
    normalize_licence(expression)


def licence_family(expression: str) -> str:
    """The family of a normalized expression: the family its licences share,
    :attr:`LicenceFamily.MIXED` when they differ."""
    keys = _licensing().license_keys(expression)
    families = set()
    for key in keys:
        category = _categories().get(key, "")
        if category == "exception":
            continue  # an exception (WITH …) does not change the family
        families.add(_FAMILIES.get(category, LicenceFamily.OTHER))
    if not families:
        return LicenceFamily.OTHER
    if len(families) > 1:
        return LicenceFamily.MIXED
    return families.pop()


def licence_keys(expression: str) -> list[str]:
    """The SPDX identifiers of an expression, each once, in order."""
    if not expression:
        return []
    return list(_licensing().license_keys(expression))
