"""Redis as the rate-limit store, and fail-fast 503 when the database is unreachable."""

from __future__ import annotations

from typing import Any
from unittest import mock

from django.db import OperationalError
from django.test import override_settings

from tests.conftest import World

REDIS = {
    "default": {
        "BACKEND": "django_redis.cache.RedisCache",
        "LOCATION": "redis://127.0.0.1:6379/15",
        "KEY_PREFIX": "test-throttle",
    }
}


@override_settings(CACHES=REDIS, API_RATE_LIMIT="2/min")
def test_rate_limit_counts_in_redis(world: World) -> None:
    from django.core.cache import cache

    cache.clear()
    try:
        codes = [world.api.get("/v1/jobs").status_code for _ in range(3)]
        assert codes == [200, 200, 429]
        assert any(key.startswith("ratelimit:") for key in cache.keys("ratelimit:*"))
    finally:
        cache.clear()


def test_database_outage_is_503_with_retry_after(world: World, caplog: Any) -> None:
    from jobs.api.views import JobViewSet

    # The page's read, on both the lean dispatch and DRF's (core/api/lean.py).
    assert JobViewSet.hot_list is not None
    with mock.patch.object(JobViewSet.hot_list, "rows", side_effect=OperationalError("connection refused")):
        response = world.api.get("/v1/jobs")
    assert response.status_code == 503
    assert response.json["error"]["name"] == "ServiceUnavailableError"
    assert int(response.headers["Retry-After"]) > 0


@override_settings(
    CACHES={"default": {**REDIS["default"], "LOCATION": "redis://127.0.0.1:1/0"}}, API_RATE_LIMIT="1/min"
)
def test_redis_outage_degrades_open(world: World, caplog: Any) -> None:
    codes = [world.api.get("/v1/jobs").status_code for _ in range(2)]
    assert codes == [200, 200]
    assert "Rate-limit store unavailable" in caplog.text
