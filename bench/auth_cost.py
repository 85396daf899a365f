"""What authentication and the rate limit add to a request: both timed in-process, many times.

Run by `bench/run.py` with the benchmark's settings (PostgreSQL, Redis). Prints one JSON line:
per-request microseconds (mean and p99) for the API-key lookup (the per-worker cache hit and, once
a second, the query), the Redis rate-limit count, and the two together.
"""

from __future__ import annotations

import json
import os
import statistics
import sys
import time
from typing import Any


def main() -> None:
    import django

    django.setup()
    from rest_framework.request import Request
    from rest_framework.test import APIRequestFactory

    from core.api.authentication import BearerAuthentication
    from core.api.throttling import CredentialRateThrottle

    token = os.environ["BENCH_TOKEN"]
    request = Request(APIRequestFactory().get("/v1/jobs", HTTP_AUTHORIZATION=f"Bearer {token}"))
    authentication, throttle = BearerAuthentication(), CredentialRateThrottle()

    def authenticate() -> Any:
        found = authentication.authenticate(request)
        assert found is not None
        request._user = found[0]  # what DRF's Request does with an authenticator's answer
        return found[0]

    def count() -> Any:
        return throttle.allow_request(request, None)

    def both() -> Any:
        authenticate()
        return count()

    figures: dict[str, dict[str, float]] = {}
    seconds = float(os.environ.get("BENCH_AUTH_SECONDS", "3"))
    for name, call in (("auth", authenticate), ("throttle", count), ("auth+throttle", both)):
        call()
        timings: list[float] = []
        deadline = time.perf_counter() + seconds
        while time.perf_counter() < deadline:
            started = time.perf_counter()
            call()
            timings.append((time.perf_counter() - started) * 1e6)
        timings.sort()
        figures[name] = {
            "calls": len(timings),
            "mean_us": statistics.fmean(timings),
            "p50_us": timings[len(timings) // 2],
            "p99_us": timings[int(len(timings) * 0.99)],
        }
    print("AUTH_JSON " + json.dumps(figures))


if __name__ == "__main__":
    sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    main()
