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
from typing import Any, NamedTuple

from accounts.models import User
from jobs.models import JobStatus
from jobs.services import RESCHEDULABLE

UNASSIGNED = "unassigned"
DAYS_IN_WEEK = 7


def monday_of(day: dt.date) -> dt.date:
    return day - dt.timedelta(days=day.weekday())


class BoardJob(NamedTuple):
    """One row of `jobs.selectors.board_jobs_for` (its `BOARD_JOB_COLUMNS`, in order)."""

    id: Any
    status: str
    scheduled_date: dt.date | None
    scheduled_start: dt.datetime | None
    scheduled_end: dt.datetime | None
    created_at: dt.datetime
    assigned_to_id: Any
    assignee_name: str | None
    assignee_email: str | None
    job_type_name: str
    client_name: str | None
    site_name: str | None
    site_postcode: str | None
    project_name: str | None

    @property
    def assignee(self) -> str:
        return self.assignee_name or self.assignee_email or ""


@dataclass
class Card:
    """A job on the board, with its window in the team's time zone ("08:00"–"10:00", or none)."""

    job: BoardJob
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
    """One person's week (`is_person` False: the unassigned jobs)."""

    key: str
    label: str
    is_person: bool
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


def _card(job: BoardJob, zone: zoneinfo.ZoneInfo) -> Card:
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
    *, monday: dt.date, today: dt.date, zone: zoneinfo.ZoneInfo, engineers: Iterable[User], jobs: Iterable[BoardJob]
) -> Week:
    """Arrange the week's jobs in rows: the engineers (by name), then anyone else a job is assigned to
    (an owner who took a job, a former engineer), then the unassigned jobs."""
    days = [monday + dt.timedelta(days=offset) for offset in range(DAYS_IN_WEEK)]
    index = {day: position for position, day in enumerate(days)}
    by_person: dict[str, list[Card]] = defaultdict(list)
    people: dict[str, str] = {}  # assignees' names by id
    for job in jobs:
        if job.scheduled_date not in index:
            continue
        key = str(job.assigned_to_id) if job.assigned_to_id else UNASSIGNED
        if job.assigned_to_id:
            people[key] = job.assignee
        by_person[key].append(_card(job, zone))

    def row(key: str, label: str, is_person: bool, note: str = "") -> Row:
        cells = [Cell(day=day, is_today=day == today) for day in days]
        for card in by_person.get(key, ()):
            cells[index[card.job.scheduled_date]].cards.append(card)  # type: ignore[index]
        for cell in cells:
            cell.cards.sort(key=_in_day_order)
        return Row(key=key, label=label, is_person=is_person, cells=cells, note=note)

    rows = [row(str(person.pk), str(person), True) for person in engineers]
    listed = {r.key for r in rows}
    others = sorted(((k, name) for k, name in people.items() if k not in listed), key=lambda p: p[1].lower())
    rows += [row(key, name, True, note="not an engineer of the team") for key, name in others]
    rows.append(row(UNASSIGNED, "Unassigned", False))
    overlaps = sum(flag_overlaps(cell.cards) for r in rows if r.is_person for cell in r.cells)
    return Week(monday=monday, today=today, days=days, rows=rows,
                job_count=sum(r.job_count for r in rows), overlap_count=overlaps)  # fmt: skip


@dataclass
class Tray:
    """The jobs still to dispatch that have no day: the first `len(cards)` of `total`, oldest first."""

    cards: list[Card]
    total: int

    @property
    def more(self) -> int:
        return self.total - len(self.cards)


def build_tray(*, rows: Iterable[tuple[Any, ...]], zone: zoneinfo.ZoneInfo) -> Tray:
    """Rows of `jobs.selectors.unscheduled_board_jobs_for` (a job's columns, then the count of all)."""
    rows = list(rows)
    cards = [_card(BoardJob(*row[:-1]), zone) for row in rows]
    return Tray(cards=cards, total=rows[0][-1] if rows else 0)
