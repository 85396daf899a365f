"""Request examples: a realistic body on every POST, for Swagger's "Try it out" and generated clients.

Each app keeps its bodies in `api/examples.py` and puts them on its views with
`with_request_examples(create=..., assign=...)`. A body works against the demo data and the starter
catalogue (`createteam --starter`): job and asset types by key, never an invented id. Where an id
is unavoidable, the example's description says which list to take it from. `tests/api/test_examples.py`
checks that every POST has one and that each matches its request schema.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar, cast

from drf_spectacular.utils import OpenApiExample, extend_schema, extend_schema_view

_View = TypeVar("_View")

# Where an id comes from, for the descriptions of examples that need one.
TAKE_ID_FROM = "Replace `{field}` with an id from {source}."


def request_example(summary: str, value: Any, description: str = "") -> OpenApiExample:
    """One example request body (never shown as a response)."""
    return OpenApiExample(summary, value=value, description=description, request_only=True)


def ids_from(**sources: str) -> str:
    """The description of an example whose ids must be replaced: `ids_from(siteId="`GET /v1/sites`")`."""
    return " ".join(TAKE_ID_FROM.format(field=field, source=source) for field, source in sources.items())


# An id in the shape of a real one, for examples whose description says where to take the real one.
PLACEHOLDER_ID = "00000000-0000-4000-8000-000000000000"


def with_request_examples(**by_action: OpenApiExample) -> Callable[[_View], _View]:
    """A view decorator: the request example of each action (a viewset's action, a plain view's `post`)."""
    decorator = extend_schema_view(**{name: extend_schema(examples=[example]) for name, example in by_action.items()})
    return cast(Callable[[_View], _View], decorator)
