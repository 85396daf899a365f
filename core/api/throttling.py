"""Per-credential fixed-window rate limiting in the cache (Redis when `REDIS_URL` is set)."""

from __future__ import annotations

import logging
import math
import os
import threading
import time
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import ImproperlyConfigured
from django_redis.client import DefaultClient
from redis import Redis
from redis.connection import AbstractConnection
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError
from rest_framework.request import Request
from rest_framework.throttling import BaseThrottle

logger = logging.getLogger("shocking.api")

PERIODS = {
    "s": 1,
    "sec": 1,
    "second": 1,
    "m": 60,
    "min": 60,
    "minute": 60,
    "h": 3600,
    "hour": 3600,
    "d": 86400,
    "day": 86400,
}


def parse_rate(rate: str) -> tuple[int, int]:
    """`"600/min"` → `(600, 60)`."""
    count, _, period = rate.partition("/")
    try:
        return int(count), PERIODS[period.strip().lower()]
    except (ValueError, KeyError) as exc:
        raise ImproperlyConfigured(f"API_RATE_LIMIT must look like '600/min', not {rate!r}.") from exc


class CredentialRateThrottle(BaseThrottle):
    """Counts requests per token per window; leaves `RateLimit-*` figures on the request for the headers."""

    def __init__(self) -> None:
        self._wait = 0

    def allow_request(self, request: Request, view: Any) -> bool:
        principal = request.user
        if principal is None or not getattr(principal, "is_authenticated", False):
            return True
        limit, period = parse_rate(settings.API_RATE_LIMIT)
        now = time.time()
        window = int(now // period)
        key = f"ratelimit:{principal.pk}:{period}:{window}"
        try:
            count = self._count(key, period)
        except Exception:  # the cache (Redis) is down: serve rather than fail, and say so
            logger.warning("Rate-limit store unavailable; not throttling this request.", exc_info=True)
            return True
        reset = max(1, math.ceil((window + 1) * period - now))
        request.rate_limit = (limit, max(0, limit - count), reset)  # type: ignore[attr-defined]
        self._wait = reset
        return count <= limit

    @staticmethod
    def _count(key: str, period: int) -> int:
        client = getattr(cache, "client", None)
        if isinstance(client, DefaultClient):  # Redis: one INCR; the window's first also sets its expiry
            full_key = cache.make_key(key)
            redis = client.get_client(write=True)
            count = _incr(redis, full_key)
            if count == 1:
                # A worker dying between the two leaves a key without expiry: harmless, as the key
                # names its window and the next window counts under another.
                redis.expire(full_key, period + 1)
            return count
        if cache.add(key, 1, timeout=period + 1):
            return 1
        try:
            return int(cache.incr(key))
        except ValueError:  # expired between add and incr
            cache.set(key, 1, timeout=period + 1)
            return 1

    def wait(self) -> float:
        return self._wait


class _Kept:
    """The one Redis connection this process counts on, the pool and process it came from, and the last
    key's INCR. Held by one thread at a time (`_KEPT_LOCK`); never one per thread: under ASGI each
    request runs in a thread of its own, and a connection per thread would never go back to the pool."""

    pid: int = 0
    pool: Any = None
    connection: AbstractConnection | None = None
    key: str = ""
    packed: Any = None


_KEPT = _Kept()
_KEPT_LOCK = threading.Lock()


def _incr(redis: Redis, key: str) -> int:
    """`INCR key` on the connection this process keeps: one packed command sent, one integer read.

    Every /v1 request counts here, and `redis.incr` spends ~50 µs of CPU per call in redis-py's
    per-command machinery (pool checkout and release, retries, observability hooks) around a round
    trip that costs ~5 µs (bench/README.md, "rate limit"). redis-py's own `Connection` still
    connects, reconnects, times out and parses the reply; a connection that fails is dropped by it
    and the command is sent once more on a fresh one, as the client's retry would. While another
    thread of the process is counting on it, a request counts the client's usual way.
    """
    if not _KEPT_LOCK.acquire(blocking=False):
        return int(redis.incr(key))
    try:
        kept = _KEPT
        if kept.connection is None or kept.pool is not redis.connection_pool or kept.pid != os.getpid():
            if kept.connection is not None and kept.pid == os.getpid():
                kept.pool.release(kept.connection)
            kept.pid, kept.pool, kept.key = os.getpid(), redis.connection_pool, ""
            kept.connection = kept.pool.get_connection()
        connection = kept.connection
        assert connection is not None
        if kept.key != key:
            kept.key, kept.packed = key, connection.pack_command("INCR", key)
        try:
            connection.send_packed_command(kept.packed, check_health=False)
            return int(connection.read_response())
        except (RedisConnectionError, RedisTimeoutError):  # the connection is closed now: once more, afresh
            connection.send_packed_command(kept.packed, check_health=False)
            return int(connection.read_response())
    finally:
        _KEPT_LOCK.release()
