"""Per-credential fixed-window rate limiting in the cache (Redis when `REDIS_URL` is set)."""

from __future__ import annotations

import logging
import math
import time
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import ImproperlyConfigured
from django_redis.client import DefaultClient
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
            count = int(redis.incr(full_key))
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
