"""CKAN's error types, each with its HTTP status and ``__type``.

Clients such as ``ckanapi`` turn ``__type`` back into an exception class, so
the names must be exactly CKAN's.
"""

from __future__ import annotations

from typing import Any


class ActionError(Exception):
    status = 500
    type_name = "Internal Server Error"

    def __init__(self, message: str = "") -> None:
        super().__init__(message)
        self.message = message

    def body(self) -> dict[str, Any]:
        return {"__type": self.type_name, "message": self.message}


class BadRequest(ActionError):
    """A request CKAN's dispatcher refuses before any action runs."""

    status = 400
    type_name = "Bad request"

    def body(self) -> dict[str, Any]:
        return {"__type": self.type_name, "message": f"Bad request - {self.message}"}


class NotAuthorized(ActionError):
    status = 403
    type_name = "Authorization Error"

    def body(self) -> dict[str, Any]:
        return {
            "__type": self.type_name,
            "message": f"Access denied: {self.message}" if self.message else "",
        }


class NotFound(ActionError):
    status = 404
    type_name = "Not Found Error"

    def body(self) -> dict[str, Any]:
        return {"__type": self.type_name, "message": f"Not found: {self.message}"}


class ValidationFailed(ActionError):
    """Per-field messages: ``{"name": ["That URL is already in use."]}``."""

    status = 409
    type_name = "Validation Error"

    def __init__(self, errors: dict[str, Any]) -> None:
        super().__init__("; ".join(f"{key}: {value}" for key, value in errors.items()))
        self.errors = errors

    def body(self) -> dict[str, Any]:
        return {"__type": self.type_name, **self.errors}


class TooManyRequests(ActionError):
    """More requests of one client at once than it may send."""

    status = 429
    type_name = "Too Many Requests"


class Unavailable(ActionError):
    """The server is too busy to answer now."""

    status = 503
    type_name = "Service Unavailable"


class SearchQueryError(ActionError):
    status = 409
    type_name = "Search Query Error"

    def body(self) -> dict[str, Any]:
        return {
            "__type": self.type_name,
            "message": f"Search Query is invalid: {self.message}",
        }
