"""Schemathesis fuzzes every /v1 operation in-process against the published OpenAPI schema.

Bounded for CI (`FUZZ_EXAMPLES`, default 12 per operation); a nightly run sets e.g.
`FUZZ_EXAMPLES=500`. Checks: no 5xx, documented status codes, headers and bodies that match the
schema, and negative (schema-violating) data rejected with a 4xx.
"""

from __future__ import annotations

import os
from typing import Any

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from hypothesis import HealthCheck, settings
from schemathesis.specs.openapi.checks import positive_data_acceptance

from config.wsgi import application
from tests.conftest import World

EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "12"))

schema = schemathesis.openapi.from_wsgi("/v1/openapi.json", application)


@pytest.fixture
def fuzz_token(world: World) -> Any:
    # Requests go through the real WSGI handler; like Django's test client, keep the test's
    # connection (and its transaction) open across them.
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        yield world.a.token
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


@schema.parametrize()
@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True)
@pytest.mark.django_db
def test_operation_conforms(case: Any, fuzz_token: str) -> None:
    # Schema-valid data can still break business rules (an id that does not exist, jobTypeId and
    # jobType together), so acceptance of positive data is not required; everything else is checked.
    case.call_and_validate(
        headers={"Authorization": f"Bearer {fuzz_token}"}, excluded_checks=[positive_data_acceptance]
    )
