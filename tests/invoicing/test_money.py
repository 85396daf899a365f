"""Rounding: half-up per line, to cents; totals are sums of the rounded lines. No floats."""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from invoicing.money import LineAmounts, invoice_totals, line_amounts, to_cents
from tests.conftest import World
from tests.factories import ClientFactory

D = Decimal


@pytest.mark.parametrize(
    ("quantity", "unit_price", "tax_rate", "net", "tax"),
    [
        ("2.5", "0.01", "0", "0.03", "0.00"),  # 0.025 → 0.03: half-up, not banker's 0.02
        ("1", "0.10", "5", "0.10", "0.01"),  # tax 0.005 → 0.01
        ("1", "10.05", "5", "10.05", "0.50"),  # tax 0.5025 → 0.50
        ("0.333", "10.00", "20", "3.33", "0.67"),  # 3.33 net; tax 0.666 → 0.67
        ("1", "19.99", "8.875", "19.99", "1.77"),  # a three-place tax rate: 1.7741… → 1.77
        ("1.5", "33.33", "19.6", "50.00", "9.80"),  # 49.995 → 50.00
        ("0.001", "0.01", "20", "0.00", "0.00"),
        ("7.125", "13.37", "7.7", "95.26", "7.34"),  # 95.26125 → 95.26; 7.335… → 7.34
        ("99999.999", "99999.99", "25", "9999998900.00", "2499999725.00"),  # 9999998900.00001: no precision lost
    ],
)
def test_line_rounding(quantity: str, unit_price: str, tax_rate: str, net: str, tax: str) -> None:
    amounts = line_amounts(D(quantity), D(unit_price), D(tax_rate))
    assert (amounts.net, amounts.tax, amounts.total) == (D(net), D(tax), D(net) + D(tax))
    assert amounts.net.as_tuple().exponent == -2 and amounts.tax.as_tuple().exponent == -2


def test_totals_are_sums_of_rounded_lines() -> None:
    """Three lines of 0.333 × 1.00 at 20%: 0.99 + 0.21, not round(0.999) + round(0.1998)."""
    lines = [line_amounts(D("0.333"), D("1.00"), D("20")) for _ in range(3)]
    assert lines[0] == LineAmounts(D("0.33"), D("0.07"), D("0.40"))
    totals = invoice_totals(lines)
    assert (totals.subtotal, totals.tax_total, totals.total) == (D("0.99"), D("0.21"), D("1.20"))


def test_empty_invoice_totals_are_zero_cents() -> None:
    totals = invoice_totals([])
    assert str(totals.total) == "0.00"


def _reference(value: Fraction) -> Fraction:
    """Half-up to cents with exact fractions (the definition, independently of Decimal)."""
    cents = value * 100
    whole = cents.numerator // cents.denominator
    if cents - whole >= Fraction(1, 2):
        whole += 1
    return Fraction(whole, 100)


@given(
    quantity=st.decimals(min_value=D("0.001"), max_value=D("99999"), places=3),
    unit_price=st.decimals(min_value=D("0"), max_value=D("999999"), places=2),
    tax_rate=st.decimals(min_value=D("0"), max_value=D("100"), places=3),
)
def test_line_amounts_match_exact_arithmetic(quantity: Decimal, unit_price: Decimal, tax_rate: Decimal) -> None:
    amounts = line_amounts(quantity, unit_price, tax_rate)
    net = _reference(Fraction(quantity) * Fraction(unit_price))
    assert Fraction(amounts.net) == net
    assert Fraction(amounts.tax) == _reference(net * Fraction(tax_rate) / 100)
    assert amounts.total == amounts.net + amounts.tax


def test_to_cents_half_up_on_negative_and_positive() -> None:
    assert to_cents(D("0.125")) == D("0.13") and to_cents(D("-0.125")) == D("-0.13")


def test_awkward_lines_over_the_api_are_exact_strings(world: World) -> None:
    client = ClientFactory(team=world.a.team)
    lines = [
        {"description": "Cable", "quantity": "0.333", "unitPrice": "1.00", "taxRate": "20"},
        {"description": "Cable", "quantity": "0.333", "unitPrice": "1.00", "taxRate": "20"},
        {"description": "Cable", "quantity": "0.333", "unitPrice": "1.00", "taxRate": "20"},
        {"description": "Labour", "quantity": "7.125", "unitPrice": "13.37", "taxRate": "7.7"},
        {"description": "Fuse", "quantity": "2.5", "unitPrice": "0.01", "taxRate": "8.875"},
    ]
    response = world.api.post("/v1/invoices/draft", {"clientId": str(client.pk), "lines": lines})
    assert response.status_code == 201, response
    data = response.data
    assert [line["lineTotal"] for line in data["lines"]] == ["0.40", "0.40", "0.40", "102.60", "0.03"]
    assert [line["quantity"] for line in data["lines"]] == ["0.333", "0.333", "0.333", "7.125", "2.500"]
    assert (data["subtotal"], data["taxTotal"], data["total"]) == ("96.28", "7.55", "103.83")


def test_amounts_too_large_for_the_ledger_are_refused(world: World) -> None:
    client = ClientFactory(team=world.a.team)
    huge = {"description": "Plant", "quantity": "999999999.999", "unitPrice": "999999.99"}
    response = world.api.post("/v1/invoices/draft", {"clientId": str(client.pk), "lines": [huge]})
    assert response.status_code == 400 and response.issue_paths == ["lines.0"]
    big = {"description": "Plant", "quantity": "1", "unitPrice": "600000000000.00"}
    response = world.api.post("/v1/invoices/draft", {"clientId": str(client.pk), "lines": [big, big]})
    assert response.status_code == 400 and response.issue_paths == ["lines"]


def test_decimals_must_arrive_as_strings(world: World) -> None:
    client = ClientFactory(team=world.a.team)
    line = {"description": "Fuse", "quantity": 2, "unitPrice": 0.1, "taxRate": "20"}
    response = world.api.post("/v1/invoices/draft", {"clientId": str(client.pk), "lines": [line]})
    assert response.status_code == 400
    assert set(response.issue_paths) == {"lines.0.quantity", "lines.0.unitPrice"}
    assert response.issues[0]["message"] == "Must be a string."
