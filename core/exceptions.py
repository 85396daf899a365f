"""Business-rule errors raised by services; the API (and MCP) turn them into the error envelope."""

from __future__ import annotations


class DomainError(Exception):
    """A refused business action. `issues` are `(path, message)` pairs with camelCase paths."""

    status_code = 400

    def __init__(self, message: str, path: str = "", issues: list[tuple[str, str]] | None = None) -> None:
        super().__init__(message)
        self.issues = issues or [(path, message)]


class InvalidInputError(DomainError):
    status_code = 400


class StateConflictError(DomainError):
    """The object's current state does not allow the action (e.g. completing a cancelled job)."""

    status_code = 409
