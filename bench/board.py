"""The dispatch board's server time: one week of 50 engineers and 500 jobs, 120 pending jobs without a
day (the tray shows 50), in a team with 50,000 jobs in other weeks; and one job's page (its essentials
and the move form with the 50 engineers). A figure, not a timed test.

    BENCH_DATABASE_URL=postgres://postgres@127.0.0.1:5432/shocking_board_bench \\
        .venv/bin/python -m bench.board [--requests 60]

The database is migrated and seeded on first use (rows bulk-inserted, as the services would leave
them). `GET /board/?week=…` is then timed in-process through the full middleware stack, signed in as
the team's dispatcher; the queries of one request are counted and the week's query is EXPLAINed.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import random
import statistics
import sys
import time

WEEK = dt.date(2026, 3, 16)  # a Monday
ENGINEERS, WEEK_JOBS, OTHER_JOBS = 50, 500, 50_000


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, default=60)
    args = parser.parse_args()
    os.environ["DATABASE_URL"] = os.environ.get(
        "BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/shocking_board_bench"
    )
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from bench.plans import _ensure_database

    _ensure_database(os.environ["DATABASE_URL"])
    call_command("migrate", verbosity=0)
    dispatcher = _seed()
    _seed_unscheduled()
    connection.cursor().execute("ANALYZE jobs_job")

    client = Client()
    client.force_login(dispatcher)
    url = f"/board/?week={WEEK.isoformat()}"
    for _ in range(5):
        client.get(url)
    timings, cpu = [], []
    for _ in range(args.requests):
        started, started_cpu = time.perf_counter(), time.process_time()
        response = client.get(url)
        timings.append((time.perf_counter() - started) * 1000)
        cpu.append((time.process_time() - started_cpu) * 1000)
        assert response.status_code == 200, response.content[:500]
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    board_sql = [query["sql"] for query in queries.captured_queries]  # before the next request clears the log
    html = response.content.decode()
    week_html = html.split("<table", 1)[1]
    cards, rows = week_html.count('<article id="job-'), week_html.count("<tr data-row=")
    timings.sort()
    cpu.sort()
    p95 = timings[int(len(timings) * 0.95) - 1]
    print(f"GET {url} (in-process, {args.requests} requests): p50 {statistics.median(timings):.0f} ms, "
          f"p95 {p95:.0f} ms, {len(queries)} queries, {cards} cards in {rows} rows, {len(html) / 1024:.0f} KiB")  # fmt: skip
    # On a shared machine the wall time includes waiting for a core; the CPU time of this process does not
    # (nor PostgreSQL's, which is the week's query: its execution time is below).
    print(f"  CPU time of the request (this process): p50 {statistics.median(cpu):.0f} ms, "
          f"p95 {cpu[int(len(cpu) * 0.95) - 1]:.0f} ms; load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")  # fmt: skip
    tray = html.split('id="tray-h"', 1)[1].split("<table", 1)[0].count('<article id="job-')
    print(f"  tray: {tray} cards; the page's queries: {len(queries)}")
    job_url = "/board/jobs/" + html.split('<article id="job-', 1)[1].split('"', 1)[0] + "/move/"
    page_cpu = []
    for _ in range(args.requests):
        started_cpu = time.process_time()
        assert client.get(job_url).status_code == 200
        page_cpu.append((time.process_time() - started_cpu) * 1000)
    with CaptureQueriesContext(connection) as page_queries:
        page = client.get(job_url).content
    print(
        f"GET a job's page: CPU p50 {statistics.median(page_cpu):.0f} ms, {len(page_queries)} queries, "
        f"{len(page) / 1024:.0f} KiB"
    )
    week_query = next(sql for sql in board_sql if "jobs_job" in sql and "COALESCE" in sql)
    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN ANALYZE {week_query}")
        plan = [row[0].strip() for row in cursor.fetchall()]
    print("week query:", " / ".join(line for line in plan if "Scan" in line or "Execution" in line))


def _seed_unscheduled() -> None:
    """120 pending jobs without a day (added once, to a database seeded before the tray existed)."""
    from accounts.models import Team
    from jobs.models import Job, JobStatus, JobType
    from projects.models import Site

    team = Team.objects.get(slug="board-a")
    if Job.objects.filter(team=team, scheduled_date__isnull=True).exists():
        return
    types, sites = list(JobType.objects.filter(team=team)), list(Site.objects.filter(team=team))
    rng = random.Random(19)
    Job.objects.bulk_create(
        Job(team=team, job_type=rng.choice(types), site=(site := rng.choice(sites)), client_id=site.client_id,
            status=JobStatus.PENDING)
        for _ in range(120)
    )  # fmt: skip


def _seed() -> object:
    """Team `board-a`: a dispatcher, 50 engineers, 500 jobs in the week and 50,000 in other weeks."""
    from accounts.models import Membership, Role, Team, User
    from jobs.models import Job, JobStatus, JobType
    from projects.models import Client, Project, Site

    team, _ = Team.objects.get_or_create(slug="board-a", defaults={"name": "Board A", "timezone": "Europe/London"})
    dispatcher, created = User.objects.get_or_create(email="dispatcher@board-a.example.com",
                                                     defaults={"full_name": "Dee Dispatch"})  # fmt: skip
    if not created:
        return dispatcher
    Membership.objects.create(team=team, user=dispatcher, role=Role.DISPATCHER)
    engineers = User.objects.bulk_create(
        User(email=f"engineer{n}@board-a.example.com", full_name=f"Engineer {n:02d}") for n in range(ENGINEERS)
    )
    Membership.objects.bulk_create(Membership(team=team, user=user, role=Role.ENGINEER) for user in engineers)
    types = JobType.objects.bulk_create(JobType(team=team, key=f"type-{n}", name=f"Job type {n}") for n in range(10))
    clients = Client.objects.bulk_create(Client(team=team, name=f"Client {n}") for n in range(200))
    sites = Site.objects.bulk_create(
        Site(team=team, client=client, name=f"{n} High Street", postcode="BS1 4DJ") for n, client in enumerate(clients)
    )
    projects = Project.objects.bulk_create(
        Project(team=team, client=clients[n], name=f"Project {n}") for n in range(50)
    )
    rng = random.Random(18)
    zone = __import__("zoneinfo").ZoneInfo("Europe/London")

    def job(day: dt.date) -> Job:
        site = rng.choice(sites)
        engineer = rng.choice(engineers) if rng.random() < 0.85 else None
        start_hour = rng.randrange(7, 17)
        start = dt.datetime.combine(day, dt.time(start_hour), tzinfo=zone) if rng.random() < 0.8 else None
        return Job(team=team, job_type=rng.choice(types), site=site, client=site.client,
                   project=rng.choice(projects) if rng.random() < 0.2 else None, assigned_to=engineer,
                   status=JobStatus.ASSIGNED if engineer else JobStatus.PENDING, scheduled_date=day,
                   scheduled_start=start, scheduled_end=start + dt.timedelta(hours=rng.choice((1, 2, 3))) if start else None)  # fmt: skip

    Job.objects.bulk_create(job(WEEK + dt.timedelta(days=n % 7)) for n in range(WEEK_JOBS))
    far = [d for d in (WEEK + dt.timedelta(days=n) for n in range(-365, 365)) if not 0 <= (d - WEEK).days < 7]
    for start in range(0, OTHER_JOBS, 5000):
        Job.objects.bulk_create(job(rng.choice(far)) for _ in range(min(5000, OTHER_JOBS - start)))
        sys.stderr.write(".")
    sys.stderr.write("\n")
    return dispatcher


if __name__ == "__main__":
    main()
