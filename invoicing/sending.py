"""Sending an invoice to the client: its PDF by email, at most once per request, logged (re-exported by
`invoicing.services`).

The mail takes the path the customer documents take (`flows`): the same WeasyPrint rendering, Django's
email API with `DEFAULT_FROM_EMAIL`, a Message-ID fixed per send request so receiving servers can
de-duplicate, and a log row claimed (committed) before the mail leaves, so one request is never
emailed twice — not by a double click, a retried request or two people at once. Sending again is
an explicit resend: a new request number.
"""

from __future__ import annotations

import datetime as dt
import logging

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone

from accounts.models import Actor, Team
from core.exceptions import DomainError, StateConflictError
from invoicing.documents import PDF_CONTENT_TYPE, format_money, invoice_filename, render_invoice_pdf
from invoicing.models import Invoice, InvoiceSend, InvoiceStatus, SendStatus
from webhooks.models import EventType
from webhooks.services import record_event

logger = logging.getLogger("shocking.invoicing")

SENDABLE = (InvoiceStatus.FINALIZED, InvoiceStatus.APPROVED)
# A send still SENDING after this long was cut off mid-delivery (the process stopped): its outcome is unknown.
SEND_STALE_AFTER = dt.timedelta(minutes=10)


class MailDeliveryError(DomainError):
    """The mail server refused the invoice's email or could not be reached; the log row says FAILED."""

    status_code = 503


def message_id(invoice: Invoice, request: int) -> str:
    """The email's Message-ID, one per send request (the flows' scheme, `<invoice-…>` instead of `<flow-…>`)."""
    domain = settings.DEFAULT_FROM_EMAIL.rsplit("@", 1)[-1].strip(" >") or "localhost"
    return f"<invoice-{invoice.pk}-{request}@{domain}>"


def build_invoice_email(invoice: Invoice, pdf: bytes, send: InvoiceSend) -> EmailMultiAlternatives:
    """The email that carries the invoice's PDF to the client."""
    seller = (invoice.issuer or {}).get("legal_name") or invoice.team.name
    context = {
        "number": invoice.number,
        "client": invoice.client.name,
        "seller": seller,
        "total": format_money(invoice.total, invoice.currency),
        "due_date": invoice.due_date.strftime("%d %b %Y") if invoice.due_date else "",
        "resend": send.request > 1,
    }
    email = EmailMultiAlternatives(
        subject=f"Invoice {invoice.number} from {seller}",
        body=render_to_string("invoicing/email.txt", context),
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=list(send.recipients),
        headers={"Message-ID": send.message_id},
    )
    email.attach_alternative(render_to_string("invoicing/email.html", context), "text/html")
    email.attach(invoice_filename(invoice), pdf, PDF_CONTENT_TYPE)
    return email


def _claim(team: Team, actor: Actor, invoice: Invoice, resend: bool) -> InvoiceSend | None:
    """Check the rules and commit a SENDING log row; None when the invoice was already sent (no resend)."""
    with transaction.atomic():
        locked = Invoice.objects.select_for_update().select_related("client").get(pk=invoice.pk, team=team)
        if locked.status not in SENDABLE:
            raise StateConflictError(
                f"Cannot send an invoice that is {locked.status}; only finalized or approved invoices are sent.",
                "invoiceId",
            )
        email = locked.client.email.strip()
        if not email:
            raise StateConflictError(
                f"The client '{locked.client.name}' has no email address: add one to the client "
                f"(POST /v1/clients/{locked.client.pk}/update, field email), then send again.",
                "invoiceId",
            )
        last = locked.sends.order_by("-request").first()
        if last is not None and last.status == SendStatus.SENDING:
            if timezone.now() - last.created_at < SEND_STALE_AFTER:
                raise StateConflictError("This invoice is being sent right now; try again in a minute.", "invoiceId")
            if not resend:
                raise StateConflictError(
                    "The last send stopped mid-delivery, so the client may or may not have the email; "
                    "send again with resend: true to deliver it for sure.",
                    "invoiceId",
                )
            last.status, last.finished_at = SendStatus.FAILED, timezone.now()
            last.error = "Stopped mid-delivery: the outcome is unknown."
            last.save(update_fields=["status", "finished_at", "error"])
        if locked.sent_at is not None and not resend:
            return None
        request = (last.request if last is not None else 0) + 1
        return InvoiceSend.objects.create(
            team=team,
            invoice=locked,
            request=request,
            recipients=[email],
            message_id=message_id(locked, request),
            sent_by_user=actor.user,
            sent_by_key=actor.api_key,
        )


def send_invoice(*, team: Team, actor: Actor, invoice: Invoice, resend: bool = False) -> Invoice:
    """Email a finalized or approved invoice's PDF to the client's email address; returns the invoice.

    Idempotent: an invoice already sent is not emailed again (the answer is the invoice as it is)
    unless `resend` asks for a new send. Refused (409, nothing sent or logged) for a draft or void
    invoice, a client without an email address, and while another send of it is under way. Each
    email is a send-log row (to, when, who, status); a mail server failure marks it FAILED and
    raises `MailDeliveryError` (503). A delivered send sets `sentAt` and emits `invoice.sent`.
    """
    send = _claim(team, actor, invoice, resend)
    if send is None:
        return Invoice.objects.get(pk=invoice.pk, team=team)
    sendable = Invoice.objects.select_related("team", "client", "contract").prefetch_related("lines").get(pk=invoice.pk)
    try:
        build_invoice_email(sendable, render_invoice_pdf(sendable), send).send()
    except Exception as exc:
        error = f"{type(exc).__name__}: {exc}"[:2000]
        logger.warning("Invoice %s send #%s failed: %s", invoice.pk, send.request, error)
        send.status, send.error, send.finished_at = SendStatus.FAILED, error, timezone.now()
        send.save(update_fields=["status", "error", "finished_at"])
        raise MailDeliveryError(
            "The invoice could not be emailed (the mail server refused it or is unreachable); try again.", "invoiceId"
        ) from exc
    with transaction.atomic():
        locked = Invoice.objects.select_for_update().get(pk=invoice.pk, team=team)
        now = timezone.now()
        send.status, send.finished_at = SendStatus.SENT, now
        send.save(update_fields=["status", "finished_at"])
        locked.sent_at = now
        locked.save(update_fields=["sent_at"])
        record_event(EventType.INVOICE_SENT, locked)
    logger.info("Invoice %s emailed to %s (send #%s).", locked.number, ", ".join(send.recipients), send.request)
    return locked
