"""Writes for what a team charges: its rates per job type and its clients' contracts (with their rates)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from django.db import IntegrityError, transaction

from accounts.models import Actor, Team
from core.exceptions import InvalidInputError, StateConflictError
from invoicing import selectors
from invoicing.models import Contract, ContractRate, InvoicingProfile, Rate, RateUnit
from jobs.models import JobType
from projects.models import Client


def _check_window(valid_from: dt.date, valid_to: dt.date | None) -> None:
    if valid_to is not None and valid_to < valid_from:
        raise InvalidInputError("validTo must be on or after validFrom.", "validTo")


def create_rate(
    *,
    team: Team,
    actor: Actor,
    job_type: JobType,
    unit_price: Decimal,
    unit: RateUnit = RateUnit.JOB,
    tax_rate: Decimal | None = None,
    currency: str | None = None,
    valid_from: dt.date | None = None,
    valid_to: dt.date | None = None,
) -> Rate:
    """Add the team's price for a job type. Currency and tax rate default to the profile's; the window to
    "from today, open-ended". Where windows overlap, the rate that starts later wins."""
    profile = selectors.profile_for(team=team)
    valid_from = valid_from or selectors.team_today(team=team)
    _check_window(valid_from, valid_to)
    return Rate.objects.create(
        team=team,
        job_type=job_type,
        unit_price=unit_price,
        unit=unit,
        tax_rate=profile.default_tax_rate if tax_rate is None else tax_rate,
        currency=currency or profile.default_currency,
        valid_from=valid_from,
        valid_to=valid_to,
    )


def create_contract(
    *,
    team: Team,
    actor: Actor,
    client: Client,
    reference: str,
    valid_from: dt.date,
    valid_to: dt.date | None = None,
    currency: str | None = None,
    notes: str = "",
    rates: Sequence[dict[str, Any]] = (),
) -> Contract:
    """Record a client's contract with its per-job-type rates (`{job_type, unit_price, unit?, tax_rate?}`).

    The reference is unique in the team (a duplicate is a 409); a job type appears at most once.
    """
    _check_window(valid_from, valid_to)
    _check_contract_rates(team, rates)
    profile = selectors.profile_for(team=team)
    try:
        with transaction.atomic():
            contract = Contract.objects.create(
                team=team,
                client=client,
                reference=reference,
                valid_from=valid_from,
                valid_to=valid_to,
                currency=currency or profile.default_currency,
                notes=notes,
            )
            _write_contract_rates(contract, rates, profile)
    except IntegrityError:
        raise StateConflictError(f"A contract with reference '{reference}' already exists.", "reference") from None
    return contract


def set_contract_rates(*, team: Team, actor: Actor, contract: Contract, rates: Sequence[dict[str, Any]]) -> Contract:
    """Replace a contract's per-job-type rates, with the defaults and checks of `create_contract`."""
    _check_contract_rates(team, rates)
    with transaction.atomic():
        locked = Contract.objects.select_for_update().get(pk=contract.pk, team=team)
        locked.rates.all().delete()
        _write_contract_rates(locked, rates, selectors.profile_for(team=team))
    return locked


def _check_contract_rates(team: Team, rates: Sequence[dict[str, Any]]) -> None:
    seen: set[Any] = set()
    for index, rate in enumerate(rates):
        if rate["job_type"].team_id != team.pk:
            raise InvalidInputError("No such job type in your team.", f"rates.{index}.jobTypeId")
        if rate["job_type"].pk in seen:
            raise InvalidInputError("This job type already has a rate in this contract.", f"rates.{index}.jobTypeId")
        seen.add(rate["job_type"].pk)


def _write_contract_rates(contract: Contract, rates: Sequence[dict[str, Any]], profile: InvoicingProfile) -> None:
    """A rate's unit defaults to per job, its tax rate to the profile's."""
    ContractRate.objects.bulk_create(
        ContractRate(
            contract=contract,
            job_type=rate["job_type"],
            unit_price=rate["unit_price"],
            unit=rate.get("unit") or RateUnit.JOB,
            tax_rate=profile.default_tax_rate if rate.get("tax_rate") is None else rate["tax_rate"],
        )
        for rate in rates
    )
