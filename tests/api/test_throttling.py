"""Per-token rate limits: headers on every answer, 429 with Retry-After past the limit."""

from __future__ import annotations

from django.test import override_settings

from tests.conftest import World


@override_settings(API_RATE_LIMIT="3/min")
def test_over_the_limit_is_429_with_retry_after(world: World) -> None:
    answers = [world.api.get("/v1/jobs") for _ in range(4)]
    assert [a.status_code for a in answers] == [200, 200, 200, 429]
    assert [a.headers["RateLimit-Remaining"] for a in answers[:3]] == ["2", "1", "0"]
    limited = answers[-1]
    assert limited.json["error"]["name"] == "RateLimitError"
    assert 1 <= int(limited.headers["Retry-After"]) <= 60
    assert limited.headers["RateLimit-Limit"] == "3"


@override_settings(API_RATE_LIMIT="2/min")
def test_limits_are_per_token(world: World) -> None:
    for _ in range(2):
        world.api.get("/v1/jobs")
    assert world.api.get("/v1/jobs").status_code == 429
    assert world.api_with(["jobs.read"]).get("/v1/jobs").status_code == 200
