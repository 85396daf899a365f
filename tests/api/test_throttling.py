"""Per-token rate limits: headers on every answer, 429 with Retry-After past the limit."""

from __future__ import annotations

from django.test import override_settings

from tests.conftest import World


def redis_cache_settings(**pool: int) -> dict[str, object]:
    """CACHES on Redis (production's cache; the tests' default is in memory), database 9."""
    options: dict[str, object] = {"CLIENT_CLASS": "django_redis.client.DefaultClient"}
    if pool:
        options["CONNECTION_POOL_KWARGS"] = pool
    return {
        "default": {
            "BACKEND": "django_redis.cache.RedisCache",
            "LOCATION": "redis://127.0.0.1:6379/9",
            "OPTIONS": options,
        }
    }


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


def test_a_redis_window_counts_once_per_request_and_expires() -> None:
    """On Redis (production's cache; the tests' default is in memory): one INCR per request, the
    window's first setting its expiry."""
    import uuid

    from django.core.cache import cache

    from core.api.throttling import CredentialRateThrottle

    redis_cache = redis_cache_settings()
    with override_settings(CACHES=redis_cache):
        key = f"ratelimit:test-{uuid.uuid4()}:60:1"
        assert [CredentialRateThrottle._count(key, 60) for _ in range(3)] == [1, 2, 3]
        assert 0 < cache.ttl(key) <= 61
        cache.delete(key)


def test_a_redis_connection_closed_by_the_server_is_replaced_and_the_count_goes_on() -> None:
    """The throttle counts on a connection it keeps; Redis closing it (a restart, `CLIENT KILL`) costs
    no request its count: the INCR is sent once more on a new connection."""
    import uuid

    from django.core.cache import cache

    from core.api import throttling

    redis_cache = redis_cache_settings()
    with override_settings(CACHES=redis_cache):
        key = f"ratelimit:test-{uuid.uuid4()}:60:1"
        assert throttling.CredentialRateThrottle._count(key, 60) == 1
        kept = throttling._KEPT.connection
        assert kept is not None and kept._sock is not None
        host, port = kept._sock.getsockname()[:2]
        redis = cache.client.get_client(write=True)
        assert redis.client_kill_filter(addr=f"{host}:{port}") == 1
        assert [throttling.CredentialRateThrottle._count(key, 60) for _ in range(2)] == [2, 3]
        assert throttling._KEPT.connection._sock.getsockname()[:2] != (host, port)
        cache.delete(key)


def test_requests_in_threads_of_their_own_count_without_holding_a_connection_each() -> None:
    """Under ASGI each request's sync code runs in a thread of its own: counting from 200 short-lived
    threads (8 at a time) counts every request and leaves the pool a handful of connections, not one
    held per thread (which ran the pool out: "Too many connections")."""
    import threading
    import uuid

    from django.core.cache import cache

    from core.api.throttling import CredentialRateThrottle

    redis_cache = redis_cache_settings(max_connections=20)
    with override_settings(CACHES=redis_cache):
        key = f"ratelimit:test-{uuid.uuid4()}:60:1"
        counts: list[int] = []
        for _ in range(25):
            threads = [threading.Thread(target=lambda: counts.append(CredentialRateThrottle._count(key, 60)))
                       for _ in range(8)]  # fmt: skip
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join()
        assert sorted(counts) == list(range(1, 201))
        pool = cache.client.get_client(write=True).connection_pool
        assert len(pool._in_use_connections) <= 1  # the one the process keeps
        assert pool._created_connections <= 9
        cache.delete(key)


def test_the_usual_accept_headers_get_json_and_others_are_negotiated(world: World) -> None:
    for accept in ("", "*/*", "application/json"):
        answer = world.api.get("/v1/jobs", headers={"Accept": accept})
        assert answer.status_code == 200 and answer.headers["Content-Type"] == "application/json", accept
    assert world.api.get("/v1/jobs", headers={"Accept": "application/json; q=0.9, */*; q=0.1"}).status_code == 200
    refused = world.api.get("/v1/jobs", headers={"Accept": "text/html"})
    assert refused.status_code == 406 and "error" in refused.json, refused.json
