"""Per-credential fixed-window rate limiting in the cache (Redis when `REDIS_URL` is set)."""

from __future__ import annotations

import logging
import math
import os
import threading
import time
from dataclasses import dataclass
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
        window = self._window(request)
        if window is None:
            return True
        try:
            count = self._count(window.key, window.period)
        except Exception:  # the cache (Redis) is down: serve rather than fail, and say so
            logger.warning("Rate-limit store unavailable; not throttling this request.", exc_info=True)
            return True
        return self._counted(request, window, count)

    def start(self, request: Request, view: Any) -> Pending | None:
        """Count a read now and learn the count later (`Pending.allowed`): the `INCR` is sent and its
        answer read once the read is done, so Redis counts while PostgreSQL reads (`core.api.lean`).

        None when the count cannot wait (no Redis, its connection busy in another thread of the
        process, the caller unauthenticated): then `allow_request` decides now, as for any request.
        """
        window = self._window(request)
        if window is None:
            return None
        client = getattr(cache, "client", None)
        if not isinstance(client, DefaultClient):
            return None
        full_key = cache.make_key(window.key)
        redis = client.get_client(write=True)
        try:
            connection = _send_incr(redis, full_key)
        except Exception:  # could not send: count the usual way (it retries, or serves when Redis is down)
            return None
        if connection is None:
            return None
        return Pending(self, request, window, redis, full_key, connection)

    @staticmethod
    def _window(request: Request) -> _Window | None:
        principal = request.user
        if principal is None or not getattr(principal, "is_authenticated", False):
            return None
        limit, period = parse_rate(settings.API_RATE_LIMIT)
        now = time.time()
        window = int(now // period)
        return _Window(f"ratelimit:{principal.pk}:{period}:{window}", limit, period, window, now)

    def _counted(self, request: Request, window: _Window, count: int) -> bool:
        reset = max(1, math.ceil((window.window + 1) * window.period - window.now))
        request.rate_limit = (window.limit, max(0, window.limit - count), reset)  # type: ignore[attr-defined]
        self._wait = reset
        return count <= window.limit

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


@dataclass(frozen=True)
class _Window:
    key: str
    limit: int
    period: int
    window: int
    now: float


class Pending:
    """A count sent to Redis and not read yet (`CredentialRateThrottle.start`). `settle` reads it, once,
    and must run whatever happens (the process's kept connection is held until then)."""

    def __init__(
        self,
        throttle: CredentialRateThrottle,
        request: Request,
        window: _Window,
        redis: Redis,
        full_key: str,
        connection: Any,
    ) -> None:
        self.throttle, self.request, self.window = throttle, request, window
        self.redis, self.full_key = redis, full_key
        self.connection: Any = connection
        self.allowed = True

    def settle(self) -> bool:
        """Read the count (once) and leave the `RateLimit-*` figures on the request; False when over the limit."""
        connection, self.connection = self.connection, None
        if connection is None:
            return self.allowed
        try:
            count = _read_incr(connection)
            if count == 1:
                self.redis.expire(self.full_key, self.window.period + 1)
        except Exception:  # the cache (Redis) is down: serve rather than fail, and say so
            logger.warning("Rate-limit store unavailable; not throttling this request.", exc_info=True)
            return self.allowed
        self.allowed = self.throttle._counted(self.request, self.window, count)
        return self.allowed


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


def _send_incr(redis: Redis, key: str) -> AbstractConnection | None:
    """`INCR key` sent on the kept connection, which stays held (`_KEPT_LOCK`) until `_read_incr`; None
    when another thread of the process holds it."""
    if not _KEPT_LOCK.acquire(blocking=False):
        return None
    try:
        connection = _kept_connection(redis, key)
        connection.send_packed_command(_KEPT.packed, check_health=False)
    except BaseException:
        _KEPT_LOCK.release()
        raise
    return connection


def _read_incr(connection: AbstractConnection) -> int:
    """The answer to `_send_incr`'s command; the kept connection is free again afterwards."""
    try:
        return int(connection.read_response())
    finally:
        _KEPT_LOCK.release()


def _kept_connection(redis: Redis, key: str) -> AbstractConnection:
    """The kept connection (made or made anew for this process and pool), with `INCR key` packed."""
    kept = _KEPT
    if kept.connection is None or kept.pool is not redis.connection_pool or kept.pid != os.getpid():
        if kept.connection is not None and kept.pid == os.getpid():
            kept.pool.release(kept.connection)
        kept.connection = None  # not the previous pool's, should the new one fail to connect
        kept.pid, kept.pool, kept.key = os.getpid(), redis.connection_pool, ""
        kept.connection = kept.pool.get_connection()
    connection = kept.connection
    assert connection is not None
    if kept.key != key:
        kept.key, kept.packed = key, connection.pack_command("INCR", key)
    return connection


def _incr(redis: Redis, key: str) -> int:
    """`INCR key` on the connection this process keeps: one packed command sent, one integer read.

    Every /v1 request counts here, and `redis.incr` spends ~50 µs of CPU per call in redis-py's
    per-command machinery (pool checkout and release, retries, observability hooks) around a round
    trip that costs ~5 µs (bench/README.md, "rate limit"). redis-py's own `Connection` still
    connects, reconnects, times out and parses the reply; a connection that fails is dropped by it
    and the command is sent once more on a fresh one, as the client's retry would. While another
    thread of the process is counting on it, a request counts the client's usual way.
    """

    def once() -> int:
        connection = _send_incr(redis, key)
        return int(redis.incr(key)) if connection is None else _read_incr(connection)

    try:
        return once()
    except (RedisConnectionError, RedisTimeoutError):  # the connection is closed now: once more, afresh
        return once()
