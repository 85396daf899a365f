"""What the apps' starter catalogues share (`jobs/starter.py`, `assets/starter.py`): the JSON Schema
shorthand their entries are written in, and the idempotent seeding by key."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from typing import Any, Protocol, TypeVar


class Keyed(Protocol):
    @property
    def key(self) -> str: ...


Starter = TypeVar("Starter", bound=Keyed)
Row = TypeVar("Row", bound=Keyed)


def object_schema(required: tuple[str, ...] = (), **properties: dict[str, Any]) -> dict[str, Any]:
    """`{"type": "object", "properties": …}` (with `required` when some are)."""
    schema: dict[str, Any] = {"type": "object", "properties": properties}
    if required:
        schema["required"] = list(required)
    return schema


def seed_by_key(
    *, existing: Iterable[Row], catalogue: Sequence[Starter], create: Callable[[Starter], Row]
) -> list[Row]:
    """The team's row for each starter, creating (through `create`, a service) only those it lacks by key.

    Idempotent: a row the team already has, changed or not, is left as it is.
    """
    rows = {row.key: row for row in existing}
    for starter in catalogue:
        if starter.key not in rows:
            rows[starter.key] = create(starter)
    return [rows[starter.key] for starter in catalogue]
