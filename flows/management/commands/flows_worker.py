"""`manage.py flows_worker`: the former name of `manage.py run_worker`, kept for existing deployments."""

from __future__ import annotations

from typing import Any

from core.management.commands.run_worker import Command as RunWorker


class Command(RunWorker):
    help = "Deprecated: use `manage.py run_worker` (same options)."

    def handle(self, *args: Any, **options: Any) -> None:
        self.stderr.write("`manage.py flows_worker` is deprecated; run `manage.py run_worker` instead.")
        super().handle(*args, **options)
