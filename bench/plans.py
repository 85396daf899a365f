"""Maintenance plans at scale: the worker's daily pass over 100,000 ACTIVE plans in two teams, and
`GET /v1/maintenance-plans?nextDueTo=…` latency. A figure, not a timed test.

    BENCH_DATABASE_URL=postgres://postgres@127.0.0.1:5432/shocking_plans_bench \\
        .venv/bin/python -m bench.plans [--plans 100000]

The database is migrated and seeded on first use (plans are bulk-inserted with the schedule the
service would give them: yearly visits spread over the year, 14 days' lead). The pass then runs
for "today" and again (idempotent: nothing left to do), and the list is timed in-process through the
full middleware stack with a full-scope key.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import statistics
import sys
import time


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--plans", type=int, default=100_000)
    parser.add_argument("--requests", type=int, default=500)
    parser.add_argument("--list-only", action="store_true", help="Time the list only (the pass already ran).")
    parser.add_argument("--reset", action="store_true", help="Undo an earlier pass (its jobs, visits and events).")
    args = parser.parse_args()
    os.environ["DATABASE_URL"] = os.environ.get(
        "BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/shocking_plans_bench"
    )
    os.environ.setdefault("API_RATE_LIMIT", "100000000/min")  # time the list, not the rate limiter
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client

    _ensure_database(os.environ["DATABASE_URL"])
    call_command("migrate", verbosity=0)
    token = _seed(args.plans)
    today = dt.date(2026, 1, 1)
    if args.reset:
        _reset()
    if not args.list_only:
        _time_the_pass(today)
    connection.cursor().execute("ANALYZE plans_maintenanceplan")

    client = Client(HTTP_AUTHORIZATION=f"Bearer {token}")
    url = "/v1/maintenance-plans?nextDueTo=2026-01-20&sortBy=nextDueOn&sortOrder=asc"
    for _ in range(20):
        client.get(url)
    timings, cpu_times = [], []
    for _ in range(args.requests):
        started, cpu_started = time.perf_counter(), time.thread_time()
        response = client.get(url)
        timings.append((time.perf_counter() - started) * 1000)
        cpu_times.append((time.thread_time() - cpu_started) * 1000)  # this process's, not the database's
        assert response.status_code == 200, response.content[:500]
    timings.sort()
    cpu_times.sort()
    p99 = timings[int(len(timings) * 0.99) - 1]
    cpu_p99 = cpu_times[int(len(cpu_times) * 0.99) - 1]
    print(f"GET {url} (in-process): p50 {statistics.median(timings):.2f} ms, p99 {p99:.2f} ms")
    print(f"  its CPU time (the request's thread): p50 {statistics.median(cpu_times):.2f} ms, p99 {cpu_p99:.2f} ms")
    with connection.cursor() as cursor:
        cursor.execute(
            "EXPLAIN SELECT id FROM plans_maintenanceplan WHERE status = 'ACTIVE' AND create_next_job_on <= %s "
            "ORDER BY create_next_job_on, id LIMIT 1000",
            [today],
        )
        print("worker candidates:", " / ".join(row[0].strip() for row in cursor.fetchall()[:2]))


def _time_the_pass(today: dt.date) -> None:
    from django.db import connection

    from plans.models import MaintenancePlan, PlanOccurrence
    from plans.worker import create_due_jobs

    due = MaintenancePlan.objects.filter(create_next_job_on__lte=today).count()
    statements = [0]

    def count(execute, sql, params, many, context):
        statements[0] += 1
        return execute(sql, params, many, context)

    started, cpu = time.perf_counter(), time.process_time()
    with connection.execute_wrapper(count):
        created = create_due_jobs(today=today)
    first, cpu = time.perf_counter() - started, time.process_time() - cpu
    started = time.perf_counter()
    again = create_due_jobs(today=today)
    second = time.perf_counter() - started
    print(f"plans: {MaintenancePlan.objects.count():,}; due in the lead window: {due:,}")
    print(f"daily pass: {created:,} jobs in {first:.1f} s ({first / max(created, 1) * 1000:.1f} ms a job)")
    print(f"statements: {statements[0]:,} ({statements[0] / max(created, 1):.1f} a job, events included)")
    print(f"the pass's own CPU time (Python, without the database server's): {cpu:.1f} s")
    print(f"second pass (idempotent): {again} jobs in {second * 1000:.0f} ms")
    print(f"occurrences recorded: {PlanOccurrence.objects.count():,}")


def _reset() -> None:
    """Back to the seeded state: no visits, jobs or events, each plan's first visit still to make."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM plans_planoccurrence")
        cursor.execute("DELETE FROM webhooks_webhookevent")
        cursor.execute("DELETE FROM jobs_jobevent")
        cursor.execute("DELETE FROM jobs_job")
        cursor.execute(
            "UPDATE plans_maintenanceplan SET next_due_on = start_date, "
            "create_next_job_on = start_date - lead_time_days"
        )
        cursor.execute("VACUUM ANALYZE")


def _ensure_database(url: str) -> None:
    import psycopg

    name = url.rsplit("/", 1)[1]
    with psycopg.connect(url.rsplit("/", 1)[0] + "/postgres", autocommit=True) as admin:
        if not admin.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            admin.execute(f'CREATE DATABASE "{name}"')


def _seed(count: int) -> str:
    """Two teams with `count` yearly plans between them, visits spread over the year; a full-scope key."""
    from accounts.models import APIKey, Team
    from accounts.scopes import ALL_SCOPES
    from jobs.models import JobType
    from plans.models import MaintenancePlan
    from projects.models import Client, Site

    teams = []
    for slug in ("plans-a", "plans-b"):
        team, _ = Team.objects.get_or_create(slug=slug, defaults={"name": slug, "timezone": "Europe/London"})
        teams.append(team)
    key = APIKey(team=teams[0], name="bench", scopes=list(ALL_SCOPES))
    token = key.set_new_token()
    key.save()
    if MaintenancePlan.objects.filter(team__in=teams).exists():
        return token
    year_start = dt.date(2026, 1, 1)
    batch: list[MaintenancePlan] = []
    for index, team in enumerate(teams):
        job_type, _ = JobType.objects.get_or_create(team=team, key="annual-service", defaults={"name": "Annual"})
        client = Client.objects.create(team=team, name=f"Bench client {index}")
        site = Site.objects.create(team=team, client=client, name="Bench site", postcode="BS1 4DJ")
        for number in range(count // len(teams)):
            first_visit = year_start + dt.timedelta(days=number % 365)
            plan = MaintenancePlan(team=team, name=f"Plan {number}", client=client, site=site, job_type=job_type)
            plan.rrule, plan.start_date, plan.series_from, plan.lead_time_days = (
                "FREQ=YEARLY",
                first_visit,
                first_visit,
                14,
            )
            plan.next_due_on, plan.create_next_job_on = first_visit, first_visit - dt.timedelta(days=14)
            batch.append(plan)
            if len(batch) >= 5000:
                MaintenancePlan.objects.bulk_create(batch)
                batch = []
                sys.stderr.write(".")
    MaintenancePlan.objects.bulk_create(batch)
    sys.stderr.write("\n")
    return token


if __name__ == "__main__":
    main()
