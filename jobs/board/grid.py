"""The dispatch board's week: a row per engineer (and one for unassigned jobs), a cell per day, the
jobs as cards in time order, and the overlapping time windows of one engineer's day flagged.

Pure arrangement of rows already read (no queries): the page reads the week's jobs and the team's
engineers once each, whatever their number.
"""

from __future__ import annotations

import datetime as dt
import zoneinfo
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from accounts.models import User
from jobs.models import Job, JobStatus
from jobs.services import RESCHEDULABLE

UNASSIGNED = "unassigned"
DAYS_IN_WEEK = 7


def monday_of(day: dt.date) -> dt.date:
    return day - dt.timedelta(days=day.weekday())


@dataclass
class Card:
    """A job on the board, with its window in the team's time zone ("08:00"–"10:00", or none)."""

    job: Job
    start: str = ""
    end: str = ""
    overlaps: bool = False
    # Whether the board may move it: a job still to do (assign only before it starts).
    movable: bool = False
    assignable: bool = False


@dataclass
class Cell:
    day: dt.date
    is_today: bool
    cards: list[Card] = field(default_factory=list)


@dataclass
class Row:
    """One engineer's week (`engineer` None: the unassigned jobs)."""

    key: str
    label: str
    engineer: User | None
    cells: list[Cell]
    note: str = ""

    @property
    def job_count(self) -> int:
        return sum(len(cell.cards) for cell in self.cells)


@dataclass
class Week:
    monday: dt.date
    today: dt.date
    days: list[dt.date]
    rows: list[Row]
    job_count: int
    overlap_count: int

    @property
    def previous(self) -> dt.date:
        return self.monday - dt.timedelta(days=DAYS_IN_WEEK)

    @property
    def next(self) -> dt.date:
        return self.monday + dt.timedelta(days=DAYS_IN_WEEK)

    @property
    def sunday(self) -> dt.date:
        return self.days[-1]


def _card(job: Job, zone: zoneinfo.ZoneInfo) -> Card:
    card = Card(job=job, movable=job.status in RESCHEDULABLE,
                assignable=job.status in (JobStatus.PENDING, JobStatus.ASSIGNED))  # fmt: skip
    if job.scheduled_start is not None and job.scheduled_end is not None:
        card.start = job.scheduled_start.astimezone(zone).strftime("%H:%M")
        card.end = job.scheduled_end.astimezone(zone).strftime("%H:%M")
    return card


def flag_overlaps(cards: Sequence[Card]) -> int:
    """Mark the cards whose time windows overlap another's (touching ends do not); how many are marked."""
    timed = sorted(
        (
            (c.job.scheduled_start, c.job.scheduled_end, c)
            for c in cards
            if c.job.scheduled_start and c.job.scheduled_end
        ),
        key=lambda entry: entry[0],
    )
    latest: tuple[dt.datetime, Card] | None = None  # of the windows seen so far, the one that ends last
    for start, end, card in timed:
        if latest is not None and start < latest[0]:
            card.overlaps = latest[1].overlaps = True
        if latest is None or end > latest[0]:
            latest = (end, card)
    return sum(card.overlaps for card in cards)


def _in_day_order(card: Card) -> tuple[int, dt.datetime, dt.datetime]:
    # Timed jobs first by their start, then those without a window, oldest first.
    start = card.job.scheduled_start
    return (0, start, card.job.created_at) if start is not None else (1, card.job.created_at, card.job.created_at)


def build_week(
    *, monday: dt.date, today: dt.date, zone: zoneinfo.ZoneInfo, engineers: Iterable[User], jobs: Iterable[Job]
) -> Week:
    """Arrange the week's jobs in rows: the engineers (by name), then anyone else a job is assigned to
    (an owner who took a job, a former engineer), then the unassigned jobs."""
    days = [monday + dt.timedelta(days=offset) for offset in range(DAYS_IN_WEEK)]
    index = {day: position for position, day in enumerate(days)}
    by_person: dict[str, list[Card]] = defaultdict(list)
    people: dict[str, User] = {}
    for job in jobs:
        if job.scheduled_date not in index:
            continue
        key = str(job.assigned_to_id) if job.assigned_to_id else UNASSIGNED
        if job.assigned_to_id:
            people[key] = job.assigned_to  # type: ignore[assignment]
        by_person[key].append(_card(job, zone))

    def row(key: str, label: str, engineer: User | None, note: str = "") -> Row:
        cells = [Cell(day=day, is_today=day == today) for day in days]
        for card in by_person.get(key, ()):
            cells[index[card.job.scheduled_date]].cards.append(card)  # type: ignore[index]
        for cell in cells:
            cell.cards.sort(key=_in_day_order)
        return Row(key=key, label=label, engineer=engineer, cells=cells, note=note)

    rows = [row(str(person.pk), str(person), person) for person in engineers]
    listed = {r.key for r in rows}
    others = sorted((p for k, p in people.items() if k not in listed), key=lambda p: str(p).lower())
    rows += [row(str(p.pk), str(p), p, note="not an engineer of the team") for p in others]
    rows.append(row(UNASSIGNED, "Unassigned", None))
    overlaps = sum(flag_overlaps(cell.cards) for r in rows if r.engineer is not None for cell in r.cells)
    return Week(monday=monday, today=today, days=days, rows=rows,
                job_count=sum(r.job_count for r in rows), overlap_count=overlaps)  # fmt: skip
