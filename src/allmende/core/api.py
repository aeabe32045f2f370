"""What the JSON APIs share: the bounds of their parameters and error answers.

A parameter is checked where it enters, against the range the database and
the dataset engine can hold, so that a huge number or a stray NUL character
is answered with 422 and a message, never with a server error. The ranges are
part of the OpenAPI document, so clients (and the schema tests) can see them.
"""

from __future__ import annotations

from typing import Annotated, Any

from ninja import Field, Schema
from ninja.pagination import LimitOffsetPagination
from ninja.params.functions import Path

# Primary keys are 64-bit integers in every supported database.
MAX_ID = 2**63 - 1
# The most items one page of a list answers.
MAX_LIMIT = 1000
DEFAULT_LIMIT = 100
# Far beyond any list; a larger offset would overflow a 32-bit OFFSET.
MAX_OFFSET = 2**31 - 1
# PostgreSQL refuses NUL in text; no legitimate parameter contains one.
NO_NUL = r"^[^\x00]*$"

# Text in a query string or path: anything but NUL.
Text = Annotated[str, Field(pattern=NO_NUL)]
# A database id in the path.
PathId = Annotated[int, Path(ge=1, le=MAX_ID)]
# A slug in the path (a dataset's, an event's, an organization's).
PathSlug = Annotated[str, Path(pattern=NO_NUL)]


def id_from_text(text: str) -> int | None:
    """The id written in ``text`` (ASCII digits, 1 to ``MAX_ID``), else ``None``."""
    digits = text.lstrip("0")
    if not (text.isascii() and text.isdigit()) or len(digits) > 19:
        return None
    number = int(digits or "0")
    return number if 1 <= number <= MAX_ID else None


def contains_nul(value: Any) -> bool:
    """Whether a text anywhere in ``value`` (lists and dicts, keys too) has NUL."""
    pending = [value]
    while pending:
        item = pending.pop()
        if isinstance(item, str):
            if "\x00" in item:
                return True
        elif isinstance(item, dict):
            pending.extend(item.keys())
            pending.extend(item.values())
        elif isinstance(item, list | tuple):
            pending.extend(item)
    return False


class LimitOffset(LimitOffsetPagination):
    """Django Ninja's limit and offset pagination with bounded parameters."""

    class Input(Schema):
        limit: int = Field(DEFAULT_LIMIT, ge=1, le=MAX_LIMIT)
        offset: int = Field(0, ge=0, le=MAX_OFFSET)

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(max_limit=MAX_LIMIT, **kwargs)


class MessageOut(Schema):
    """Django Ninja's answer to a missing object or a refused token."""

    detail: str


class ValidationErrorOut(Schema):
    """Django Ninja's answer to a parameter outside its type or range (422)."""

    detail: list[dict[str, Any]]


# The answers every operation that takes parameters may give besides its own.
NOT_FOUND = {404: MessageOut}
UNAUTHORIZED = {401: MessageOut}
INVALID = {422: ValidationErrorOut}
