"""Marking invoices paid, the paymentStatus filter and the invoice.paid event."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from accounts.models import Actor
from invoicing import services
from invoicing.models import Invoice, InvoiceStatus
from invoicing.selectors import team_today
from tests.conftest import ApiResponse, TeamWorld, World
from tests.contract import BadInput
from tests.invoicing.factories import InvoiceFactory, draft_with_line
from tests.invoicing.test_endpoints import InvoiceActionContract, finalized
from tests.webhooks.factories import make_endpoint
from webhooks.models import EventType, WebhookEvent

PAID_ON = "2026-01-15"


class TestMarkInvoicePaid(InvoiceActionContract):
    path = "/v1/invoices/mark-paid"
    bad_inputs = [
        BadInput(path="invoiceId", body={"paidAt": PAID_ON}),
        BadInput(path="invoiceId", body={"invoiceId": "not-a-uuid", "paidAt": PAID_ON}),
        BadInput(path="paidAt", body={"invoiceId": "00000000-0000-4000-8000-000000000000"}),
        BadInput(path="paidAt", body={"invoiceId": "00000000-0000-4000-8000-000000000000", "paidAt": "15/01/2026"}),
    ]

    def make_object(self, team_world: TeamWorld) -> Invoice:
        return finalized(team_world)

    def body(self, world: World, obj: Any) -> dict[str, Any]:
        return {**super().body(world, obj), "paidAt": PAID_ON}

    def check_happy(self, world: World, obj: Any, response: ApiResponse) -> None:
        assert response.data["paidAt"] == PAID_ON
        assert response.data["paidBy"]["type"] == "apiKey"
        assert response.data["status"] == "FINALIZED", "paid is not a status: the invoice stays as it was"
        again = world.api.post(self.path, {**self.body(world, obj), "paidAt": "2026-01-16"})
        assert again.status_code == 409, again
        obj.refresh_from_db()
        assert obj.paid_at == dt.date(2026, 1, 15)


def test_an_approved_invoice_can_be_paid_a_draft_or_void_one_cannot(world: World) -> None:
    approved = services.approve_invoice(team=world.a.team, actor=Actor(), invoice=finalized(world.a))
    paid = world.api.post("/v1/invoices/mark-paid", {"invoiceId": str(approved.pk), "paidAt": PAID_ON})
    assert paid.status_code == 200, paid
    draft = draft_with_line(world.a.team)
    void = services.void_invoice(team=world.a.team, actor=Actor(), invoice=finalized(world.a), reason="Wrong")
    for invoice in (draft, void):
        response = world.api.post("/v1/invoices/mark-paid", {"invoiceId": str(invoice.pk), "paidAt": PAID_ON})
        assert response.status_code == 409, response
        invoice.refresh_from_db()
        assert invoice.paid_at is None


def test_paid_at_cannot_be_in_the_future(world: World) -> None:
    invoice = finalized(world.a)
    tomorrow = team_today(team=world.a.team) + dt.timedelta(days=1)
    response = world.api.post("/v1/invoices/mark-paid", {"invoiceId": str(invoice.pk), "paidAt": tomorrow.isoformat()})
    assert response.status_code == 400 and response.issue_paths == ["paidAt"], response


def test_a_paid_invoice_is_not_voided(world: World) -> None:
    invoice = finalized(world.a)
    world.api.post("/v1/invoices/mark-paid", {"invoiceId": str(invoice.pk), "paidAt": PAID_ON})
    response = world.api.post("/v1/invoices/void", {"invoiceId": str(invoice.pk), "reason": "Oops"})
    assert response.status_code == 409, response


def test_an_idempotency_key_replays_the_first_answer(world: World) -> None:
    invoice = finalized(world.a)
    body = {"invoiceId": str(invoice.pk), "paidAt": PAID_ON}
    headers = {"Idempotency-Key": "pay-1"}
    first = world.api.post("/v1/invoices/mark-paid", body, headers=headers)
    second = world.api.post("/v1/invoices/mark-paid", body, headers=headers)
    assert first.status_code == second.status_code == 200
    assert second.headers["Idempotent-Replayed"] == "true"


def test_marking_paid_emits_invoice_paid(world: World) -> None:
    make_endpoint(world.a, enabled_events=[EventType.INVOICE_PAID])
    invoice = finalized(world.a)
    world.api.post("/v1/invoices/mark-paid", {"invoiceId": str(invoice.pk), "paidAt": PAID_ON})
    event = WebhookEvent.objects.get(type=EventType.INVOICE_PAID)
    assert json.loads(event.body)["data"]["object"]["paidAt"] == PAID_ON


def test_payment_status_filter(world: World) -> None:
    today = team_today(team=world.a.team)
    paid = finalized(world.a)
    services.mark_invoice_paid(team=world.a.team, actor=Actor(), invoice=paid, paid_at=today)
    overdue = finalized(world.a)
    Invoice.objects.filter(pk=overdue.pk).update(due_date=today - dt.timedelta(days=1))
    due_today = finalized(world.a)
    Invoice.objects.filter(pk=due_today.pk).update(due_date=today)
    InvoiceFactory(team=world.a.team)  # a draft: in no payment status
    assert InvoiceStatus.DRAFT in Invoice.objects.values_list("status", flat=True)

    def listed(status: str) -> set[str]:
        return {row["id"] for row in world.api.get("/v1/invoices", {"paymentStatus": status}).data}

    assert listed("paid") == {str(paid.pk)}
    assert listed("unpaid") == {str(overdue.pk), str(due_today.pk)}
    assert listed("overdue") == {str(overdue.pk)}
    bad = world.api.get("/v1/invoices", {"paymentStatus": "late"})
    assert bad.status_code == 400 and bad.issue_paths == ["paymentStatus"]
