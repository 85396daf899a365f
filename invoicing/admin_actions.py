"""The buttons on an invoice's page in the admin: finalize, approve, send, mark paid and void, each through
`invoicing.services`.

Kept beside `invoicing/admin.py` (which `InvoiceAdmin` mixes this into) so that file stays one concern
under 400 lines; the mechanism is `core.admin_actions`.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.http import HttpRequest

from accounts.models import Actor
from core.admin_actions import ReasonForm, object_action
from invoicing import selectors, services
from invoicing.models import Invoice, InvoiceStatus
from invoicing.sending import SENDABLE


def _actor(request: HttpRequest) -> Actor:
    return Actor(user=request.user)  # type: ignore[arg-type]


class PaidForm(forms.Form):
    paid_at = forms.DateField(
        label="Paid on", widget=forms.DateInput(attrs={"type": "date"}), help_text="The day on the bank statement."
    )


class InvoiceObjectActions:
    """Finalize a draft, approve a finalized invoice, send it to the client (again), mark it paid, void a
    finalized one that is not paid."""

    object_actions: tuple[str, ...] = ("finalize", "approve", "send", "resend", "mark_paid", "void")

    @object_action(
        label="Finalize",
        when=lambda invoice: invoice.status == InvoiceStatus.DRAFT,
        confirm="The invoice gets the team's next number and can no longer be edited.",
    )
    def finalize(self, request: HttpRequest, invoice: Invoice, data: dict[str, Any]) -> str:
        finalized = services.finalize_invoice(team=invoice.team, actor=_actor(request), invoice=invoice)
        return f"Finalized as {finalized.number}."

    @object_action(label="Approve", when=lambda invoice: invoice.status == InvoiceStatus.FINALIZED)
    def approve(self, request: HttpRequest, invoice: Invoice, data: dict[str, Any]) -> str:
        approved = services.approve_invoice(team=invoice.team, actor=_actor(request), invoice=invoice)
        return f"Approved {approved.number}."

    @object_action(
        label="Send to client",
        when=lambda invoice: invoice.status in SENDABLE and invoice.sent_at is None,
        confirm="The invoice's PDF is emailed to the client's email address.",
    )
    def send(self, request: HttpRequest, invoice: Invoice, data: dict[str, Any]) -> str:
        sent = services.send_invoice(team=invoice.team, actor=_actor(request), invoice=invoice)
        return f"Sent {sent.number} to {sent.client.email}."

    @object_action(
        label="Send again",
        when=lambda invoice: invoice.status in SENDABLE and invoice.sent_at is not None,
        confirm="The invoice was sent already: the client gets the PDF once more.",
    )
    def resend(self, request: HttpRequest, invoice: Invoice, data: dict[str, Any]) -> str:
        sent = services.send_invoice(team=invoice.team, actor=_actor(request), invoice=invoice, resend=True)
        return f"Sent {sent.number} again to {sent.client.email}."

    @object_action(
        label="Mark paid",
        when=lambda invoice: (
            invoice.status in (InvoiceStatus.FINALIZED, InvoiceStatus.APPROVED) and invoice.paid_at is None
        ),
        form=PaidForm,
        initial=lambda invoice: {"paid_at": selectors.team_today(team=invoice.team)},
    )
    def mark_paid(self, request: HttpRequest, invoice: Invoice, data: dict[str, Any]) -> str:
        paid = services.mark_invoice_paid(
            team=invoice.team, actor=_actor(request), invoice=invoice, paid_at=data["paid_at"]
        )
        return f"Marked {paid.number} paid on {paid.paid_at:%d %b %Y}."

    @object_action(
        label="Void",
        when=lambda invoice: invoice.status == InvoiceStatus.FINALIZED and invoice.paid_at is None,
        confirm="The invoice keeps its number (no gap) and its jobs may be billed again.",
        form=ReasonForm,
        danger=True,
    )
    def void(self, request: HttpRequest, invoice: Invoice, data: dict[str, Any]) -> str:
        voided = services.void_invoice(team=invoice.team, actor=_actor(request), invoice=invoice, reason=data["reason"])
        return f"Voided {voided.number}."
