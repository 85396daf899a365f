"""A database that goes away mid-request (as in a PostgreSQL restart): a 503 in the envelope, never a 500.

Found by `make reliability`: a POST with an `Idempotency-Key` whose action failed with the database
down answered 500, because freeing the key afterwards needed the database too.
"""

from __future__ import annotations

from typing import Any
from unittest import mock

from django.db import OperationalError

from core.models import IdempotencyRecord
from tests.conftest import World
from tests.factories import JobTypeFactory


def test_an_idempotent_post_during_an_outage_is_503_not_500(world: World, caplog: Any) -> None:
    JobTypeFactory(team=world.a.team, key="visit")
    down = OperationalError("the database system is shutting down")
    with (
        mock.patch("jobs.api.views.JobViewSet.create", side_effect=down),
        mock.patch.object(IdempotencyRecord, "delete", side_effect=down),
    ):
        response = world.api.post("/v1/jobs", {"jobType": "visit"}, headers={"Idempotency-Key": "during-outage"})
    assert response.status_code == 503, response
    assert response.json["error"]["name"] == "ServiceUnavailableError"
    assert int(response.headers["Retry-After"]) > 0
    assert not IdempotencyRecord.objects.filter(key="during-outage").exists(), "the claim rolled back with it"


def test_after_the_outage_a_retry_with_the_same_key_runs(world: World) -> None:
    JobTypeFactory(team=world.a.team, key="visit")
    headers = {"Idempotency-Key": "retry-after-outage"}
    with mock.patch("jobs.api.views.JobViewSet.create", side_effect=OperationalError("connection refused")):
        assert world.api.post("/v1/jobs", {"jobType": "visit"}, headers=headers).status_code == 503
    retried = world.api.post("/v1/jobs", {"jobType": "visit"}, headers=headers)
    assert retried.status_code == 201, "the failed first attempt freed the key"
    assert "Idempotent-Replayed" not in retried.headers
