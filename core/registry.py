"""The API's view of an object, by model: the selector that reads it and the serializer that shows it.

Each app fills this in its `AppConfig.ready()`; `core` only holds it (it imports no domain app).
Whatever needs "the object as `GET /v1/<resource>/{id}` shows it" outside a request — webhook
payloads, MCP — asks here instead of running a view: no fake requests, no view imported by a service.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from django.db import models
from rest_framework.serializers import BaseSerializer

from accounts.models import Team
from core.models import for_team

Selector = Callable[..., models.QuerySet[Any]]  # called as selector(team=team)
# Called as reader(team=team, objs=objs): the representation of each of `objs` (the team's, just
# written) by primary key, as `serializer` shows it; a key left out is not a row of the team.
Reader = Callable[..., Mapping[Any, dict[str, Any]]]


@dataclass(frozen=True)
class Resource:
    """How one model is read (`selector(team=…)`, rows loaded for the serializer) and serialized."""

    label: str
    selector: Selector
    serializer: type[BaseSerializer[Any]]
    # Extra serializer context one object needs (an asset's job summary), computed for that object.
    context: Callable[[Any], Mapping[str, Any]] | None = None
    # Shows objects just written as `serializer` does, its own way (a model whose detail endpoint
    # builds its answer without the serializer): `read_written` takes the representations from it,
    # keys camelCase or snake_case (the renderer and `core.wire.to_wire` camelize either).
    reader: Reader | None = None

    def get(self, *, team: Team, pk: Any) -> Any:
        """The team's object `pk`, read as the API reads it (`LookupError` when the team has no such row)."""
        found = for_team(self.selector(team=team), team).filter(pk=pk).first()
        if found is None:
            raise LookupError(f"{self.label} {pk} is not a row of team {team.pk}.")
        return found

    def serialize(self, *, team: Team, obj: Any) -> dict[str, Any]:
        """`obj` (as `get` read it) through the output serializer, snake_case, as the view hands it to the renderer."""
        context: dict[str, Any] = {"team": team}
        if self.context is not None:
            context.update(self.context(obj))
        return dict(self.serializer(obj, context=context).data)

    def read(self, *, team: Team, pk: Any) -> dict[str, Any]:
        """The team's object `pk`, read now and serialized."""
        return self.serialize(team=team, obj=self.get(team=team, pk=pk))

    def read_written(self, *, team: Team, objs: Sequence[models.Model]) -> list[dict[str, Any]]:
        """`objs` (the team's, just written) read now and serialized, each kept on its instance for
        `written_representation`.

        A write records its event last, after every change to the object, so this is the object as
        the write leaves it: the view answering the write reuses it instead of reading the row again.
        Many objects are read together: a query per relation for all of them, not per object.
        """
        if self.reader is not None:
            shown = self.reader(team=team, objs=list(objs))
            return [_kept_on(obj, self._found(shown, obj, team)) for obj in objs]
        loaded = {found.pk: found for found in for_team(self.selector(team=team), team).filter(
            pk__in=[obj.pk for obj in objs])}  # fmt: skip
        return [_kept_on(obj, self.serialize(team=team, obj=self._found(loaded, obj, team))) for obj in objs]

    def _found(self, found: Mapping[Any, Any], obj: models.Model, team: Team) -> Any:
        if obj.pk not in found:
            raise LookupError(f"{self.label} {obj.pk} is not a row of team {team.pk}.")
        return found[obj.pk]


# Where `read_written` keeps the representation on the instance (not a model field; never saved).
_WRITTEN = "_registry_written_representation"


def _kept_on(obj: models.Model, data: dict[str, Any]) -> dict[str, Any]:
    obj.__dict__[_WRITTEN] = data
    return data


def written_representation(obj: models.Model) -> dict[str, Any] | None:
    """The representation `read_written` kept on `obj` (taken from it: one use), or None if none was."""
    data: dict[str, Any] | None = obj.__dict__.pop(_WRITTEN, None)
    return data


_resources: dict[str, Resource] = {}


def register(
    model: type[models.Model],
    *,
    selector: Selector,
    serializer: type[BaseSerializer[Any]],
    context: Callable[[Any], Mapping[str, Any]] | None = None,
    reader: Reader | None = None,
) -> None:
    """Declare how `model` is read and shown by the API (once per model, from its app's `ready()`)."""
    label = model._meta.label_lower
    _resources[label] = Resource(label, selector, serializer, context, reader)


def resource_for(model: type[models.Model] | models.Model | str) -> Resource:
    """The registered resource of a model, an instance of it, or its label (`LookupError` if none)."""
    label = model if isinstance(model, str) else model._meta.label_lower
    try:
        return _resources[label.lower()]
    except KeyError:
        raise LookupError(f"No API representation is registered for {label}.") from None


def registered_labels() -> list[str]:
    return sorted(_resources)
