"""`make bench`: seed 1M jobs on PostgreSQL, load the real server over loopback, print the ratios.

Every figure is measured in this run on this machine: our endpoints, a naive DRF build, a careful
DRF keyset build and a raw psycopg+orjson ceiling, side by side. Results go to bench/results/.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from bench.report import FIRST, plot, render_markdown

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"
PY = str(ROOT / ".venv" / "bin" / "python")
BIN = ROOT / ".venv" / "bin"
DSN = os.environ.get("BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/shocking_bench")
REDIS = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/3")
TEAMS = ("bench-a", "bench-b")
PAIRED_ROUNDS, PAIRED_SECONDS = 5, 3  # the first page against the ceiling, alternately (`main`)
ENV = {
    **os.environ,
    "DATABASE_URL": DSN,
    "REDIS_URL": REDIS,
    "DJANGO_SETTINGS_MODULE": "config.settings_bench",
    "SECRET_KEY": "bench-secret-key-0123456789-abcdefghijklmnopqrstuvwxyz-ABCDEFGHIJ",
    "CONN_MAX_AGE": "600",
}


@dataclass
class Result:
    name: str
    url: str
    concurrency: int
    p50_ms: float = 0.0
    p95_ms: float = 0.0
    p99_ms: float = 0.0
    max_ms: float = 0.0
    rps: float = 0.0
    requests: int = 0
    non2xx: int = 0
    socket_errors: int = 0
    note: str = ""
    extra: dict[str, Any] = field(default_factory=dict)


def log(message: str) -> None:
    print(f"[bench {dt.datetime.now():%H:%M:%S}] {message}", file=sys.stderr, flush=True)


def manage(*args: str, capture: bool = False) -> str:
    done = subprocess.run([PY, "manage.py", *args], cwd=ROOT, env=ENV, check=True, text=True,
                          stdout=subprocess.PIPE if capture else None)  # fmt: skip
    return done.stdout or ""


def psql(sql: str, database: str | None = None) -> str:
    url = DSN if database is None else DSN.rsplit("/", 1)[0] + "/" + database
    done = subprocess.run(["psql", url, "-tAc", sql], check=True, text=True, stdout=subprocess.PIPE)
    return done.stdout.strip()


def ensure_database(total_jobs: int) -> None:
    name = DSN.rsplit("/", 1)[1]
    if not psql(f"SELECT 1 FROM pg_database WHERE datname = '{name}'", database="postgres"):
        psql(f'CREATE DATABASE "{name}"', database="postgres")
    manage("migrate", "--noinput", "-v0")
    per_team = total_jobs // len(TEAMS)
    for index, slug in enumerate(TEAMS):
        log(f"seeding team {slug} to {per_team} jobs (reused when present)")
        manage("seed_demo", "--team", slug, "--jobs", str(per_team), "--seed", str(index + 1))
    psql("VACUUM ANALYZE")
    psql("CHECKPOINT")  # flush the seed's writes now, not while latencies are being measured


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_for(url: str, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(url, timeout=2)  # noqa: S310 - loopback only
            return
        except Exception:
            time.sleep(0.2)
    raise RuntimeError(f"server at {url} did not start")


@contextmanager
def server(command: list[str], port: int, probe: str, env: dict[str, str] | None = None) -> Any:
    process = subprocess.Popen(command, cwd=ROOT, env=env or ENV, stdout=subprocess.DEVNULL,
                               stderr=subprocess.DEVNULL, start_new_session=True)  # fmt: skip
    try:
        wait_for(f"http://127.0.0.1:{port}{probe}")
        yield f"http://127.0.0.1:{port}"
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=20)


def gunicorn(
    port: int, app: str = "config.wsgi:application", worker_class: str = "sync", workers: int = 2
) -> list[str]:
    return [str(BIN / "gunicorn"), app, "-b", f"127.0.0.1:{port}", "-w", str(workers), "-k", worker_class,
            "--keep-alive", "30", "--log-level", "error"]  # fmt: skip


def wrk(name: str, url: str, token: str, concurrency: int, seconds: int, **env: str) -> Result:
    # One unmeasured second first, so every scenario is timed warm (connections, caches, plans);
    # not for scenarios that consume ids (a transition can be made once per job).
    if "WRK_IDS" not in env:
        subprocess.run(["wrk", "-t1", f"-c{concurrency}", "-d1s", "-s", str(ROOT / "bench/wrk/report.lua"), url],
                       env={**os.environ, "WRK_TOKEN": token, **env}, check=True, stdout=subprocess.DEVNULL)  # fmt: skip
    command = [
        "wrk",
        "-t1",
        f"-c{concurrency}",
        f"-d{seconds}s",
        "--latency",
        "-s",
        str(ROOT / "bench/wrk/report.lua"),
        url,
    ]
    output = subprocess.run(command, env={**os.environ, "WRK_TOKEN": token, **env}, check=True, text=True,
                            stdout=subprocess.PIPE).stdout  # fmt: skip
    line = next(line for line in output.splitlines() if line.startswith("BENCH_JSON "))
    figures = json.loads(line.removeprefix("BENCH_JSON "))
    rps = figures["requests"] / figures["duration_s"] if figures["duration_s"] else 0.0
    result = Result(name, url, concurrency, rps=rps, **{k: v for k, v in figures.items() if k != "duration_s"})
    log(f"{name:<38} c={concurrency} p50={result.p50_ms:.2f}ms p99={result.p99_ms:.2f}ms rps={rps:.0f}")
    return result


def get_json(url: str, token: str) -> Any:
    request = urllib.request.Request(url, headers={"Authorization": f"Bearer {token}"})  # noqa: S310
    with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310
        return json.loads(response.read())


def deep_key(base: str, token: str, pages: int) -> str:
    key = None
    for _ in range(pages - 1):
        query = urllib.parse.urlencode({"limit": 25, **({"lastEvaluatedKey": key} if key else {})})
        key = get_json(f"{base}/v1/jobs?{query}", token)["lastEvaluatedKey"]
    assert key
    return key


def prepare_ids(team: str, status_from: str, count: int, engineer_sql: str) -> Path:
    """Put `count` jobs of the team into IN_PROGRESS (with an engineer) for the complete benchmark.

    The writer team only takes the benchmark's writes, so any of its jobs never completed will do
    (`status_from` first); one completed before has its documents' flow group and cannot be again.
    """
    team_id = psql(f"SELECT id FROM accounts_team WHERE slug = '{team}'")
    output = psql(
        f"UPDATE jobs_job SET status = 'IN_PROGRESS', assigned_to_id = ({engineer_sql}) WHERE id IN "
        f"(SELECT id FROM jobs_job j WHERE team_id = '{team_id}' AND status <> 'COMPLETED' AND NOT EXISTS "
        f"(SELECT 1 FROM jobs_flowgroup g WHERE g.job_id = j.id) ORDER BY status <> '{status_from}' "
        f"LIMIT {count}) RETURNING id"
    )
    ids = [line for line in output.splitlines() if len(line) == 36]  # not psql's "UPDATE n" line
    if len(ids) < count:
        raise SystemExit(f"only {len(ids)} jobs of {team} to complete; seed more (BENCH_JOBS)")
    path = RESULTS / "complete-ids.txt"
    path.write_text("\n".join(ids) + "\n")
    return path


def explain_queries(token: str, urls: dict[str, str]) -> dict[str, Any]:
    """Run each URL in-process: count its queries, EXPLAIN (ANALYZE, BUFFERS) them, flag seq scans on jobs."""
    code = f"""
import json, os, re, django
django.setup()
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
out = []
counts = {{}}
client = Client()
for name, url in json.loads(os.environ["URLS"]).items():
    method, rest = url.split(" ", 1)
    path, _, body = rest.partition(" ")
    call = client.get if method == "GET" else client.post
    kwargs = dict(headers={{"Authorization": "Bearer {token}", "Host": "127.0.0.1"}})
    if method == "POST":
        kwargs.update(data=body, content_type="application/json")
    call(path, **kwargs)  # warm: the key lookup is cached after the first request, as in a running worker
    with CaptureQueriesContext(connection) as captured:
        response = call(path, **kwargs)
    counts[name] = len(captured.captured_queries)
    for query in captured.captured_queries:
        sql = query["sql"]
        if not sql.lstrip().upper().startswith(("SELECT", "WITH")) or "jobs_job" not in sql:
            continue
        with connection.cursor() as cursor:
            cursor.execute("EXPLAIN (ANALYZE, BUFFERS, FORMAT TEXT) " + sql)
            plan = "\\n".join(row[0] for row in cursor.fetchall())
        out.append({{"endpoint": name, "status": response.status_code, "sql": sql[:500], "plan": plan,
                     "seq_scan_on_jobs": re.search(r"Seq Scan on jobs_job(?![a-z_])", plan) is not None}})
print("EXPLAIN_JSON " + json.dumps({{"plans": out, "queries": counts}}))
"""
    env = {**ENV, "URLS": json.dumps(urls), "DJANGO_SETTINGS_MODULE": "config.settings_bench"}
    output = subprocess.run([PY, "-c", code], cwd=ROOT, env=env, check=True, text=True, stdout=subprocess.PIPE).stdout
    return json.loads(next(line for line in output.splitlines() if line.startswith("EXPLAIN_JSON ")).split(" ", 1)[1])


def measure_auth(token: str) -> dict[str, dict[str, float]]:
    """Authentication and the rate limit, timed in-process (bench/auth_cost.py)."""
    env = {**ENV, "BENCH_TOKEN": token}
    output = subprocess.run([PY, str(ROOT / "bench" / "auth_cost.py")], cwd=ROOT, env=env, check=True, text=True,
                            stdout=subprocess.PIPE).stdout  # fmt: skip
    figures: dict[str, dict[str, float]] = json.loads(
        next(line for line in output.splitlines() if line.startswith("AUTH_JSON ")).split(" ", 1)[1]
    )
    for name, f in figures.items():
        log(f"{name:<38} mean={f['mean_us']:.0f}µs p99={f['p99_us']:.0f}µs")
    return figures


def measure_layers() -> str:
    """The layer table (bench/layers.py), in-process on the same database; its figures go to results/."""
    log("timing the layers in-process (bench/layers.py)")
    output = subprocess.run([PY, str(ROOT / "bench" / "layers.py"), "--json", str(RESULTS / "layers.json")],
                            cwd=ROOT, env=ENV, check=True, text=True, stdout=subprocess.PIPE).stdout  # fmt: skip
    return output


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--jobs", type=int, default=int(os.environ.get("BENCH_JOBS", "1000000")))
    parser.add_argument("--seconds", type=int, default=int(os.environ.get("BENCH_SECONDS", "10")))
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        raise SystemExit("wrk is required (make bench installs it with apt-get)")
    RESULTS.mkdir(parents=True, exist_ok=True)
    previous = RESULTS / "results.json"  # the committed run: the "before" of search, metrics, filter options
    before = json.loads(previous.read_text()) if previous.exists() else None
    load_start = os.getloadavg()[0]
    started = time.monotonic()
    ensure_database(args.jobs)
    seed_seconds = time.monotonic() - started
    token = manage("createapikey", TEAMS[0], "--name", "bench", "--scopes",
                   "jobs.write assets.read search.read metrics.read projects.read invoices.read",
                   capture=True).strip().splitlines()[-1]  # fmt: skip
    team_id = psql(f"SELECT id FROM accounts_team WHERE slug = '{TEAMS[0]}'")
    job_type = psql(f"SELECT id FROM jobs_jobtype WHERE team_id = '{team_id}' ORDER BY key LIMIT 1")
    # Writes go to the other team, so that the reads of every run see the same seeded rows.
    writer = manage("createapikey", TEAMS[1], "--name", "bench-writes", "--scopes", "jobs.write",
                    capture=True).strip().splitlines()[-1]  # fmt: skip
    writer_team = psql(f"SELECT id FROM accounts_team WHERE slug = '{TEAMS[1]}'")
    engineer = f"SELECT user_id FROM accounts_membership WHERE team_id = '{writer_team}' AND role = 'engineer' LIMIT 1"
    ids_file = prepare_ids(TEAMS[1], "PENDING", 20000, engineer)
    writer_type = psql(f"SELECT id FROM jobs_jobtype WHERE team_id = '{writer_team}' ORDER BY key LIMIT 1")
    some_job = psql(f"SELECT id FROM jobs_job WHERE team_id = '{team_id}' ORDER BY created_at DESC LIMIT 1 OFFSET 5000")
    day_ms = int((time.time() - 30 * 86400) * 1000)
    s = args.seconds
    results: list[Result] = []
    port, raw_port, uv_port, solo_port = free_port(), free_port(), free_port(), free_port()
    raw_env = {**os.environ, "RAW_DSN": DSN.replace("postgres://", "postgresql://"), "RAW_TEAM_ID": team_id}

    with server(gunicorn(port), port, "/v1/openapi.json") as base, \
         server(gunicorn(raw_port, "bench.raw_app:application", workers=1), raw_port, "/", raw_env) as raw, \
         server(gunicorn(solo_port, workers=1), solo_port, "/v1/openapi.json") as solo:  # fmt: skip
        key_1000 = deep_key(base, token, 1000)
        # The ceiling must send the same page: identical rows, or its figure means nothing.
        same_page = get_json(f"{base}/v1/jobs", token)["data"] == get_json(f"{raw}/", token)["data"]
        log(f"raw ceiling sends the same rows as GET /v1/jobs: {same_page}")
        if not same_page:
            raise SystemExit("bench/raw_app.py no longer builds the same page as GET /v1/jobs; fix it first")
        q = urllib.parse.urlencode
        scenarios: list[tuple[str, str, dict[str, str]]] = [
            ("GET /v1/jobs first page", f"{base}/v1/jobs", {}),
            ("GET /v1/jobs page 1000 (keyset)", f"{base}/v1/jobs?{q({'lastEvaluatedKey': key_1000})}", {}),
            ("GET /v1/jobs status+type+date", f"{base}/v1/jobs?{q({'status': 'COMPLETED', 'jobType': job_type, 'dateFrom': day_ms})}", {}),
            ("GET /v1/jobs/{id}", f"{base}/v1/jobs/{some_job}", {}),
            ("POST /v1/jobs", f"{base}/v1/jobs", {"WRK_METHOD": "POST", "WRK_TOKEN": writer,
                "WRK_BODY": json.dumps({"jobTypeId": writer_type})}),
            ("POST /v1/jobs/{id}/complete", f"{base}/v1/jobs", {"WRK_METHOD": "POST", "WRK_IDS": str(ids_file), "WRK_TOKEN": writer,
                "WRK_PATH_TEMPLATE": "/v1/jobs/%s/complete", "WRK_BODY": json.dumps({"resultType": "SUCCESS"})}),
            ("POST /v1/search", f"{base}/v1/search", {"WRK_METHOD": "POST", "WRK_BODY": json.dumps({"query": "boiler service"})}),
            ("GET /v1/metrics/jobs (90 days)", f"{base}/v1/metrics/jobs?{q({'dateFrom': int((time.time() - 90 * 86400) * 1000), 'interval': 'week'})}", {}),
            ("GET /v1/assets/filter-options", f"{base}/v1/assets/filter-options", {}),
        ]  # fmt: skip
        for name, url, env in scenarios:
            results.append(wrk(name, url, token, 1, s, **env))
        for name, url, env in scenarios[:4]:
            results.append(wrk(name, url, token, 4, s, **env))
        # Comparisons on the same table, same machine, same run.
        naive_first = wrk("naive DRF offset, first page", f"{base}/bench/naive/jobs?limit=25", token, 1, s)
        naive_deep = wrk("naive DRF offset, page 1000", f"{base}/bench/naive/jobs?limit=25&offset=24975", token, 1, s)
        naive_500k = wrk("naive DRF offset 250000", f"{base}/bench/naive/jobs?limit=25&offset=250000", token, 1, s)
        deepest = max(0, args.jobs // len(TEAMS) - 25)  # the team's last page (page 20,000 at 1M jobs)
        naive_last = wrk(
            f"naive DRF offset {deepest}", f"{base}/bench/naive/jobs?limit=25&offset={deepest}", token, 1, s
        )
        careful = wrk("careful DRF keyset, first page", f"{base}/bench/careful/jobs", token, 1, s)
        ceiling = wrk("raw psycopg+orjson, first page", f"{raw}/", token, 1, s)
        results += [naive_first, naive_deep, naive_500k, naive_last, careful, ceiling]
        # The ratio target, paired: the first page and the ceiling one after the other, in rounds, so a
        # change of the machine's speed between two scenarios minutes apart stays out of it (this
        # machine's moved by up to 1.5× within minutes; the ceiling is timed long after the first page),
        # and on the same server: one sync worker each, as the ceiling runs (a sync worker closes the
        # connection after each answer, and with two workers both wake at every new connection: ~0.09 ms
        # a request on this 2-core machine, the ceiling's own 0.45 ms becoming 0.55 ms).
        paired = [
            (wrk(f"{FIRST} (paired, one worker)", f"{solo}/v1/jobs", token, 1, PAIRED_SECONDS).p50_ms,
             wrk("raw psycopg+orjson, first page (paired)", f"{raw}/", token, 1, PAIRED_SECONDS).p50_ms)
            for _ in range(PAIRED_ROUNDS)
        ]  # fmt: skip
        explained = explain_queries(token, {
            "jobs first page": "GET /v1/jobs",
            "jobs first page, limit=100": "GET /v1/jobs?limit=100",
            "jobs page 1000": f"GET /v1/jobs?{q({'lastEvaluatedKey': key_1000})}",
            "jobs status+type+date": f"GET /v1/jobs?{q({'status': 'COMPLETED', 'jobType': job_type, 'dateFrom': day_ms})}",
            "search": 'POST /v1/search {"query": "boiler service"}',
            "metrics 90 days": f"GET /v1/metrics/jobs?{q({'dateFrom': int((time.time() - 90 * 86400) * 1000)})}",
        })  # fmt: skip

    # Sync Django under uvicorn (ASGI) for the same first page, to choose the production server.
    with server([str(BIN / "uvicorn"), "config.asgi:application", "--port", str(uv_port), "--log-level", "error",
                 "--no-access-log"], uv_port, "/v1/openapi.json") as uv:  # fmt: skip
        uvicorn_first = wrk("uvicorn (ASGI) first page", f"{uv}/v1/jobs", token, 1, s)
        uvicorn_first_c4 = wrk("uvicorn (ASGI) first page", f"{uv}/v1/jobs", token, 4, s)
    results += [uvicorn_first, uvicorn_first_c4]

    by_name = {(r.name, r.concurrency): r for r in results}
    first = by_name[("GET /v1/jobs first page", 1)]
    deep = by_name[("GET /v1/jobs page 1000 (keyset)", 1)]
    ratios = {
        "deep_vs_first_keyset": deep.p50_ms / first.p50_ms,
        "deep_vs_first_naive_offset": naive_deep.p50_ms / naive_first.p50_ms,
        "naive_first_vs_ours": naive_first.p50_ms / first.p50_ms,
        "naive_page1000_vs_ours_page1000": naive_deep.p50_ms / deep.p50_ms,
        "naive_offset250k_vs_ours_page1000": naive_500k.p50_ms / deep.p50_ms,
        "naive_last_page_vs_ours_page1000": naive_last.p50_ms / deep.p50_ms,
        "careful_keyset_vs_ours": careful.p50_ms / first.p50_ms,
        "ours_vs_raw_ceiling": first.p50_ms / ceiling.p50_ms,
        "ours_vs_raw_ceiling_paired": statistics.median(ours / raw_ for ours, raw_ in paired),
        "uvicorn_vs_gunicorn_sync_c1": uvicorn_first.p50_ms / first.p50_ms,
    }
    explains, query_counts = explained["plans"], explained["queries"]
    seq_scans = [e["endpoint"] for e in explains if e["seq_scan_on_jobs"]]
    auth_cost = measure_auth(token)
    layers_markdown = measure_layers()
    summary = {
        "run_seconds": round(time.monotonic() - started, 1),
        "load": {"start": round(load_start, 2), "end": round(os.getloadavg()[0], 2), "cores": os.cpu_count()},
        "layers_markdown": layers_markdown,
        "when": dt.datetime.now(dt.UTC).isoformat(),
        "jobs": int(psql("SELECT count(*) FROM jobs_job")),
        "seed_seconds": round(seed_seconds, 1),
        "seconds_per_scenario": s,
        "results": [asdict(r) for r in results],
        "ratios": ratios,
        "paired_with_ceiling_p50_ms": paired,
        "explain": explains,
        "seq_scans_on_jobs": seq_scans,
        "queries_per_request": query_counts,
        "auth_and_throttle_us": auth_cost,
    }
    (RESULTS / "results.json").write_text(json.dumps(summary, indent=2))
    table = render_markdown(summary, before)
    (RESULTS / "results.md").write_text(table)
    print(table)
    plot(results, RESULTS / "latency.png")


if __name__ == "__main__":
    main()
