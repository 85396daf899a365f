"""`manage.py run_worker`: the background worker, running every queue the apps declare.

Today that is customer documents (the `flows` queue: render, email, retry) and webhook deliveries
(the `webhooks` queue). Every `--sweep` seconds it also re-queues work whose worker died (an expired
lease) or whose task went missing (see `core.work`). Several workers may run side by side.
"""

from __future__ import annotations

import signal
import threading
import time
from argparse import ArgumentParser
from types import FrameType
from typing import Any

from django.core.management.base import BaseCommand
from django.db import close_old_connections

from core import work


class Command(BaseCommand):
    help = "Run the background work (flows: render and email customer documents; webhook deliveries)."

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("--interval", type=float, default=1.0, help="Seconds to wait when the queues are empty.")
        parser.add_argument("--sweep", type=float, default=30.0, help="Seconds between sweeps for stalled work.")
        parser.add_argument("--once", action="store_true", help="Sweep, run every task that is due, then exit.")

    def handle(self, *args: Any, interval: float, sweep: float, once: bool, **options: Any) -> None:
        queues = work.registered_queues()
        names = [queue.name for queue in queues]
        stop = threading.Event()
        if not once:
            self._stop_on_signals(stop)
            self.stdout.write(f"Worker {work.WORKER_ID} started (queues {', '.join(names)}).")
        last_sweep: float | None = None
        while not stop.is_set():
            if once or last_sweep is None or time.monotonic() - last_sweep >= sweep:
                work.sweep(queues)
                last_sweep = time.monotonic()
            work.run_due_tasks(names, should_stop=stop.is_set)
            close_old_connections()  # as after a request: drop connections that broke or grew too old
            if once:
                return
            stop.wait(interval)

    def _stop_on_signals(self, stop: threading.Event) -> None:
        """The first SIGINT/SIGTERM stops after the running task; a second one stops at once."""

        def handler(signum: int, frame: FrameType | None) -> None:
            if stop.is_set():
                raise SystemExit(1)
            self.stderr.write(f"{signal.Signals(signum).name}: stopping after the running task.")
            stop.set()

        for name in ("SIGINT", "SIGTERM", "SIGQUIT"):
            if hasattr(signal, name):
                signal.signal(getattr(signal, name), handler)
