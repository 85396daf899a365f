"""Request examples for search (see `core.api.examples`)."""

from __future__ import annotations

from core.api.examples import request_example

SEARCH = request_example("Heat pumps and their jobs", {"query": "heat pump", "types": ["asset", "job"], "limit": 10})
