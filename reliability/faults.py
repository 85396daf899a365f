"""The faults injected during the load, each with its recovery time measured.

A fault's window runs from the moment it is injected until the API answers a probe with 200 again
(and, for a killed worker, until it is replaced); 5xx answers inside a window are expected (as
503s in the envelope), outside one they count as failures.
"""

from __future__ import annotations

import http.client
import time
from collections.abc import Callable
from dataclasses import dataclass

from reliability import services

RECOVERY_LIMIT = 90.0


@dataclass
class Fault:
    name: str
    started: float  # seconds since the load started
    ended: float  # when the API (and the part that failed) was healthy again
    recovered: bool
    detail: str = ""

    @property
    def recovery_seconds(self) -> float:
        return self.ended - self.started


def probe(host: str, port: int, token: str) -> int:
    """One `GET /v1/jobs?limit=1` on a fresh connection; 0 if nothing answered."""
    connection = http.client.HTTPConnection(host, port, timeout=5)
    try:
        connection.request("GET", "/v1/jobs?limit=1", headers={"Authorization": f"Bearer {token}"})
        return connection.getresponse().status
    except (OSError, http.client.HTTPException):
        return 0
    finally:
        connection.close()


def wait_until(condition: Callable[[], bool], limit: float = RECOVERY_LIMIT, every: float = 0.1) -> bool:
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(every)
    return False


class Injector:
    """Injects faults against the running server; `clock` gives seconds since the load started."""

    def __init__(self, host: str, port: int, token: str, clock: Callable[[], float]) -> None:
        self.host, self.port, self.token, self.clock = host, port, token, clock
        self.faults: list[Fault] = []

    def healthy(self) -> bool:
        return probe(self.host, self.port, self.token) == 200

    def _finish(self, name: str, started: float, recovered: bool, detail: str = "") -> Fault:
        fault = Fault(name, started, self.clock(), recovered, detail)
        self.faults.append(fault)
        return fault

    def restart_postgres(self) -> Fault:
        started = self.clock()
        services.restart_postgres()
        recovered = wait_until(self.healthy)
        return self._finish("restart PostgreSQL", started, recovered)

    def stop_redis(self, outage: float) -> Fault:
        """Redis down for `outage` seconds: the API must keep answering 200 meanwhile (throttling degrades open)."""
        started = self.clock()
        services.stop_redis()
        served = failed = 0
        deadline = time.monotonic() + outage
        while time.monotonic() < deadline:
            if self.healthy():
                served += 1
            else:
                failed += 1
            time.sleep(0.2)
        services.start_redis()
        recovered = wait_until(lambda: services.redis_ready() and self.healthy())
        return self._finish("stop Redis", started, recovered and failed == 0,
                            f"{served} probes served, {failed} failed while Redis was down")  # fmt: skip

    def kill_gunicorn_worker(self, master: services.Managed, workers: int) -> Fault:
        started = self.clock()
        victims = services.children(master.pid)
        if not victims:
            return self._finish("kill a gunicorn worker", started, False, "no workers found")
        victim = victims[0]
        services.run(["kill", "-KILL", str(victim)])
        replaced = wait_until(lambda: victim not in services.children(master.pid)
                              and len(services.children(master.pid)) >= workers)  # fmt: skip
        recovered = replaced and wait_until(self.healthy)
        return self._finish("kill a gunicorn worker", started, recovered, f"pid {victim} replaced")

    def kill_flows_worker(
        self, worker: services.Managed, busy_flow: Callable[[], str | None], restart: Callable[[], services.Managed]
    ) -> tuple[Fault, services.Managed, str | None]:
        """Wait for the worker to hold a flow (rendering or sending), SIGKILL it, start a new one."""
        started = self.clock()
        flow_id: str | None = None
        deadline = time.monotonic() + 30
        while flow_id is None and time.monotonic() < deadline:
            flow_id = busy_flow()
            if flow_id is None:
                time.sleep(0.02)
        worker.kill()
        replacement = restart()
        detail = f"killed holding flow {flow_id}" if flow_id else "killed idle (no flow in progress within 30 s)"
        fault = self._finish("kill the flows worker", started, replacement.alive(), detail)
        return fault, replacement, flow_id
