"""A plan's visit is billed at the plan's rate: the price source plans register with invoicing.

When a draft invoice prices a job that a maintenance plan made (`invoicing.job_prices`), the line
takes the plan's `price` (per job), or, without a price, the rate of the plan's contract for the
job's type. The price is in the plan's contract's currency, or the team's invoicing currency when
the plan has no contract; an invoice in another currency prices the job as usual (client's contract,
then the team's rate). The line's tax rate is the one the job type's price carries, else the team's
default.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Sequence
from typing import Any

from accounts.models import Team
from invoicing import selectors as invoicing_selectors
from invoicing.models import RateUnit
from invoicing.selectors import Price
from jobs.models import Job
from plans.models import PlanOccurrence

SOURCE = "plan"


def plan_prices(*, team: Team, jobs: Sequence[Job], currency: str, day: dt.date) -> dict[Any, Price]:
    """Per job made by a plan with a price or a contract: the price its invoice line takes."""
    by_id = {job.pk: job for job in jobs}
    rows = PlanOccurrence.objects.filter(team=team, job_id__in=list(by_id)).select_related("plan__contract")
    wanted: dict[Any, list[tuple[Job, Any]]] = defaultdict(list)  # contract id (or None) -> (job, plan)
    contracts = {}
    for row in rows:
        plan = row.plan
        if row.job_id is None or (plan.price is None and plan.contract is None):
            continue
        if plan.contract is not None:
            if plan.contract.currency != currency:
                continue
            contracts[plan.contract.pk] = plan.contract
        wanted[plan.contract_id].append((by_id[row.job_id], plan))
    if not wanted:
        return {}
    profile = invoicing_selectors.profile_for(team=team)
    prices: dict[Any, Price] = {}
    for contract_id, pairs in wanted.items():
        card = invoicing_selectors.prices_for(
            team=team,
            job_type_ids={job.job_type_id for job, _ in pairs},
            currency=currency,
            day=day,
            contract=contracts.get(contract_id),
        )
        for job, plan in pairs:
            listed = card.get(job.job_type_id)
            if plan.price is not None:
                if contract_id is None and currency != profile.default_currency:
                    continue
                tax_rate = listed.tax_rate if listed is not None else profile.default_tax_rate
                prices[job.pk] = Price(plan.price, RateUnit.JOB, tax_rate, SOURCE)
            elif listed is not None and listed.source == "contract":
                prices[job.pk] = listed
    return prices
