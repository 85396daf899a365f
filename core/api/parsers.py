"""camelCase JSON in; a body that is not a JSON object or array is still parsed and validated later.

Refused here with a 400, because nothing downstream can hold them: JSON nested deeper than
`MAX_JSON_DEPTH` (a recursion bomb for every walker after the parser), `NaN`/`Infinity` (not JSON,
and PostgreSQL's jsonb refuses them), and NUL characters or unpaired surrogates in any string or
key (PostgreSQL text and jsonb cannot store them).
"""

from __future__ import annotations

import json
from typing import Any

from django.conf import settings
from djangorestframework_camel_case.parser import CamelCaseJSONParser as _CamelCaseJSONParser
from djangorestframework_camel_case.util import underscoreize
from rest_framework.exceptions import ParseError

MAX_JSON_DEPTH = 64


def _refuse_constant(name: str) -> Any:
    raise ValueError(f"{name} is not valid JSON")


def _unstorable(text: str) -> bool:
    if "\x00" in text:
        return True
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:  # an unpaired surrogate (\ud800 … \udfff)
        return True
    return False


def check_storable(data: Any) -> None:
    """Raise `ParseError` for nesting deeper than `MAX_JSON_DEPTH` or a string PostgreSQL cannot store."""
    stack: list[tuple[Any, int]] = [(data, 1)]
    while stack:
        value, depth = stack.pop()
        if isinstance(value, dict | list):
            if depth > MAX_JSON_DEPTH:
                raise ParseError(f"JSON is nested deeper than {MAX_JSON_DEPTH} levels.")
            items = value.items() if isinstance(value, dict) else enumerate(value)
            for key, item in items:
                if isinstance(key, str) and _unstorable(key):
                    raise ParseError("JSON keys may not contain NUL characters or unpaired surrogates.")
                stack.append((item, depth + 1))
        elif isinstance(value, str) and _unstorable(value):
            raise ParseError("Strings may not contain NUL characters or unpaired surrogates.")


class CamelCaseJSONParser(_CamelCaseJSONParser):
    media_type = "application/json"

    def parse(self, stream: Any, media_type: str | None = None, parser_context: dict[str, Any] | None = None) -> Any:
        encoding = (parser_context or {}).get("encoding", settings.DEFAULT_CHARSET)
        try:
            data = json.loads(stream.read().decode(encoding), parse_constant=_refuse_constant)
        except ValueError as exc:  # includes UnicodeDecodeError
            raise ParseError(f"JSON parse error - {exc}") from None
        except RecursionError:
            raise ParseError(f"JSON is nested deeper than {MAX_JSON_DEPTH} levels.") from None
        check_storable(data)
        return underscoreize(data, **self.json_underscoreize)
