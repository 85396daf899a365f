"""DRAFT → FINALIZED → APPROVED (and VOID): allowed moves, numbers, the profile's rules."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from accounts.models import Actor, Team
from core.exceptions import InvalidInputError, StateConflictError
from invoicing import services
from invoicing.models import Invoice, InvoiceStatus, InvoicingProfile
from invoicing.selectors import team_today
from tests.conftest import World
from tests.factories import ClientFactory
from tests.invoicing.factories import ContractFactory, InvoiceFactory, draft_with_line

SYSTEM = Actor()


@pytest.fixture
def team(world: World) -> Team:
    return world.a.team


def finalize(team: Team, invoice: Invoice) -> Invoice:
    return services.finalize_invoice(team=team, actor=SYSTEM, invoice=invoice)


def in_state(team: Team, status: str) -> Invoice:
    invoice = draft_with_line(team)
    if status == InvoiceStatus.DRAFT:
        return invoice
    invoice = finalize(team, invoice)
    if status == InvoiceStatus.APPROVED:
        invoice = services.approve_invoice(team=team, actor=SYSTEM, invoice=invoice)
    if status == InvoiceStatus.VOID:
        invoice = services.void_invoice(team=team, actor=SYSTEM, invoice=invoice, reason="Duplicate")
    return invoice


@pytest.mark.parametrize("status", [InvoiceStatus.FINALIZED, InvoiceStatus.APPROVED, InvoiceStatus.VOID])
def test_finalize_only_from_draft(team: Team, status: str) -> None:
    invoice = in_state(team, status)
    with pytest.raises(StateConflictError, match=status):
        finalize(team, invoice)
    assert InvoicingProfile.objects.get(team=team).next_number == 2


@pytest.mark.parametrize("status", [InvoiceStatus.DRAFT, InvoiceStatus.APPROVED, InvoiceStatus.VOID])
def test_approve_only_from_finalized(team: Team, status: str) -> None:
    invoice = in_state(team, status)
    with pytest.raises(StateConflictError):
        services.approve_invoice(team=team, actor=SYSTEM, invoice=invoice)
    invoice.refresh_from_db()
    assert invoice.status == status


@pytest.mark.parametrize("status", [InvoiceStatus.DRAFT, InvoiceStatus.APPROVED, InvoiceStatus.VOID])
def test_void_only_from_finalized(team: Team, status: str) -> None:
    invoice = in_state(team, status)
    with pytest.raises(StateConflictError):
        services.void_invoice(team=team, actor=SYSTEM, invoice=invoice, reason="x")


def test_void_needs_a_reason(team: Team) -> None:
    with pytest.raises(InvalidInputError):
        services.void_invoice(team=team, actor=SYSTEM, invoice=in_state(team, InvoiceStatus.FINALIZED), reason=" ")


def test_an_empty_draft_cannot_be_finalized_and_takes_no_number(team: Team) -> None:
    with pytest.raises(StateConflictError, match="without lines"):
        finalize(team, InvoiceFactory(team=team))
    assert finalize(team, draft_with_line(team)).sequence == 1


def test_finalize_dates_and_issuer_snapshot(team: Team) -> None:
    services.upsert_profile(team=team, actor=SYSTEM, legal_name="Volt Ltd", tax_id="GB1", payment_terms_days=14)
    undated = finalize(team, draft_with_line(team))
    assert undated.issue_date == team_today(team=team)
    assert undated.due_date == undated.issue_date + dt.timedelta(days=30)
    dated = draft_with_line(team)
    dated.issue_date, dated.payment_terms_days = dt.date(2025, 12, 31), 14
    dated.save()
    dated = finalize(team, dated)
    assert (dated.issue_date, dated.due_date) == (dt.date(2025, 12, 31), dt.date(2026, 1, 14))
    assert dated.number == "INV-2025-000002", "the year is the issue date's"
    services.upsert_profile(team=team, actor=SYSTEM, legal_name="Renamed Ltd")
    dated.refresh_from_db()
    assert dated.issuer is not None and dated.issuer["legal_name"] == "Volt Ltd" and dated.issuer["tax_id"] == "GB1"


@pytest.mark.parametrize(
    ("changes", "number"),
    [
        ({"number_prefix": "SE"}, "SE-{year}-000001"),
        ({"number_prefix": "SE", "number_include_year": False, "number_padding": 4}, "SE-0001"),
        ({"number_prefix": "", "number_include_year": False}, "000001"),
        ({"number_prefix": "", "number_padding": 1, "next_number": 42}, "{year}-42"),
    ],
)
def test_number_formats(team: Team, changes: dict[str, object], number: str) -> None:
    services.upsert_profile(team=team, actor=SYSTEM, **changes)
    invoice = finalize(team, draft_with_line(team))
    assert invoice.number == number.format(year=invoice.issue_date.year if invoice.issue_date else "")


def test_next_number_is_fixed_once_a_number_was_issued(team: Team) -> None:
    services.upsert_profile(team=team, actor=SYSTEM, next_number=500)
    finalize(team, draft_with_line(team))
    with pytest.raises(StateConflictError) as refused:
        services.upsert_profile(team=team, actor=SYSTEM, next_number=1)
    assert refused.value.issues[0][0] == "nextNumber"
    services.upsert_profile(team=team, actor=SYSTEM, next_number=501, footer_text="ok")  # unchanged is fine
    assert InvoicingProfile.objects.get(team=team).footer_text == "ok"


def test_numbers_are_per_team(world: World) -> None:
    assert finalize(world.a.team, draft_with_line(world.a.team)).sequence == 1
    assert finalize(world.b.team, draft_with_line(world.b.team)).sequence == 1


def test_defaults_follow_the_profile_and_the_clients_contract(world: World) -> None:
    services.upsert_profile(
        team=world.a.team, actor=SYSTEM, default_currency="EUR", default_tax_rate=Decimal("21"), payment_terms_days=10
    )
    client = ClientFactory(team=world.a.team)
    contract = ContractFactory(team=world.a.team, client=client, currency="USD")
    plain = world.api.get("/v1/invoices/defaults").data
    assert (plain["currency"], plain["taxRate"], plain["paymentTermsDays"]) == ("EUR", "21.000", 10)
    assert dt.date.fromisoformat(plain["dueDate"]) - dt.date.fromisoformat(plain["issueDate"]) == dt.timedelta(10)
    with_contract = world.api.get("/v1/invoices/defaults", query={"clientId": str(client.pk)}).data
    assert with_contract["currency"] == "USD" and with_contract["contractId"] == str(contract.pk)
    assert with_contract["contractReference"] == contract.reference
