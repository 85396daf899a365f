"""Payment of invoices: marking one paid (re-exported by `invoicing.services`)."""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils import timezone

from accounts.models import Actor, Team
from core.exceptions import InvalidInputError, StateConflictError
from invoicing import selectors
from invoicing.models import Invoice, InvoiceStatus
from webhooks.models import EventType
from webhooks.services import record_event

PAYABLE = (InvoiceStatus.FINALIZED, InvoiceStatus.APPROVED)


def mark_invoice_paid(*, team: Team, actor: Actor, invoice: Invoice, paid_at: dt.date) -> Invoice:
    """Record the day a finalized or approved invoice was paid (409 from any other status or when paid).

    `paid_at` is the day on the bank statement: not after today in the team's time zone. Emits
    `invoice.paid`. Repeating a request safely is the `Idempotency-Key`'s job, not a second call's.
    """
    if paid_at > selectors.team_today(team=team):
        raise InvalidInputError("paidAt cannot be in the future.", "paidAt")
    with transaction.atomic():
        locked = Invoice.objects.select_for_update().get(pk=invoice.pk, team=team)
        if locked.status not in PAYABLE:
            raise StateConflictError(f"Cannot mark an invoice that is {locked.status} paid.", "invoiceId")
        if locked.paid_at is not None:
            raise StateConflictError(f"The invoice is already marked paid on {locked.paid_at}.", "invoiceId")
        locked.paid_at = paid_at
        locked.paid_recorded_at = timezone.now()
        locked.paid_by_user, locked.paid_by_key = actor.user, actor.api_key
        locked.save()
        record_event(EventType.INVOICE_PAID, locked)
    return locked
