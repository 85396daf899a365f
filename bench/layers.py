"""Where a request's time goes, layer by layer: `GET /v1/jobs`, `GET /v1/jobs/{id}` and the writes.

Runs in-process against the bench database (`config.settings_bench`, the production settings),
calling the WSGI application gunicorn serves (`config.wsgi.application`) with a plain WSGI environ,
so every middleware, DRF and the view run exactly as they do behind gunicorn, without a socket.

Each layer is a function wrapped with a clock (`LayerClock`): while a wrapped function runs, time
goes to its label, and a wrapped function called inside it takes its own share, so the shares are
exclusive and add up to the request. Queries are labelled by their SQL (one line per query); the
middleware chain is walked and each middleware gets the time between being called and calling the
next one, plus its way back. Over `--requests` calls per endpoint in `--rounds` rounds, the table
gives each layer's mean µs per request (median of the rounds) and its share of the request.

The machine may be loaded: the shares are what to read (they hold under load); absolute µs move.
`--plain` times the same requests without any wrapper (the instrumented total runs a little above).

    DJANGO_SETTINGS_MODULE=config.settings_bench DATABASE_URL=... python bench/layers.py [--json FILE]
"""

from __future__ import annotations

import argparse
import io
import json
import os
import statistics
import sys
import time
from collections import defaultdict
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings_bench")

from bench.layer_clock import CLOCK, CLOCK_, CPU, OUTSIDE, instrument, unwrap_all


# --- Requests ---------------------------------------------------------------------------------------
def environ(method: str, path: str, token: str, query: str = "", body: bytes = b"") -> dict[str, Any]:
    return {
        "REQUEST_METHOD": method, "PATH_INFO": path, "QUERY_STRING": query, "SCRIPT_NAME": "",
        "SERVER_NAME": "127.0.0.1", "SERVER_PORT": "80", "SERVER_PROTOCOL": "HTTP/1.1", "REMOTE_ADDR": "127.0.0.1",
        "HTTP_HOST": "127.0.0.1", "HTTP_AUTHORIZATION": f"Bearer {token}", "HTTP_ACCEPT": "*/*",
        "CONTENT_TYPE": "application/json", "CONTENT_LENGTH": str(len(body)), "wsgi.input": io.BytesIO(body),
        "wsgi.errors": sys.stderr, "wsgi.url_scheme": "http", "wsgi.version": (1, 0), "wsgi.multithread": False,
        "wsgi.multiprocess": True, "wsgi.run_once": False,
    }  # fmt: skip


def call(application: Any, env: dict[str, Any]) -> tuple[int, bytes]:
    status: list[str] = []
    result = application(env, lambda s, headers, exc_info=None: status.append(s))
    try:
        body = b"".join(result)
    finally:
        result.close()  # request_finished: Django closes obsolete connections here, as under gunicorn
    return int(status[0].split()[0]), body


@contextmanager
def counting_queries() -> Iterator[list[str]]:
    from django.db import connection

    seen: list[str] = []

    def execute(run: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
        seen.append(sql)
        return run(sql, params, many, context)

    with connection.execute_wrapper(execute):
        yield seen


def measure(application: Any, make_env: Callable[[int], dict[str, Any]], requests: int, rounds: int,
            instrumented: bool) -> dict[str, Any]:  # fmt: skip
    """Per layer: mean CPU and wall µs per request in each round; the median round is reported."""
    per_round: list[dict[str, float]] = []
    per_round_wall: list[dict[str, float]] = []
    totals: list[float] = []
    walls: list[float] = []
    index = 0
    for _ in range(rounds):
        CLOCK_.reset()
        started, started_wall = CPU(), CLOCK()
        for _ in range(requests):
            status, _body = call(application, make_env(index))
            index += 1
            if status >= 400:
                raise SystemExit(f"{make_env(index - 1)['PATH_INFO']} answered {status}: {_body[:300]!r}")
        totals.append((CPU() - started) / requests / 1000)
        walls.append((CLOCK() - started_wall) / requests / 1000)
        if instrumented:
            per_round.append({k: v / requests / 1000 for k, v in CLOCK_.cpu.items() if k != OUTSIDE})
            per_round_wall.append({k: v / requests / 1000 for k, v in CLOCK_.wall.items() if k != OUTSIDE})

    def median_layers(rounds_: list[dict[str, float]]) -> dict[str, float]:
        names = {name for r in rounds_ for name in r}
        return {name: statistics.median(r.get(name, 0.0) for r in rounds_) for name in names}

    return {"total_us": statistics.median(totals), "wall_us": statistics.median(walls),
            "layers": median_layers(per_round), "layers_wall": median_layers(per_round_wall)}  # fmt: skip


# --- The scenarios ------------------------------------------------------------------------------------
def _token(team: str, name: str, scopes: str) -> str:
    from django.core.management import call_command

    out = io.StringIO()
    call_command("createapikey", team, "--name", name, "--scopes", scopes, stdout=out)
    return out.getvalue().strip().splitlines()[-1]


def _one(sql: str) -> Any:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(sql)
        row = cursor.fetchone()
    return row[0] if row else None


def _ids(sql: str) -> list[str]:
    from django.db import connection, transaction

    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(sql)
        return [str(row[0]) for row in cursor.fetchall()]


def scenarios(count: int, only: set[str] | None = None) -> dict[str, Callable[[int], dict[str, Any]]]:
    """Each scenario makes the environ of its i-th request. Writes go to team bench-b (as in run.py)."""
    from urllib.parse import urlencode

    reader = _token("bench-a", "bench-layers", "jobs.write")
    writer = _token("bench-b", "bench-layers-writes", "jobs.write")
    team_a = _one("SELECT id FROM accounts_team WHERE slug = 'bench-a'")
    team_b = _one("SELECT id FROM accounts_team WHERE slug = 'bench-b'")
    job_type = _one(f"SELECT id FROM jobs_jobtype WHERE team_id = '{team_a}' ORDER BY key LIMIT 1")
    writer_type = _one(f"SELECT id FROM jobs_jobtype WHERE team_id = '{team_b}' ORDER BY key LIMIT 1")
    some_job = _one(f"SELECT id FROM jobs_job WHERE team_id = '{team_a}' ORDER BY created_at DESC LIMIT 1 OFFSET 5000")
    engineer = f"SELECT user_id FROM accounts_membership WHERE team_id = '{team_b}' AND role = 'engineer' LIMIT 1"
    since = int((time.time() - 30 * 86400) * 1000)
    filters = urlencode({"status": "COMPLETED", "jobType": job_type, "dateFrom": since})
    found: dict[str, Callable[[int], dict[str, Any]]] = {
        "GET /v1/jobs": lambda i: environ("GET", "/v1/jobs", reader),
        "GET /v1/jobs status+type+date": lambda i: environ("GET", "/v1/jobs", reader, filters),
        "GET /v1/jobs/{id}": lambda i: environ("GET", f"/v1/jobs/{some_job}", reader),
        "POST /v1/jobs": lambda i: environ(
            "POST", "/v1/jobs", writer, body=json.dumps({"jobTypeId": str(writer_type)}).encode()
        ),
    }
    if only is None or {"POST /v1/jobs/{id}/start", "POST /v1/jobs/{id}/complete"} & only:
        # Jobs of the writer team never completed, made ready for a move (each is started, then
        # completed, once; IN_PROGRESS already when only the completion is measured); pending ones first.
        moved = "ASSIGNED" if only is None or "POST /v1/jobs/{id}/start" in only else "IN_PROGRESS"
        ids = _ids(
            f"UPDATE jobs_job SET status = '{moved}', assigned_to_id = ({engineer}) WHERE id IN (SELECT id FROM "
            f"jobs_job j WHERE team_id = '{team_b}' AND status <> 'COMPLETED' AND NOT EXISTS (SELECT 1 FROM "
            f"jobs_flowgroup g WHERE g.job_id = j.id) ORDER BY status <> 'PENDING' LIMIT {count}) RETURNING id"
        )
        if len(ids) < count:
            raise SystemExit(f"only {len(ids)} jobs in bench-b to move; seed more (BENCH_JOBS)")
        found["POST /v1/jobs/{id}/start"] = lambda i: environ("POST", f"/v1/jobs/{ids[i]}/start", writer, body=b"{}")
        found["POST /v1/jobs/{id}/complete"] = lambda i: environ(
            "POST", f"/v1/jobs/{ids[i]}/complete", writer, body=b'{"resultType": "SUCCESS"}'
        )
    return {name: make for name, make in found.items() if only is None or name in only}


def group(name: str) -> str:
    if name.startswith("middleware:"):
        return "all middleware"
    if name.startswith("SQL ") and "fetch" not in name:
        return "all SQL round trips"
    return ""


def render(results: dict[str, dict[str, Any]]) -> str:
    """One table per request: layers by CPU share, then the groups; µs are means per request.

    CPU is this process's (the worker's); a query's CPU is the client's side of it (sending, waiting
    is not CPU, loading rows). Wall includes the waits: PostgreSQL's and Redis's work, and, on a
    loaded machine, time spent waiting for a core.
    """
    lines: list[str] = []
    for name, figures in results.items():
        layers: dict[str, float] = figures["layers"]
        walls: dict[str, float] = figures["layers_wall"]
        total, total_wall = sum(layers.values()) or 1.0, sum(walls.values()) or 1.0
        lines += [f"#### `{name}`: {figures['plain_us']:.0f} µs CPU per request uninstrumented "
                  f"({figures['total_us']:.0f} instrumented), {figures['plain_wall_us']:.0f} µs wall; "
                  f"{figures['queries']} queries", "",
                  "| layer | CPU µs | CPU share | wall µs | wall share |", "|---|---:|---:|---:|---:|"]  # fmt: skip
        for layer, us in sorted(layers.items(), key=lambda item: -item[1]):
            wall = walls.get(layer, 0.0)
            if us / total >= 0.004 or wall / total_wall >= 0.01:
                lines.append(
                    f"| {layer} | {us:.0f} | {100 * us / total:.1f}% | {wall:.0f} | {100 * wall / total_wall:.1f}% |"
                )
        groups: dict[str, list[float]] = defaultdict(lambda: [0.0, 0.0])
        for layer, us in layers.items():
            if group(layer):
                groups[group(layer)][0] += us
                groups[group(layer)][1] += walls.get(layer, 0.0)
        for layer, (us, wall) in groups.items():
            lines.append(f"| *{layer}* | *{us:.0f}* | *{100 * us / total:.1f}%* | *{wall:.0f}* | "
                         f"*{100 * wall / total_wall:.1f}%* |")  # fmt: skip
        lines.append("")
    return "\n".join(lines)


def profile(application: Any, make_env: Callable[[int], dict[str, Any]], requests: int) -> str:
    import cProfile
    import pstats

    profiler = cProfile.Profile()
    profiler.enable()
    for i in range(requests):
        call(application, make_env(i))
    profiler.disable()
    out = io.StringIO()
    pstats.Stats(profiler, stream=out).sort_stats(os.environ.get("PROFILE_SORT", "tottime")).print_stats(
        int(os.environ.get("PROFILE_TOP", "30"))
    )
    return out.getvalue()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--requests", type=int, default=int(os.environ.get("LAYERS_REQUESTS", "100")))
    parser.add_argument("--rounds", type=int, default=int(os.environ.get("LAYERS_ROUNDS", "3")))
    parser.add_argument("--only", action="append", help="a scenario name (repeatable)")
    parser.add_argument("--json", type=Path, help="also write the figures here")
    parser.add_argument("--cprofile", help="print cProfile's top functions for this scenario instead")
    parser.add_argument("--plain", action="store_true", help="only the uninstrumented figures (for A/B runs)")
    args = parser.parse_args()
    import django

    django.setup()
    from config.wsgi import application  # the worker's application, `gc.freeze()` included

    only = set(args.only) if args.only else ({args.cprofile} if args.cprofile else None)
    writes = args.requests * args.rounds * 2 + 60  # plain and instrumented, the warm-up and a count
    todo = scenarios(writes, only)
    warm = 50
    results: dict[str, dict[str, Any]] = {}
    if args.cprofile:
        make = todo[args.cprofile]
        for i in range(warm):
            call(application, make(i))
        print(profile(application, lambda i: make(warm + i), args.requests))
        return
    for name, make in todo.items():
        for i in range(warm):
            call(application, make(i))
        with counting_queries() as seen:
            call(application, make(warm))
        offset = warm + 1
        plain = measure(application, lambda i, o=offset, m=make: m(o + i), args.requests, args.rounds, False)
        results[name] = {"plain_us": plain["total_us"], "plain_wall_us": plain["wall_us"], "queries": len(seen),
                         "queries_sql": [s[:160] for s in seen]}  # fmt: skip
        print(f"[layers] {name}: {plain['total_us']:.0f} µs CPU, {plain['wall_us']:.0f} µs wall", file=sys.stderr)
    if args.plain:
        print("LAYERS_PLAIN " + json.dumps({n: {k: r[k] for k in ("plain_us", "plain_wall_us", "queries")}
                                            for n, r in results.items()}))  # fmt: skip
        return
    instrument(application)
    for name, make in todo.items():
        offset = warm + 1 + args.requests * args.rounds
        figures = measure(application, lambda i, o=offset, m=make: m(o + i), args.requests, args.rounds, True)
        results[name].update(total_us=figures["total_us"], wall_us=figures["wall_us"], layers=figures["layers"],
                             layers_wall=figures["layers_wall"])  # fmt: skip
    unwrap_all()
    if args.json:
        args.json.write_text(json.dumps(results, indent=2))
    print(render(results))


if __name__ == "__main__":
    main()
