"""Sending an invoice to the client: POST /v1/invoices/send, the send_invoice service, the send log, invoice.sent."""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

import pytest
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext

from accounts.models import Actor
from core.exceptions import StateConflictError
from invoicing import services
from invoicing.models import Invoice, InvoiceSend, SendStatus
from tests.conftest import ApiResponse, TeamWorld, World
from tests.contract import BadInput
from tests.factories import ClientFactory
from tests.invoicing.factories import draft_with_line
from tests.invoicing.test_endpoints import InvoiceActionContract, finalized
from tests.webhooks.factories import make_endpoint
from webhooks.models import EventType, WebhookEvent

SEND = "/v1/invoices/send"


class TestSendInvoice(InvoiceActionContract):
    path = SEND
    bad_inputs = [
        *InvoiceActionContract.bad_inputs,
        BadInput(path="resend", body={"invoiceId": "00000000-0000-4000-8000-000000000000", "resend": "twice"}),
    ]

    def make_object(self, team_world: TeamWorld) -> Invoice:
        return finalized(team_world)

    def check_happy(self, world: World, obj: Any, response: ApiResponse) -> None:
        assert response.data["sentAt"] is not None
        assert response.data["status"] == "FINALIZED", "sending is not a status"
        assert len(mail.outbox) == 1
        message = mail.outbox[0]
        assert message.to == [obj.client.email]
        assert obj.number in message.subject
        [(filename, content, content_type)] = message.attachments
        assert filename == f"{obj.number}.pdf" and content_type == "application/pdf"
        assert content.startswith(b"%PDF")
        [logged] = InvoiceSend.objects.filter(invoice=obj)
        assert logged.status == SendStatus.SENT and logged.recipients == [obj.client.email]
        assert logged.sent_by_key is not None and logged.finished_at is not None

    def test_other_team_invoice_sends_nothing(self, world: World) -> None:
        theirs = finalized(world.b)
        assert world.api.post(SEND, {"invoiceId": str(theirs.pk)}).status_code == 404
        assert mail.outbox == [] and not InvoiceSend.objects.exists()

    def test_query_ceiling(self, world: World) -> None:
        """A constant number of queries, whatever the invoice's size (the PDF reads the lines once)."""
        world.api.get("/v1/team")  # warm up: the key's last-used stamp
        counts = []
        for line_count in (1, 20):
            lines = [services.ManualLine(f"Part {n}", Decimal(1), Decimal("9.99")) for n in range(line_count)]
            draft, _ = services.save_draft(
                team=world.a.team, actor=Actor(), client=ClientFactory(team=world.a.team), lines=lines
            )
            invoice = services.finalize_invoice(team=world.a.team, actor=Actor(), invoice=draft)
            with CaptureQueriesContext(connection) as queries:
                assert world.api.post(SEND, {"invoiceId": str(invoice.pk)}).status_code == 200
            counts.append(len(queries))
        assert counts[0] == counts[1], "queries grow with the invoice's lines"
        assert counts[0] <= 40, counts


def _send(invoice: Invoice, **kwargs: Any) -> Invoice:
    return services.send_invoice(team=invoice.team, actor=Actor(), invoice=invoice, **kwargs)


@pytest.mark.django_db
def test_sending_twice_emails_once_unless_resent(world: World) -> None:
    invoice = finalized(world.a)
    first = _send(invoice)
    again = _send(invoice)
    assert len(mail.outbox) == 1 and again.sent_at == first.sent_at
    resent = _send(invoice, resend=True)
    assert first.sent_at is not None and resent.sent_at is not None and resent.sent_at > first.sent_at
    assert len(mail.outbox) == 2
    assert list(InvoiceSend.objects.filter(invoice=invoice).values_list("request", "status")) == [
        (1, SendStatus.SENT),
        (2, SendStatus.SENT),
    ]
    ids = {message.extra_headers["Message-ID"] for message in mail.outbox}
    assert len(ids) == 2, "each send request has its own Message-ID"


@pytest.mark.django_db
def test_api_second_send_answers_the_invoice_unchanged(world: World) -> None:
    invoice = finalized(world.a)
    first = world.api.post(SEND, {"invoiceId": str(invoice.pk)})
    second = world.api.post(SEND, {"invoiceId": str(invoice.pk)})
    assert first.status_code == second.status_code == 200
    assert second.data["sentAt"] == first.data["sentAt"] and len(mail.outbox) == 1
    resent = world.api.post(SEND, {"invoiceId": str(invoice.pk), "resend": True})
    assert resent.status_code == 200 and len(mail.outbox) == 2


@pytest.mark.django_db
def test_an_idempotency_key_replays_the_first_answer(world: World) -> None:
    invoice = finalized(world.a)
    body, headers = {"invoiceId": str(invoice.pk), "resend": True}, {"Idempotency-Key": "send-1"}
    first = world.api.post(SEND, body, headers=headers)
    second = world.api.post(SEND, body, headers=headers)
    assert first.status_code == second.status_code == 200
    assert second.headers["Idempotent-Replayed"] == "true"
    assert len(mail.outbox) == 1, "a replayed resend does not email again"


@pytest.mark.django_db
def test_drafts_void_invoices_and_clients_without_email_are_refused(world: World) -> None:
    draft = draft_with_line(world.a.team)
    void = services.void_invoice(team=world.a.team, actor=Actor(), invoice=finalized(world.a), reason="Wrong")
    for invoice, words in ((draft, "DRAFT"), (void, "VOID")):
        before = Invoice.objects.values().get(pk=invoice.pk)
        response = world.api.post(SEND, {"invoiceId": str(invoice.pk)})
        assert response.status_code == 409 and response.issue_paths == ["invoiceId"], response
        assert words in response.issues[0]["message"]
        assert Invoice.objects.values().get(pk=invoice.pk) == before
    no_email = finalized(world.a)
    no_email.client.email = ""
    no_email.client.save()
    response = world.api.post(SEND, {"invoiceId": str(no_email.pk)})
    assert response.status_code == 409 and response.issue_paths == ["invoiceId"], response
    assert "no email address" in response.issues[0]["message"]
    assert f"/v1/clients/{no_email.client.pk}/update" in response.issues[0]["message"]
    no_email.refresh_from_db()
    assert no_email.sent_at is None
    assert mail.outbox == [] and not InvoiceSend.objects.exists()
    assert not WebhookEvent.objects.filter(type=EventType.INVOICE_SENT).exists()


@pytest.mark.django_db
def test_a_send_under_way_is_not_doubled(world: World) -> None:
    invoice = finalized(world.a)
    InvoiceSend.objects.create(team=invoice.team, invoice=invoice, request=1, recipients=["x@example.com"])
    with pytest.raises(StateConflictError, match="being sent right now"):
        _send(invoice, resend=True)
    assert mail.outbox == []


@pytest.mark.django_db
def test_a_send_cut_off_mid_delivery_needs_an_explicit_resend(world: World) -> None:
    from django.utils import timezone

    from invoicing.sending import SEND_STALE_AFTER

    invoice = finalized(world.a)
    stale = InvoiceSend.objects.create(
        team=invoice.team, invoice=invoice, request=1, recipients=["x@example.com"],
        created_at=timezone.now() - SEND_STALE_AFTER * 2,
    )  # fmt: skip
    with pytest.raises(StateConflictError, match="resend"):
        _send(invoice)
    assert mail.outbox == []
    _send(invoice, resend=True)
    stale.refresh_from_db()
    assert stale.status == SendStatus.FAILED and len(mail.outbox) == 1
    assert InvoiceSend.objects.get(invoice=invoice, request=2).status == SendStatus.SENT


@pytest.mark.django_db
def test_a_mail_server_failure_is_503_logged_and_leaves_the_invoice_unsent(world: World, settings: Any) -> None:
    settings.EMAIL_BACKEND = "tests.invoicing.test_sending.BrokenBackend"
    invoice = finalized(world.a)
    response = world.api.post(SEND, {"invoiceId": str(invoice.pk)})
    assert response.status_code == 503 and response.headers["Retry-After"], response
    invoice.refresh_from_db()
    assert invoice.sent_at is None
    [failed] = InvoiceSend.objects.filter(invoice=invoice)
    assert failed.status == SendStatus.FAILED and "refused" in failed.error
    assert not WebhookEvent.objects.filter(type=EventType.INVOICE_SENT).exists()
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    assert world.api.post(SEND, {"invoiceId": str(invoice.pk)}).status_code == 200, "a retry sends it"
    assert InvoiceSend.objects.get(invoice=invoice, request=2).status == SendStatus.SENT


@pytest.mark.django_db
def test_sending_emits_invoice_sent(world: World) -> None:
    make_endpoint(world.a, enabled_events=[EventType.INVOICE_SENT])
    invoice = finalized(world.a)
    world.api.post(SEND, {"invoiceId": str(invoice.pk)})
    world.api.post(SEND, {"invoiceId": str(invoice.pk)})  # not sent again: no second event
    [event] = WebhookEvent.objects.filter(type=EventType.INVOICE_SENT)
    assert json.loads(event.body)["data"]["object"]["sentAt"] is not None
    feed = world.api.get("/v1/events", {"type": "invoice.sent"})
    assert [row["objectId"] for row in feed.data] == [str(invoice.pk)]


@pytest.mark.django_db
def test_detail_shows_sent_at_null_until_sent(world: World) -> None:
    invoice = finalized(world.a)
    assert world.api.get(f"/v1/invoices/{invoice.pk}").data["sentAt"] is None
    _send(invoice)
    assert world.api.get(f"/v1/invoices/{invoice.pk}").data["sentAt"] is not None


class BrokenBackend:
    """A mail backend whose server refuses everything."""

    def __init__(self, **kwargs: Any) -> None:
        pass

    def send_messages(self, messages: Any) -> int:
        raise ConnectionRefusedError("The mail server refused the connection")
