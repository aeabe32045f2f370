"""Web addresses that are also valid IRIs (RFC 3987).

Django's URL validator lets characters through that RFC 3987 does not allow
in an IRI (``"``, ``<``, ``>``, ``{``, ``}``, ``|``, ``\\``, ``^``, the
backtick, spaces and control characters). Such an address breaks every RDF
serialization it appears in (DCAT, Turtle), so it is refused where addresses
enter, and skipped where a stored one is written out.
"""

from __future__ import annotations

import re
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

# Characters RFC 3987 allows nowhere in an IRI: controls, space, the
# delimiters "<>", the "unwise" characters, and C1 controls.
_NOT_IN_IRI = re.compile(r'[\x00-\x20"<>\\^`{|}\x7f-\x9f\s]')


def is_iri(value: str) -> bool:
    return _NOT_IN_IRI.search(value) is None


def validate_iri(value: str) -> None:
    match = _NOT_IN_IRI.search(value)
    if match is not None:
        character = match.group()
        shown = (
            character
            if character.isprintable() and not character.isspace()
            else repr(character)
        )
        raise ValidationError(
            _(
                "Web addresses cannot contain “%(character)s”; please write it "
                "encoded (for example %%22 for a quotation mark)."
            ),
            code="invalid_iri",
            params={"character": shown},
        )


class IRIFormField(forms.URLField):
    """A form's web address field that also refuses what no IRI contains."""

    default_validators = [*forms.URLField.default_validators, validate_iri]


class IRIField(models.URLField):
    """A web address stored in a model that is also a valid IRI."""

    default_validators = [*models.URLField.default_validators, validate_iri]

    def formfield(self, **kwargs: Any) -> Any:
        return super().formfield(**{"form_class": IRIFormField, **kwargs})
