"""The machine's PostgreSQL and Redis, and the processes the harness starts (gunicorn, the background worker).

Every command here is a fixed argument list (no shell); every process the harness starts is
remembered by its pid and stopped by that pid only.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

PG_VERSION, PG_CLUSTER = "15", "main"
REDIS_START = [
    "redis-server", "--daemonize", "yes", "--bind", "127.0.0.1", "-::1", "--port", "6379", "--save", "",
    "--appendonly", "no", "--dir", "/var/lib/redis", "--logfile", "/var/log/redis/ci.log",
]  # fmt: skip


def run(command: Sequence[str], check: bool = True, timeout: float = 120, env: dict[str, str] | None = None) -> str:
    """Run a fixed command (resolved on PATH) and return its stdout."""
    executable = shutil.which(command[0]) or command[0]
    result = subprocess.run(  # noqa: S603 - fixed argument lists, no shell
        [executable, *command[1:]], capture_output=True, text=True, timeout=timeout, check=False, env=env
    )
    if check and result.returncode != 0:
        raise RuntimeError(f"{' '.join(command)} failed ({result.returncode}): {result.stderr.strip()}")
    return result.stdout


# PostgreSQL ----------------------------------------------------------------------------------------
def postgres_ready() -> bool:
    command = [shutil.which("pg_isready") or "pg_isready", "-h", "127.0.0.1", "-q"]
    return subprocess.run(command, check=False).returncode == 0  # noqa: S603 - a fixed command


def restart_postgres() -> None:
    run(["pg_ctlcluster", "--skip-systemctl-redirect", PG_VERSION, PG_CLUSTER, "restart"], timeout=120)


def ensure_postgres() -> None:
    """Start the cluster if it is down (after a failed restart, say)."""
    if not postgres_ready():
        run(["pg_ctlcluster", "--skip-systemctl-redirect", PG_VERSION, PG_CLUSTER, "start"], check=False)
    deadline = time.monotonic() + 60
    while not postgres_ready():
        if time.monotonic() > deadline:
            raise RuntimeError("PostgreSQL did not come back within 60 s")
        time.sleep(0.5)


# Redis ---------------------------------------------------------------------------------------------
def redis_ready() -> bool:
    try:
        return run(["redis-cli", "-h", "127.0.0.1", "ping"], check=False, timeout=5).strip() == "PONG"
    except subprocess.TimeoutExpired:
        return False


def stop_redis() -> None:
    run(["redis-cli", "-h", "127.0.0.1", "shutdown", "nosave"], check=False)
    deadline = time.monotonic() + 10
    while redis_ready() and time.monotonic() < deadline:
        time.sleep(0.1)


def start_redis() -> None:
    run(REDIS_START)
    deadline = time.monotonic() + 20
    while not redis_ready():
        if time.monotonic() > deadline:
            raise RuntimeError("Redis did not start within 20 s")
        time.sleep(0.1)


def ensure_redis() -> None:
    if not redis_ready():
        start_redis()


# Processes the harness owns -------------------------------------------------------------------------
@dataclass
class Managed:
    """A process the harness started, with its output going to a log file."""

    name: str
    process: subprocess.Popen[bytes]
    log: Path

    @classmethod
    def start(cls, name: str, command: Sequence[str], env: dict[str, str], log: Path, cwd: Path) -> Managed:
        handle = log.open("ab")
        process = subprocess.Popen(  # noqa: S603 - fixed argument lists, no shell
            list(command), env=env, cwd=cwd, stdout=handle, stderr=subprocess.STDOUT, start_new_session=True
        )
        return cls(name, process, log)

    @property
    def pid(self) -> int:
        return self.process.pid

    def alive(self) -> bool:
        return self.process.poll() is None

    def kill(self) -> None:
        """SIGKILL: the process dies mid-whatever, as in a crash."""
        if self.alive():
            os.kill(self.pid, signal.SIGKILL)
            self.process.wait(timeout=10)

    def stop(self, timeout: float = 30) -> None:
        """SIGTERM and wait; SIGKILL if it does not go."""
        if not self.alive():
            return
        os.kill(self.pid, signal.SIGTERM)
        try:
            self.process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.kill()


def children(pid: int) -> list[int]:
    """The direct child processes of `pid` (gunicorn's workers, for its master)."""
    found = []
    for task in Path(f"/proc/{pid}/task").glob("*/children"):
        found += [int(child) for child in task.read_text().split()]
    return found
