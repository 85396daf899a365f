"""The `data.object` of an event: exactly the JSON `GET /v1/<resource>/{id}` returns for the object.

The object is read with its app's selector and shown by its output serializer, both looked up in the
resource registry (`core.registry`) the apps fill, then put on the wire as the renderer does
(`core.wire.to_wire`: camelCase, `null` for no value), so a webhook
never drifts from the REST API and building one runs no view. Links the API makes absolute stay
relative to the API's origin here (there is no request host to build them from).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.db import models

from accounts.models import Team
from core import registry
from core.wire import to_wire


def object_jsons(team: Team, objs: Sequence[models.Model]) -> list[Any]:
    """`objs` (of one model) as their retrieve endpoint renders them (camelCase, JSON-ready), read now
    and together, in the caller's transaction."""
    return [to_wire(data) for data in registry.resource_for(objs[0]).read_written(team=team, objs=objs)]


def object_json(team: Team, obj: models.Model) -> Any:
    """`obj` as its retrieve endpoint renders it (camelCase, JSON-ready), read now, in the caller's transaction."""
    return object_jsons(team, [obj])[0]
