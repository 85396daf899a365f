"""Drafts from jobs: pricing (contract over team rate, validity windows), what can be billed, editing."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
from django.db import IntegrityError, transaction

from accounts.models import Actor
from core.exceptions import InvalidInputError, StateConflictError
from invoicing import services
from invoicing.models import Invoice, InvoiceLine, InvoiceStatus, RateUnit
from jobs.models import JobStatus
from tests.conftest import World
from tests.factories import ClientFactory, JobFactory, JobTypeFactory
from tests.invoicing.factories import (
    ContractFactory,
    ContractRateFactory,
    RateFactory,
    completed_job,
    draft_with_line,
)

D = Decimal
SYSTEM = Actor()
ISSUED = dt.date(2026, 6, 15)


@pytest.fixture
def setup(world: World) -> dict[str, Any]:
    team = world.a.team
    client = ClientFactory(team=team)
    job_type = JobTypeFactory(team=team, key="boiler-service", name="Boiler service")
    RateFactory(team=team, job_type=job_type, unit_price=D("100.00"), tax_rate=D("20"), currency="EUR")
    return {"team": team, "client": client, "job_type": job_type}


def draft(setup: dict[str, Any], jobs: list[Any], issue_date: dt.date | None = ISSUED, **kwargs: Any) -> Invoice:
    invoice, created = services.save_draft(
        team=setup["team"], actor=SYSTEM, client=setup["client"], job_ids=[job.pk for job in jobs],
        issue_date=issue_date, **kwargs,
    )  # fmt: skip
    assert created
    return invoice


def job(setup: dict[str, Any], **fields: Any) -> Any:
    return completed_job(setup["team"], setup["client"], setup["job_type"], **fields)


def only_line(invoice: Invoice) -> InvoiceLine:
    [line] = invoice.lines.all()
    return line


# Pricing ---------------------------------------------------------------------------------------


def test_team_rate_prices_a_job(setup: dict[str, Any]) -> None:
    invoice = draft(setup, [job(setup)])
    line = only_line(invoice)
    assert (line.unit_price, line.quantity, line.tax_rate, line.line_total) == (D("100"), D(1), D(20), D("120.00"))
    assert line.description.startswith("Boiler service (job ")
    assert invoice.currency == "EUR" and invoice.contract is None


def test_valid_contract_rate_overrides_team_rate(setup: dict[str, Any]) -> None:
    contract = ContractFactory(team=setup["team"], client=setup["client"], valid_from=dt.date(2026, 1, 1))
    ContractRateFactory(contract=contract, job_type=setup["job_type"], unit_price=D("80.00"), tax_rate=D("5"))
    invoice = draft(setup, [job(setup)])
    assert invoice.contract_id == contract.pk
    assert (only_line(invoice).unit_price, only_line(invoice).line_total) == (D("80.00"), D("84.00"))


@pytest.mark.parametrize(
    ("valid_from", "valid_to", "expected"),
    [
        (dt.date(2026, 6, 15), None, "80.00"),  # starts on the issue day
        (dt.date(2026, 1, 1), dt.date(2026, 6, 15), "80.00"),  # ends on the issue day (inclusive)
        (dt.date(2026, 1, 1), dt.date(2026, 6, 14), "100.00"),  # ended the day before: team rate
        (dt.date(2026, 6, 16), None, "100.00"),  # not started yet: team rate
    ],
)
def test_contract_validity_window(setup: dict[str, Any], valid_from: Any, valid_to: Any, expected: str) -> None:
    contract = ContractFactory(team=setup["team"], client=setup["client"], valid_from=valid_from, valid_to=valid_to)
    ContractRateFactory(contract=contract, job_type=setup["job_type"], unit_price=D("80.00"))
    assert only_line(draft(setup, [job(setup)])).unit_price == D(expected)


def test_contract_of_another_client_does_not_apply(setup: dict[str, Any]) -> None:
    other = ContractFactory(team=setup["team"], client=ClientFactory(team=setup["team"]))
    ContractRateFactory(contract=other, job_type=setup["job_type"], unit_price=D("1.00"))
    assert only_line(draft(setup, [job(setup)])).unit_price == D("100.00")


def test_contract_without_a_rate_for_the_type_falls_back_to_the_team_rate_in_its_currency(
    setup: dict[str, Any],
) -> None:
    ContractFactory(team=setup["team"], client=setup["client"], currency="GBP")
    with pytest.raises(InvalidInputError) as refused:
        draft(setup, [job(setup)])
    assert refused.value.issues[0][0] == "jobIds.0" and "GBP" in refused.value.issues[0][1]
    RateFactory(team=setup["team"], job_type=setup["job_type"], unit_price=D("90.00"), currency="GBP")
    invoice = draft(setup, [job(setup)])
    assert invoice.currency == "GBP" and only_line(invoice).unit_price == D("90.00")


def test_the_latest_starting_contract_wins_where_two_overlap(setup: dict[str, Any]) -> None:
    old = ContractFactory(team=setup["team"], client=setup["client"], valid_from=dt.date(2025, 1, 1))
    ContractRateFactory(contract=old, job_type=setup["job_type"], unit_price=D("70.00"))
    new = ContractFactory(team=setup["team"], client=setup["client"], valid_from=dt.date(2026, 3, 1))
    ContractRateFactory(contract=new, job_type=setup["job_type"], unit_price=D("75.00"))
    assert only_line(draft(setup, [job(setup)])).unit_price == D("75.00")
    assert only_line(draft(setup, [job(setup)], issue_date=dt.date(2026, 2, 1))).unit_price == D("70.00")


def test_team_rate_validity_windows_and_later_rate_wins(setup: dict[str, Any]) -> None:
    team, job_type = setup["team"], setup["job_type"]
    RateFactory(team=team, job_type=job_type, unit_price=D("110.00"), valid_from=dt.date(2026, 6, 1))
    RateFactory(team=team, job_type=job_type, unit_price=D("999.00"), valid_from=dt.date(2026, 7, 1))
    RateFactory(team=team, job_type=job_type, unit_price=D("5.00"), valid_from=dt.date(2026, 1, 1),
                valid_to=dt.date(2026, 5, 31))  # fmt: skip
    assert only_line(draft(setup, [job(setup)])).unit_price == D("110.00")
    assert only_line(draft(setup, [job(setup)], issue_date=dt.date(2026, 5, 31))).unit_price == D("5.00")
    assert only_line(draft(setup, [job(setup)], issue_date=dt.date(2026, 7, 1))).unit_price == D("999.00")


def test_a_job_without_any_price_is_a_400_naming_it(setup: dict[str, Any]) -> None:
    unpriced_type = JobTypeFactory(team=setup["team"], key="eicr")
    priced, unpriced = job(setup), completed_job(setup["team"], setup["client"], unpriced_type)
    with pytest.raises(InvalidInputError) as refused:
        draft(setup, [priced, unpriced])
    path, message = refused.value.issues[0]
    assert path == "jobIds.1" and str(unpriced.pk) in message and "eicr" in message
    assert not Invoice.objects.exists()


def test_an_expired_team_rate_does_not_price(setup: dict[str, Any]) -> None:
    with pytest.raises(InvalidInputError):
        draft(setup, [job(setup)], issue_date=dt.date(1999, 12, 31))


def test_hourly_rate_bills_the_working_time(setup: dict[str, Any]) -> None:
    hourly = JobTypeFactory(team=setup["team"])
    RateFactory(team=setup["team"], job_type=hourly, unit=RateUnit.HOUR, unit_price=D("45.00"), tax_rate=D("0"))
    timed = completed_job(setup["team"], setup["client"], hourly, hours=2 + 20 / 60)  # 2 h 20 min
    line = only_line(draft(setup, [timed]))
    assert (line.unit, line.quantity, line.net_amount) == ("HOUR", D("2.330"), D("104.85"))


def test_hourly_rate_needs_recorded_working_time(setup: dict[str, Any]) -> None:
    hourly = JobTypeFactory(team=setup["team"])
    RateFactory(team=setup["team"], job_type=hourly, unit=RateUnit.HOUR)
    untimed = completed_job(setup["team"], setup["client"], hourly, started_at=None)
    with pytest.raises(InvalidInputError) as refused:
        draft(setup, [untimed])
    assert refused.value.issues[0][0] == "jobIds.0"


# What can be billed ----------------------------------------------------------------------------


@pytest.mark.parametrize("status", [JobStatus.PENDING, JobStatus.IN_PROGRESS, JobStatus.CANCELLED])
def test_only_completed_jobs_can_be_billed(setup: dict[str, Any], status: str) -> None:
    open_job = JobFactory(team=setup["team"], client=setup["client"], job_type=setup["job_type"], status=status)
    with pytest.raises(InvalidInputError) as refused:
        draft(setup, [open_job])
    assert refused.value.issues[0][0] == "jobIds.0" and status in refused.value.issues[0][1]


def test_jobs_of_another_client_or_team_are_refused(world: World, setup: dict[str, Any]) -> None:
    elsewhere = completed_job(setup["team"], ClientFactory(team=setup["team"]), setup["job_type"])
    with pytest.raises(InvalidInputError) as refused:
        draft(setup, [job(setup), elsewhere])
    assert refused.value.issues[0][0] == "jobIds.1"
    theirs = completed_job(world.b.team, ClientFactory(team=world.b.team))
    response = world.api.post("/v1/invoices/draft", {"clientId": str(setup["client"].pk), "jobIds": [str(theirs.pk)]})
    assert response.status_code == 400 and response.issue_paths == ["jobIds.0"]
    assert "No such job" in response.issues[0]["message"]


def test_a_job_listed_twice_is_refused(setup: dict[str, Any]) -> None:
    once = job(setup)
    with pytest.raises(InvalidInputError) as refused:
        draft(setup, [once, once])
    assert refused.value.issues[0][0] == "jobIds.1"


def test_a_job_is_billed_at_most_once(setup: dict[str, Any]) -> None:
    billed = job(setup)
    first = draft(setup, [billed])
    with pytest.raises(StateConflictError) as refused:
        draft(setup, [job(setup), billed])
    assert refused.value.issues[0][0] == "jobIds.1" and str(first) in refused.value.issues[0][1]
    assert Invoice.objects.count() == 1


def test_the_database_refuses_a_second_live_line_for_a_job(setup: dict[str, Any]) -> None:
    """Not just a check in the service: the partial unique index says no."""
    billed = job(setup)
    draft(setup, [billed])
    other = draft_with_line(setup["team"], setup["client"])
    with pytest.raises(IntegrityError, match="invoiceline_job_billed_once"), transaction.atomic():
        InvoiceLine.objects.create(
            invoice=other, position=1, job=billed, description="again", quantity=1, unit_price=1,
            tax_rate=0, net_amount=1, tax_amount=0, line_total=1,
        )  # fmt: skip


def test_a_void_invoice_releases_its_jobs(setup: dict[str, Any]) -> None:
    billed = job(setup)
    first = services.finalize_invoice(team=setup["team"], actor=SYSTEM, invoice=draft(setup, [billed]))
    services.void_invoice(team=setup["team"], actor=SYSTEM, invoice=first, reason="Wrong address")
    again = draft(setup, [billed])
    assert only_line(again).job == billed
    assert InvoiceLine.objects.filter(job=billed).count() == 2


# Editing ---------------------------------------------------------------------------------------


def test_editing_keeps_what_is_not_given_and_reprices(setup: dict[str, Any]) -> None:
    first, second = job(setup), job(setup)
    manual = services.ManualLine("Parts", D("2"), D("9.99"))
    invoice = draft(setup, [first], lines=[manual], notes="PO 7")
    assert [line.job_id for line in invoice.lines.all()] == [first.pk, None]
    assert invoice.lines.get(position=1).tax_rate == D(0), "manual lines default to the profile tax rate"
    RateFactory(team=setup["team"], job_type=setup["job_type"], unit_price=D("105.00"), valid_from=ISSUED)
    edited, created = services.save_draft(
        team=setup["team"], actor=SYSTEM, invoice=invoice, job_ids=[second.pk, first.pk]
    )
    assert not created and edited.notes == "PO 7"
    lines = list(edited.lines.order_by("position"))
    assert [line.job_id for line in lines] == [second.pk, first.pk, None]
    assert [line.unit_price for line in lines] == [D("105.00"), D("105.00"), D("9.99")]
    assert edited.total == D("126.00") * 2 + D("19.98")
    removed, _ = services.save_draft(team=setup["team"], actor=SYSTEM, invoice=invoice, job_ids=[], lines=[])
    assert removed.total == 0 and not removed.lines.exists()
    assert draft(setup, [first]).lines.count() == 1, "a job taken off a draft can be billed again"


def test_issue_date_sets_the_due_date_from_the_terms(setup: dict[str, Any]) -> None:
    services.upsert_profile(team=setup["team"], actor=SYSTEM, payment_terms_days=14)
    invoice = draft(setup, [job(setup)])
    assert (invoice.issue_date, invoice.due_date, invoice.payment_terms_days) == (ISSUED, dt.date(2026, 6, 29), 14)
    undated = draft(setup, [job(setup)], issue_date=None)
    assert undated.due_date is None


@pytest.mark.parametrize("status", [InvoiceStatus.FINALIZED, InvoiceStatus.APPROVED, InvoiceStatus.VOID])
def test_only_drafts_can_be_edited(setup: dict[str, Any], status: str) -> None:
    invoice = services.finalize_invoice(team=setup["team"], actor=SYSTEM, invoice=draft(setup, [job(setup)]))
    if status == InvoiceStatus.APPROVED:
        services.approve_invoice(team=setup["team"], actor=SYSTEM, invoice=invoice)
    if status == InvoiceStatus.VOID:
        services.void_invoice(team=setup["team"], actor=SYSTEM, invoice=invoice, reason="x")
    with pytest.raises(StateConflictError):
        services.save_draft(team=setup["team"], actor=SYSTEM, invoice=invoice, notes="changed")
    invoice.refresh_from_db()
    assert invoice.notes == "" and invoice.status == status
