"""Orchestrates one `make reliability` run: scratch database, production server, load, faults, checks, table.

Whatever happens (a failed check, an exception, Ctrl-C), the `finally` block stops the processes it
started (by pid), makes sure PostgreSQL and Redis are running again, and drops the scratch database.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import multiprocessing
import os
import secrets
import shutil
import sys
import tempfile
import threading
import time
from collections import Counter
from pathlib import Path
from typing import Any

import psycopg

from reliability import services
from reliability.backup import backup_and_restore, drop_database, recreate_database
from reliability.faults import Fault, Injector, probe, wait_until
from reliability.load import LoadGenerator, LoadResult
from reliability.report import Findings, render

ROOT = Path(__file__).resolve().parent.parent
BIN = ROOT / ".venv" / "bin"
HOST = "127.0.0.1"  # loopback only: the load never leaves the machine
TEAM = "reliability"
UNFINISHED_FLOW_STATUSES = ("QUEUED", "RENDERING", "RENDERED", "SENDING")


def say(message: str) -> None:
    sys.stdout.write(f"[reliability] {message}\n")
    sys.stdout.flush()


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m reliability", description=__doc__)
    parser.add_argument(
        "--duration", type=float, default=float(os.environ.get("DURATION", 120)), help="Seconds of load (default 120)."
    )
    parser.add_argument("--concurrency", type=int, default=0, help="Client threads (default: one per worker).")
    parser.add_argument("--workers", type=int, default=multiprocessing.cpu_count() * 2 + 1, help="gunicorn workers.")
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--database-url", default="postgres://postgres@127.0.0.1:5432/shocking_reliability")
    parser.add_argument("--redis-url", default="redis://127.0.0.1:6379/13")
    parser.add_argument("--keep", action="store_true", help="Keep the scratch database and logs afterwards.")
    return parser.parse_args(argv)  # fmt: skip


class Run:
    def __init__(self, args: argparse.Namespace) -> None:
        self.args = args
        self.scratch = Path(tempfile.mkdtemp(prefix="shocking-reliability-"))
        self.mail = self.scratch / "mail"
        self.mail.mkdir()
        self.db_name = args.database_url.rsplit("/", 1)[-1]
        self.env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "config.settings_prod",
            "SECRET_KEY": secrets.token_urlsafe(50),
            "ALLOWED_HOSTS": f"{HOST},localhost",
            "SECURE_SSL_REDIRECT": "False",  # plain http on loopback; production sits behind TLS
            "DATABASE_URL": args.database_url,
            "REDIS_URL": args.redis_url,
            "EMAIL_URL": f"filemail:///{self.mail}",  # django-environ drops one leading slash
            "MEDIA_ROOT": str(self.scratch / "media"),
            "API_RATE_LIMIT": "10000000/min",  # the load measures the server, not the limiter
            "FLOWS_LEASE_SECONDS": "10",  # a killed worker's flow is taken over within seconds
            "FLOWS_RETRY_BASE_SECONDS": "2",
            "BIND": f"{HOST}:{args.port}",
            "WEB_CONCURRENCY": str(args.workers),
            "LOG_LEVEL": "INFO",
        }
        self.gunicorn: services.Managed | None = None
        self.worker: services.Managed | None = None
        self.token = ""
        self.started_wall = 0.0
        self.started = 0.0

    # Setup -----------------------------------------------------------------------------------------
    def manage(self, *arguments: str) -> str:
        return services.run([str(BIN / "python"), str(ROOT / "manage.py"), *arguments], env=self.env, timeout=900)

    def prepare_database(self) -> dict[str, Any]:
        say(f"scratch database {self.db_name}: migrate, seed the demo, make a key")
        recreate_database(self.args.database_url, self.db_name)
        self.manage("migrate", "--noinput")
        self.manage("seed_demo", "--team", TEAM, "--jobs", "300")
        self.token = self.manage("demo_access", "--team", TEAM).strip().splitlines()[-1]
        with psycopg.connect(self.args.database_url) as connection:
            team = connection.execute("SELECT id FROM accounts_team WHERE slug = %s", [TEAM]).fetchone()
            assert team is not None
            job_type = connection.execute(
                "SELECT jt.key FROM jobs_jobtype jt WHERE jt.team_id = %s AND EXISTS (SELECT 1 FROM "
                "jobs_flowtemplate ft WHERE ft.job_type_id = jt.id AND ft.active) ORDER BY jt.key LIMIT 1",
                [team[0]],
            ).fetchone()
            engineer = connection.execute(
                "SELECT user_id FROM accounts_membership WHERE team_id = %s AND role = 'engineer' LIMIT 1", [team[0]]
            ).fetchone()
            jobs = connection.execute("SELECT id FROM jobs_job WHERE team_id = %s LIMIT 200", [team[0]]).fetchall()
            site = connection.execute(
                "SELECT s.id, s.client_id FROM projects_site s JOIN projects_client c ON c.id = s.client_id "
                "WHERE s.team_id = %s AND c.email <> '' ORDER BY s.id LIMIT 1",
                [team[0]],
            ).fetchone()
        assert job_type and engineer and site, "the demo seeds job types with flow templates, engineers, clients"
        return {
            "job_type": job_type[0],
            "engineer_id": str(engineer[0]),
            "seed_ids": [str(row[0]) for row in jobs],
            "client_id": str(site[1]),
            "site_id": str(site[0]),
        }

    def start_server(self) -> None:
        say(f"gunicorn (config.settings_prod, {self.args.workers} sync workers) on http://{HOST}:{self.args.port}")
        command = [str(BIN / "gunicorn"), "-c", str(ROOT / "config" / "gunicorn_conf.py"), "config.wsgi:application"]
        self.gunicorn = services.Managed.start("gunicorn", command, self.env, self.scratch / "gunicorn.log", ROOT)
        if not wait_until(lambda: probe(HOST, self.args.port, self.token) == 200, limit=60, every=0.25):
            raise RuntimeError(f"the server did not answer within 60 s; see {self.scratch / 'gunicorn.log'}")

    def start_worker(self) -> services.Managed:
        command = [str(BIN / "python"), str(ROOT / "manage.py"), "run_worker", "--sweep", "3"]
        self.worker = services.Managed.start("worker", command, self.env, self.scratch / "worker.log", ROOT)
        return self.worker

    # Checks ----------------------------------------------------------------------------------------
    def complete_a_job(self, setup: dict[str, Any]) -> None:
        """Create and complete a job with the API, so that the flows worker has documents to make right now."""
        from reliability.load import Target

        target = Target(HOST, self.args.port, self.token, timeout=30)
        fields = {"jobType": setup["job_type"], "clientId": setup["client_id"], "siteId": setup["site_id"]}
        status, created, _ = target.request("POST", "/v1/jobs", {**fields, "notes": "flows worker fault"})
        if status == 201:
            job = created["data"]["id"]
            target.request("POST", f"/v1/jobs/{job}/assign", {"engineerId": setup["engineer_id"]})
            target.request("POST", f"/v1/jobs/{job}/start", {})
            target.request("POST", f"/v1/jobs/{job}/complete", {"resultType": "SUCCESS"})
        target.close()

    def busy_flow(self) -> str | None:
        with psycopg.connect(self.args.database_url) as connection:
            row = connection.execute(
                "SELECT id FROM jobs_flow WHERE status IN ('RENDERING', 'SENDING') AND lease_owner <> '' LIMIT 1"
            ).fetchone()
        return str(row[0]) if row else None

    def unfinished_flows(self) -> int:
        with psycopg.connect(self.args.database_url) as connection:
            row = connection.execute(
                "SELECT count(*) FROM jobs_flow WHERE status = ANY(%s)", [list(UNFINISHED_FLOW_STATUSES)]
            ).fetchone()
        return int(row[0]) if row else 0

    def flow_sent_at(self, flow_id: str) -> dt.datetime | None:
        with psycopg.connect(self.args.database_url) as connection:
            row = connection.execute("SELECT status, sent_at FROM jobs_flow WHERE id = %s", [flow_id]).fetchone()
        return row[1] if row and row[0] == "SENT" else None

    def writes(self, load: LoadResult) -> tuple[int, int, int]:
        """(found exactly once, missing, duplicated) for the creates the load got a 201 for."""
        acknowledged = list(load.acknowledged)
        with psycopg.connect(self.args.database_url) as connection:
            rows = connection.execute(
                "SELECT id, notes FROM jobs_job WHERE notes LIKE %s", ["reliability-%"]
            ).fetchall()
            found = connection.execute("SELECT id FROM jobs_job WHERE id = ANY(%s::uuid[])", [acknowledged]).fetchall()
        present = {str(row[0]) for row in found}
        per_marker = Counter(notes for _, notes in rows)  # one create = one marker, however often it was retried
        found_once = sum(
            1 for job_id, marker in load.acknowledged.items() if job_id in present and per_marker[marker] == 1
        )
        missing = sum(1 for job_id in acknowledged if job_id not in present)
        duplicated = sum(count - 1 for count in per_marker.values() if count > 1)
        return found_once, missing, duplicated

    def emails(self) -> tuple[int, int]:
        """(emails written, emails whose Message-ID was already sent) from the file mail backend."""
        ids: Counter[str] = Counter()
        for message_file in self.mail.glob("*"):
            for line in message_file.read_text(errors="replace").splitlines():
                if line.lower().startswith("message-id:"):
                    ids[line.split(":", 1)[1].strip()] += 1
        return sum(ids.values()), sum(count - 1 for count in ids.values() if count > 1)

    def token_in_logs(self) -> int:
        return sum(path.read_text(errors="replace").count(self.token) for path in self.scratch.glob("*.log"))

    # The run ---------------------------------------------------------------------------------------
    def clock(self) -> float:
        return time.monotonic() - self.started

    def execute(self) -> bool:
        services.ensure_postgres()
        services.ensure_redis()
        setup = self.prepare_database()
        self.start_server()
        worker = self.start_worker()
        assert self.gunicorn is not None
        duration = self.args.duration
        concurrency = self.args.concurrency or self.args.workers
        say("warm-up: 3 s of load, not measured")
        warm_up = LoadGenerator(
            host=HOST, port=self.args.port, token=self.token, concurrency=concurrency, duration=3, **setup
        )
        warm_up.run()
        load = LoadGenerator(host=HOST, port=self.args.port, token=self.token, concurrency=concurrency,
                             duration=duration, **setup)  # fmt: skip
        injector = Injector(HOST, self.args.port, self.token, self.clock)
        say(f"load: {concurrency} clients for {duration:.0f} s (70% reads, 20% creates, 10% transitions)")
        thread = threading.Thread(target=load.run, daemon=True)
        self.started, self.started_wall = time.monotonic(), time.time()
        load.result.started = self.started  # one clock for requests and faults
        thread.start()
        killed_flow: str | None = None
        kill_fault: Fault | None = None
        schedule = [
            (0.15, "kill a gunicorn worker", lambda: injector.kill_gunicorn_worker(self.gunicorn, self.args.workers)),  # type: ignore[arg-type]
            (0.35, "restart PostgreSQL", injector.restart_postgres),
            (0.55, "stop Redis", lambda: injector.stop_redis(outage=max(3.0, min(10.0, duration * 0.08)))),
        ]
        for share, name, inject in schedule:
            self._sleep_until(share * duration)
            say(f"fault at {self.clock():.0f} s: {name}")
            inject()
        self._sleep_until(0.75 * duration)
        say(f"fault at {self.clock():.0f} s: kill the flows worker mid-task")
        threading.Thread(target=self.complete_a_job, args=(setup,), daemon=True).start()
        kill_fault, worker, killed_flow = injector.kill_flows_worker(worker, self.busy_flow, self.start_worker)
        thread.join()
        result = load.result
        say(f"load done: {len(result.samples)} requests; waiting for the flows worker to finish its queue")
        drained = wait_until(lambda: self.unfinished_flows() == 0, limit=240, every=1.0)
        notes = [] if drained else ["the flows queue had not drained after 240 s"]
        if kill_fault is not None and killed_flow is not None:
            sent_at = self.flow_sent_at(killed_flow)
            kill_fault.recovered = kill_fault.recovered and sent_at is not None
            if sent_at is not None:
                kill_fault.ended = max(kill_fault.started, sent_at.timestamp() - self.started_wall)
                kill_fault.detail += "; that flow was sent after the restart"
            else:
                kill_fault.detail += "; that flow was NOT sent"
        found_once, missing, duplicated = self.writes(result)
        emails, emails_twice = self.emails()
        say("backup: pg_dump, pg_restore into a fresh database, compare row counts")
        trip = backup_and_restore(self.args.database_url, f"{self.db_name}_restore")
        backup = (
            f"ok: {trip.tables} tables, {trip.rows} rows, dump {trip.dump_bytes // 1024} KiB"
            if trip.ok
            else f"MISMATCH {trip.mismatches}"
        )
        findings = Findings(
            duration=result.finished - result.started,
            samples=result.samples,
            faults=injector.faults,
            acknowledged=len(result.acknowledged),
            found_once=found_once,
            missing=missing,
            duplicated=duplicated,
            emails=emails,
            emails_duplicated=emails_twice,
            flows_unfinished=self.unfinished_flows(),
            tokens_in_logs=self.token_in_logs(),
            backup=backup,
            notes=[*notes, f"logs: {self.scratch}" if self.args.keep else "logs removed (use --keep to keep them)"],
        )
        if self.args.keep:
            samples = [vars(sample) for sample in result.samples]
            (self.scratch / "samples.json").write_text(
                json.dumps({"samples": samples, "faults": [vars(f) for f in injector.faults]})
            )
        sys.stdout.write(render(findings))
        return not findings.failures

    def _sleep_until(self, at: float) -> None:
        remaining = at - self.clock()
        if remaining > 0:
            time.sleep(remaining)

    def cleanup(self) -> None:
        """Always: stop what this run started, bring PostgreSQL and Redis back, drop the scratch database."""
        for process in (self.worker, self.gunicorn):
            if process is not None:
                process.stop()
        services.ensure_postgres()
        services.ensure_redis()
        if not self.args.keep:
            drop_database(self.args.database_url, self.db_name)
            shutil.rmtree(self.scratch, ignore_errors=True)


def main(argv: list[str] | None = None) -> int:
    run = Run(parse_args(argv))
    try:
        return 0 if run.execute() else 1
    finally:
        say("cleaning up: stopping the server and worker, checking PostgreSQL and Redis")
        run.cleanup()
        postgres, redis = services.postgres_ready(), services.redis_ready()
        say(f"PostgreSQL {'up' if postgres else 'DOWN'}, Redis {'up' if redis else 'DOWN'}")
