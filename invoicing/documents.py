"""Rendering an invoice as a PDF: the team's template and invoicing profile, the lines and the totals.

The HTML lives in `invoicing/templates/invoicing/invoice.html`; the PDF comes from the same WeasyPrint
machinery the flows use (`flows.documents.render_pdf`).
"""

from __future__ import annotations

import datetime as dt
import re
from collections import defaultdict
from decimal import Decimal
from typing import Any

from django.template.loader import render_to_string

from flows.documents import PDF_CONTENT_TYPE, render_pdf
from invoicing import selectors
from invoicing.models import Invoice, InvoiceStatus, InvoiceTemplate, LineUnit
from invoicing.money import ZERO

__all__ = ["PDF_CONTENT_TYPE", "invoice_context", "invoice_filename", "render_invoice_html", "render_invoice_pdf"]

# Printed before the amount; any other currency is printed as its ISO code ("CHF 1,234.50").
CURRENCY_SYMBOLS = {"EUR": "€", "GBP": "£", "USD": "$"}
HEX_COLOUR = re.compile(r"^#[0-9A-Fa-f]{6}$")
UNIT_LABELS: dict[str, str] = {LineUnit.JOB: "job", LineUnit.HOUR: "h", LineUnit.ITEM: ""}
# Watermarks: a draft is not a bill yet, a void one is no longer one.
WATERMARKS = {InvoiceStatus.DRAFT: "DRAFT", InvoiceStatus.VOID: "VOID"}


def format_money(amount: Decimal, currency: str) -> str:
    """`€1,234.50`, `£0.99`, `CHF 12.00`: grouped thousands, two places, the currency always shown."""
    sign = "-" if amount < 0 else ""
    digits = f"{abs(amount):,.2f}"
    symbol = CURRENCY_SYMBOLS.get(currency.upper())
    return f"{sign}{symbol}{digits}" if symbol else f"{sign}{currency.upper()} {digits}"


def _number(value: Decimal) -> str:
    """A quantity or percentage without trailing zeros: `1`, `2.5`, `1.333`, `20`."""
    text = f"{value:f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def _date(value: dt.date | None) -> str:
    return value.strftime("%d %b %Y") if value is not None else ""


def _lines_of(text: str) -> list[str]:
    return [line.strip() for line in text.splitlines() if line.strip()]


def _colour(value: str, fallback: str) -> str:
    # Only a plain hex colour reaches the style sheet, whatever was stored.
    return value if HEX_COLOUR.match(value or "") else fallback


def _issuer(invoice: Invoice) -> dict[str, str]:
    """The seller as frozen at finalize; a draft (or an invoice finalized without a copy) uses the profile."""
    if invoice.issuer:
        return {key: str(value or "") for key, value in invoice.issuer.items()}
    profile = selectors.profile_for(team=invoice.team)
    return {
        "legal_name": profile.legal_name or invoice.team.name,
        "address": profile.address,
        "tax_id": profile.tax_id,
        "bank_details": profile.bank_details,
        "footer_text": profile.footer_text,
    }


def invoice_context(invoice: Invoice, template: InvoiceTemplate | None = None) -> dict[str, Any]:
    """What `invoicing/invoice.html` renders: seller, client, dates, lines, tax by rate and totals.

    Every amount is already formatted with its currency, so the template holds no arithmetic.
    """
    template = template or selectors.template_for(team=invoice.team)
    defaults = InvoiceTemplate()
    currency = invoice.currency
    issuer = _issuer(invoice)
    client = invoice.client
    lines = sorted(invoice.lines.all(), key=lambda line: line.position)
    tax_by_rate: dict[Decimal, Decimal] = defaultdict(lambda: ZERO)
    for line in lines:
        tax_by_rate[line.tax_rate] += line.tax_amount
    status = InvoiceStatus(invoice.status)
    return {
        "invoice": {
            "number": invoice.number or "",
            "status": status.value,
            "status_label": status.label,
            "is_draft": status == InvoiceStatus.DRAFT,
            "issue_date": _date(invoice.issue_date),
            "due_date": _date(invoice.due_date),
            "payment_terms_days": invoice.payment_terms_days,
            "currency": currency,
            "notes": invoice.notes,
            "void_reason": invoice.void_reason,
            "contract": invoice.contract.reference if invoice.contract is not None else "",
        },
        "watermark": WATERMARKS.get(status, ""),
        "seller": {
            "name": issuer.get("legal_name", "") or invoice.team.name,
            "address": _lines_of(issuer.get("address", "")),
            "tax_id": issuer.get("tax_id", ""),
            "bank_details": _lines_of(issuer.get("bank_details", "")),
            "footer": issuer.get("footer_text", ""),
        },
        "client": {
            "name": client.name,
            "address": [
                part
                for part in (
                    client.billing_line1,
                    client.billing_line2,
                    " ".join(p for p in (client.billing_city, client.billing_postcode) if p),
                    client.billing_region,
                    client.billing_country,
                )
                if part
            ],
            "email": client.email,
        },
        "style": {
            "logo_text": template.logo_text,
            "primary": _colour(template.primary_color, defaults.primary_color),
            "accent": _colour(template.accent_color, defaults.accent_color),
            "notes": template.notes,
            "terms": template.terms,
        },
        "lines": [
            {
                "position": index,
                "description": line.description,
                "quantity": _number(line.quantity),
                "unit": UNIT_LABELS.get(line.unit, ""),
                "unit_price": format_money(line.unit_price, currency),
                "tax_rate": f"{_number(line.tax_rate)}%",
                "net_amount": format_money(line.net_amount, currency),
            }
            for index, line in enumerate(lines, start=1)
        ],
        "tax_lines": [
            {"label": f"Tax {_number(rate)}%", "amount": format_money(amount, currency)}
            for rate, amount in sorted(tax_by_rate.items())
        ],
        "totals": {
            "subtotal": format_money(invoice.subtotal, currency),
            "tax_total": format_money(invoice.tax_total, currency),
            "total": format_money(invoice.total, currency),
        },
    }


def render_invoice_html(invoice: Invoice) -> str:
    """The invoice as a full HTML page (A4 print styles), in the team's colours."""
    return render_to_string("invoicing/invoice.html", invoice_context(invoice))


def render_invoice_pdf(invoice: Invoice) -> bytes:
    """The invoice as PDF bytes; a draft carries a DRAFT watermark and no number, a void one VOID."""
    return render_pdf(render_invoice_html(invoice))


def invoice_filename(invoice: Invoice) -> str:
    """`SE-2026-000123.pdf` for a numbered invoice, `draft-<first 8 of its id>.pdf` for a draft."""
    stem = invoice.number or f"draft-{str(invoice.pk)[:8]}"
    return re.sub(r"[^A-Za-z0-9._-]+", "-", stem).strip("-.") + ".pdf"
