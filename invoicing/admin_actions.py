"""The buttons on an invoice's page in the admin: finalize, approve and void, each through `invoicing.services`.

Kept beside `invoicing/admin.py` (which `InvoiceAdmin` mixes this into) so that file stays one concern
under 400 lines; the mechanism is `core.admin_actions`.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from accounts.models import Actor
from core.admin_actions import ReasonForm, object_action
from invoicing import services
from invoicing.models import Invoice, InvoiceStatus


def _actor(request: HttpRequest) -> Actor:
    return Actor(user=request.user)  # type: ignore[arg-type]


class InvoiceObjectActions:
    """Finalize a draft, approve a finalized invoice, void a finalized one that is not paid."""

    object_actions: tuple[str, ...] = ("finalize", "approve", "void")

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
        label="Void",
        when=lambda invoice: invoice.status == InvoiceStatus.FINALIZED and invoice.paid_at is None,
        confirm="The invoice keeps its number (no gap) and its jobs may be billed again.",
        form=ReasonForm,
        danger=True,
    )
    def void(self, request: HttpRequest, invoice: Invoice, data: dict[str, Any]) -> str:
        voided = services.void_invoice(team=invoice.team, actor=_actor(request), invoice=invoice, reason=data["reason"])
        return f"Voided {voided.number}."
