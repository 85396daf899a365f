"""Prices a job carries from what made it, which come before the rate card when a draft is priced.

A maintenance plan's visit is billed at the plan's price (or its contract's rate): the agreement the
client signed for that service. The apps that make such jobs sit above invoicing (`plans`), so they
register a source here from their `AppConfig.ready()`, and invoicing imports none of them.

A source is called as `source(team=…, jobs=…, currency=…, day=…)` and returns a `Price` for each job
it prices (in `currency`, on `day`); jobs it leaves out are priced as usual (contract, then rate).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from accounts.models import Team
from invoicing.selectors import Price
from jobs.models import Job

JobPriceSource = Callable[..., Mapping[Any, Price]]

_sources: dict[str, JobPriceSource] = {}


def register(name: str, source: JobPriceSource) -> None:
    """Add (or replace) the source called `name`."""
    _sources[name] = source


def prices_for_jobs(*, team: Team, jobs: Sequence[Job], currency: str, day: dt.date) -> dict[Any, Price]:
    """Per job id: the price a registered source sets for it (the first source that names it wins)."""
    prices: dict[Any, Price] = {}
    if not jobs:
        return prices
    for source in _sources.values():
        for job_id, price in source(team=team, jobs=jobs, currency=currency, day=day).items():
            prices.setdefault(job_id, price)
    return prices
