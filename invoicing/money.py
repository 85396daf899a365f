"""Exact money arithmetic: per-line half-up rounding to cents; invoice totals are sums of rounded lines."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, localcontext

CENT = Decimal("0.01")
HUNDRED = Decimal(100)
ZERO = Decimal("0.00")
# The largest amount a money column holds (14 digits, 2 of them after the point).
MAX_AMOUNT = Decimal("999999999999.99")


def to_cents(amount: Decimal) -> Decimal:
    """Round half-up to two places (0.005 → 0.01), the way an invoice is printed."""
    with localcontext() as context:
        context.prec = 40  # ample for 14-digit amounts times 12-digit quantities, so nothing rounds early
        return amount.quantize(CENT, rounding=ROUND_HALF_UP)


@dataclass(frozen=True)
class LineAmounts:
    net: Decimal
    tax: Decimal
    total: Decimal


def line_amounts(quantity: Decimal, unit_price: Decimal, tax_rate: Decimal) -> LineAmounts:
    """Net = round(quantity × unit price); tax = round(net × rate / 100); total = net + tax."""
    with localcontext() as context:
        context.prec = 40
        net = to_cents(quantity * unit_price)
        tax = to_cents(net * tax_rate / HUNDRED)
        return LineAmounts(net=net, tax=tax, total=net + tax)


@dataclass(frozen=True)
class Totals:
    subtotal: Decimal
    tax_total: Decimal
    total: Decimal


def invoice_totals(lines: Iterable[LineAmounts]) -> Totals:
    """The sums of the already-rounded lines (so the printed lines always add up to the printed total)."""
    subtotal, tax = ZERO, ZERO
    for line in lines:
        subtotal += line.net
        tax += line.tax
    return Totals(subtotal=subtotal, tax_total=tax, total=subtotal + tax)
