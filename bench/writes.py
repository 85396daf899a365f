"""The write path in-process, for A/B runs between two checkouts (same machine, alternating runs).

    BENCH_DATABASE_URL=postgres://postgres@127.0.0.1:5432/shocking_writes_bench \\
        .venv/bin/python -m bench.writes [--rounds 100]

Run it in each checkout (each with its own database), alternating, and compare the medians: each
round creates a job through `POST /v1/jobs`, assigns, starts and completes it, then reads it, through
the full middleware stack with the Django test client. Prints the wall-clock median of each step
(the first 10 rounds left out) and its query count. A figure, not a timed test.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import statistics
import time


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=100)
    args = parser.parse_args()
    os.environ["DATABASE_URL"] = os.environ.get(
        "BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/shocking_writes_bench"
    )
    os.environ.setdefault("API_RATE_LIMIT", "100000000/min")  # time the writes, not the rate limiter
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from accounts.models import Team, User
    from bench.plans import _ensure_database

    _ensure_database(os.environ["DATABASE_URL"])
    call_command("migrate", verbosity=0)
    if not Team.objects.filter(slug="writes").exists():
        call_command("createteam", "writes", name="Writes", owner="owner@writes.test", stdout=io.StringIO())
        call_command("addmember", "writes", "eng@writes.test", role="engineer", stdout=io.StringIO())
    out = io.StringIO()
    call_command("createapikey", "writes", name="bench", scopes="jobs.read jobs.write", stdout=out)
    token = out.getvalue().strip().splitlines()[-1].split()[-1]
    engineer = str(User.objects.get(email="eng@writes.test").pk)
    client = Client(HTTP_AUTHORIZATION=f"Bearer {token}")

    def post(path: str, body: dict[str, str]) -> dict[str, str]:
        response = client.post(path, data=json.dumps(body), content_type="application/json")
        assert response.status_code in (200, 201), (path, response.status_code, response.content[:300])
        return response.json()["data"]

    job_type = post("/v1/job-types", {"key": f"svc-{time.time_ns()}", "name": "Service"})["id"]
    steps = ("create", "assign", "start", "complete", "get")
    times: dict[str, list[float]] = {step: [] for step in steps}
    queries: dict[str, int] = {}
    job: dict[str, str] = {}
    for _ in range(args.rounds):
        for step in steps:
            started = time.perf_counter()
            with CaptureQueriesContext(connection) as captured:
                if step == "create":
                    job = post("/v1/jobs", {"jobTypeId": job_type})
                elif step == "assign":
                    post(f"/v1/jobs/{job['id']}/assign", {"engineerId": engineer})
                elif step == "start":
                    post(f"/v1/jobs/{job['id']}/start", {})
                elif step == "complete":
                    post(f"/v1/jobs/{job['id']}/complete", {"resultType": "SUCCESS"})
                else:
                    assert client.get(f"/v1/jobs/{job['id']}").status_code == 200
            times[step].append((time.perf_counter() - started) * 1000)
            queries[step] = len(captured)
    for step in steps:
        print(f"{step:9s} p50 {statistics.median(times[step][10:]):6.2f} ms  queries {queries[step]}")


if __name__ == "__main__":
    main()
