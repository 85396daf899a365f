"""`manage.py flows_worker`: the background worker for customer documents and webhook deliveries.

It runs django-tasks-db's worker over the `flows` and `webhooks` queues and, every `--sweep` seconds,
re-queues flows and deliveries whose worker died (an expired lease) or whose task went missing (see
`requeue_stalled_flows` and `requeue_stalled_deliveries`).
"""

from __future__ import annotations

import time
from argparse import ArgumentParser
from typing import Any

from django.core.management.base import BaseCommand
from django.db import close_old_connections
from django_tasks import DEFAULT_TASK_BACKEND_ALIAS
from django_tasks_db.management.commands.db_worker import Worker

from flows.tasks import QUEUE
from flows.worker import WORKER_ID, requeue_stalled_flows
from webhooks.tasks import QUEUE as WEBHOOKS_QUEUE
from webhooks.worker import requeue_stalled_deliveries


class Command(BaseCommand):
    help = "Render and email customer documents (flows) and deliver webhooks: the worker `make run` starts."

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("--interval", type=float, default=1.0, help="Seconds to wait when the queue is empty.")
        parser.add_argument("--sweep", type=float, default=30.0, help="Seconds between sweeps for stalled flows.")
        parser.add_argument("--once", action="store_true", help="Sweep, run every task that is due, then exit.")

    def handle(self, *args: Any, interval: float, sweep: float, once: bool, **options: Any) -> None:
        worker = Worker(
            queue_names=[QUEUE, WEBHOOKS_QUEUE],
            interval=0,
            batch=True,  # `run()` returns when the queue is empty; this loop sweeps and sleeps in between
            backend_name=DEFAULT_TASK_BACKEND_ALIAS,
            startup_delay=False,
            max_tasks=None,
            worker_id=WORKER_ID[:64],
            excluded_queue_names=[],
        )
        if not once:
            worker.configure_signals()
            self.stdout.write(f"Flows worker {WORKER_ID} started (queues '{QUEUE}', '{WEBHOOKS_QUEUE}').")
        last_sweep = 0.0
        while worker.running:
            if time.monotonic() - last_sweep >= sweep or once:
                requeue_stalled_flows()
                requeue_stalled_deliveries()
                last_sweep = time.monotonic()
            worker.run()
            close_old_connections()
            if once:
                return
            time.sleep(interval)
