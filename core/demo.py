"""The demo data set: a team with members, clients, sites, assets, job types and jobs.

Each domain app may add a `demo.py` with `seed(context)`; `seed_demo` calls them in `DEMO_APPS`
order. Seeding is idempotent: it tops a team up to the requested size and never duplicates.
"""

from __future__ import annotations

import importlib
import random
import sys
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any, TextIO

from accounts.models import Team, User

# Plans before jobs: the jobs seeder tops the team up to the requested count, plans' visits included.
DEMO_APPS = ("accounts", "projects", "assets", "plans", "jobs", "flows", "invoicing")


@dataclass
class DemoContext:
    """What the seeders share: the team, its people, a seeded RNG, the requested size, and output."""

    team: Team
    jobs: int
    rng: random.Random
    out: Any = sys.stdout
    members: dict[str, User] = field(default_factory=dict)
    records: dict[str, list[Any]] = field(default_factory=dict)


def batched(items: Sequence[Any], size: int) -> Iterator[Sequence[Any]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


class Progress:
    """A plain-text progress bar on stderr for long seeding runs."""

    def __init__(self, label: str, total: int, stream: TextIO = sys.stderr) -> None:
        self.label, self.total, self.done, self.stream = label, total, 0, stream
        self._shown = -1

    def advance(self, count: int) -> None:
        self.done += count
        percent = 100 * self.done // max(self.total, 1)
        if percent != self._shown:
            self._shown = percent
            filled = percent // 4
            self.stream.write(f"\r{self.label} [{'#' * filled}{'.' * (25 - filled)}] {self.done}/{self.total}")
            if self.done >= self.total:
                self.stream.write("\n")
            self.stream.flush()


def seed_team(context: DemoContext) -> None:
    for app in DEMO_APPS:
        try:
            module = importlib.import_module(f"{app}.demo")
        except ModuleNotFoundError as exc:
            if exc.name != f"{app}.demo":
                raise
            continue
        module.seed(context)
