"""Writes for invoicing: drafts and the invoice life cycle (profile and template: `invoicing.profile`;
rates and contracts: `invoicing.price_lists`; payment: `invoicing.payments`; sending to the client:
`invoicing.sending`, all re-exported here).

Every function takes the team and the acting user or key, does one business action in one
transaction, and locks what it changes. Finalize locks the team's profile row first — that row
holds the number sequence — so numbers are handed out one transaction at a time: gapless and unique.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from accounts.models import Actor, Team
from core.exceptions import DomainError, InvalidInputError, StateConflictError
from invoicing import job_prices, selectors
from invoicing.models import (
    Contract,
    Invoice,
    InvoiceLine,
    InvoiceStatus,
    InvoicingProfile,
    LineUnit,
    RateUnit,
)
from invoicing.money import MAX_AMOUNT, LineAmounts, invoice_totals, line_amounts, to_cents
from invoicing.payments import mark_invoice_paid as mark_invoice_paid
from invoicing.price_lists import create_contract as create_contract
from invoicing.price_lists import create_rate as create_rate
from invoicing.price_lists import set_contract_rates as set_contract_rates
from invoicing.profile import PROFILE_FIELDS as PROFILE_FIELDS
from invoicing.profile import TEMPLATE_FIELDS as TEMPLATE_FIELDS
from invoicing.profile import locked_profile
from invoicing.profile import upsert_profile as upsert_profile
from invoicing.profile import upsert_template as upsert_template
from invoicing.sending import MailDeliveryError as MailDeliveryError
from invoicing.sending import send_invoice as send_invoice
from jobs.models import Job, JobStatus
from projects.models import Client
from webhooks.models import EventType
from webhooks.services import record_event

# The profile, template, rates and contracts are written in `invoicing.profile` and `invoicing.price_lists`;
# callers use them through this module (the redundant aliases above re-export them).
BILLED_ONCE_CONSTRAINT = "invoiceline_job_billed_once"
SECONDS_PER_HOUR = Decimal(3600)


# Drafts -----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ManualLine:
    """A line typed in by hand (not priced from a job)."""

    description: str
    quantity: Decimal
    unit_price: Decimal
    tax_rate: Decimal | None = None
    unit: LineUnit = LineUnit.ITEM


_UNSET: Any = object()


def _billable_hours(job: Job) -> Decimal:
    if job.started_at is None or job.completed_at is None or job.completed_at <= job.started_at:
        return Decimal(0)
    seconds = Decimal(str((job.completed_at - job.started_at).total_seconds()))
    return to_cents(seconds / SECONDS_PER_HOUR)


def _job_lines(
    team: Team, client: Client, job_ids: Sequence[uuid.UUID], currency: str, day: dt.date, contract: Contract | None
) -> list[InvoiceLine]:
    """One priced line per job, in the order given; 400 naming the first job that cannot be billed."""
    if len(set(job_ids)) != len(job_ids):
        duplicate = next(i for i, job_id in enumerate(job_ids) if job_id in job_ids[:i])
        raise InvalidInputError("This job is listed twice.", f"jobIds.{duplicate}")
    jobs = Job.objects.filter(team=team, pk__in=job_ids).select_related("job_type").in_bulk()
    job_type_ids = {job.job_type_id for job in jobs.values()}
    prices = selectors.prices_for(team=team, job_type_ids=job_type_ids, currency=currency, day=day, contract=contract)
    # A price the job carries from what made it (a maintenance plan's) comes before the rate card.
    carried = job_prices.prices_for_jobs(team=team, jobs=list(jobs.values()), currency=currency, day=day)
    lines = []
    for index, job_id in enumerate(job_ids):
        path = f"jobIds.{index}"
        job = jobs.get(job_id)
        if job is None:
            raise InvalidInputError("No such job in your team.", path)
        if job.status != JobStatus.COMPLETED:
            raise InvalidInputError(f"Job {job.pk} is {job.status}; only completed jobs can be billed.", path)
        if job.client_id != client.pk:
            raise InvalidInputError(f"Job {job.pk} is not a job of this client.", path)
        price = carried.get(job.pk) or prices.get(job.job_type_id)
        if price is None:
            raise InvalidInputError(
                f"Job {job.pk} has no price: no contract rate and no team rate in {currency} "
                f"for job type '{job.job_type.key}' on {day.isoformat()}.",
                path,
            )
        quantity = Decimal(1) if price.unit == RateUnit.JOB else _billable_hours(job)
        if quantity <= 0:
            raise InvalidInputError(f"Job {job.pk} has no recorded working time to bill by the hour.", path)
        completed = job.completed_at.date().isoformat() if job.completed_at else ""
        lines.append(
            InvoiceLine(
                job=job,
                description=f"{job.job_type.name} (job {str(job.pk)[:8]}, completed {completed})",
                quantity=quantity,
                unit=LineUnit(price.unit),
                unit_price=price.unit_price,
                tax_rate=price.tax_rate,
            )
        )
    return lines


def _check_not_billed_elsewhere(invoice: Invoice, job_ids: Sequence[uuid.UUID]) -> None:
    """A friendly 409 naming the job; the partial unique index is what actually guarantees it."""
    taken = (
        InvoiceLine.objects.filter(job_id__in=job_ids, is_live=True)
        .exclude(invoice_id=invoice.pk)
        .select_related("invoice")
        .first()
    )
    if taken is not None:
        index = next(i for i, job_id in enumerate(job_ids) if job_id == taken.job_id)
        raise StateConflictError(f"Job {taken.job_id} is already billed on invoice {taken.invoice}.", f"jobIds.{index}")


def save_draft(
    *,
    team: Team,
    actor: Actor,
    invoice: Invoice | None = None,
    client: Client | None = None,
    job_ids: Sequence[uuid.UUID] | None = None,
    lines: Sequence[ManualLine] | None = None,
    issue_date: dt.date | None = _UNSET,
    notes: str | None = None,
) -> tuple[Invoice, bool]:
    """Create a draft (no `invoice`) or update one; returns `(invoice, created)`.

    On update, what is not given is kept. Either way the draft is rebuilt: job lines are priced again
    from the client's contract in force on the issue date (today when unset), else the team's rate;
    manual lines follow them. A job already on another live invoice is a 409 — enforced by the database.
    """
    created = invoice is None
    try:
        with transaction.atomic():
            if invoice is None:
                if client is None:
                    raise InvalidInputError("clientId is required for a new draft.", "clientId")
                invoice = Invoice(team=team, client=client, created_by_user=actor.user, created_by_key=actor.api_key)
                keep_job_ids: list[uuid.UUID] = []
                keep_lines: list[ManualLine] = []
            else:
                invoice = Invoice.objects.select_for_update().get(pk=invoice.pk, team=team)
                if invoice.status != InvoiceStatus.DRAFT:
                    raise StateConflictError(f"Cannot edit an invoice that is {invoice.status}.", "invoiceId")
                current = list(invoice.lines.order_by("position"))
                keep_job_ids = [line.job_id for line in current if line.job_id is not None]
                keep_lines = [
                    ManualLine(line.description, line.quantity, line.unit_price, line.tax_rate, LineUnit(line.unit))
                    for line in current
                    if line.job_id is None
                ]
            invoice.client = client or invoice.client
            if issue_date is not _UNSET:
                invoice.issue_date = issue_date
            if notes is not None:
                invoice.notes = notes
            job_ids = list(job_ids) if job_ids is not None else keep_job_ids
            manual = list(lines) if lines is not None else keep_lines

            profile = selectors.profile_for(team=team)
            day = invoice.issue_date or selectors.team_today(team=team)
            invoice.contract = selectors.contract_for(team=team, client=invoice.client, day=day)
            invoice.currency = invoice.contract.currency if invoice.contract else profile.default_currency
            invoice.payment_terms_days = profile.payment_terms_days
            invoice.due_date = (
                invoice.issue_date + dt.timedelta(days=invoice.payment_terms_days) if invoice.issue_date else None
            )
            new_lines = _job_lines(team, invoice.client, job_ids, invoice.currency, day, invoice.contract)
            for item in manual:
                tax_rate = profile.default_tax_rate if item.tax_rate is None else item.tax_rate
                new_lines.append(
                    InvoiceLine(
                        description=item.description,
                        quantity=item.quantity,
                        unit=item.unit,
                        unit_price=item.unit_price,
                        tax_rate=tax_rate,
                    )
                )
            _check_not_billed_elsewhere(invoice, job_ids)

            _write_lines(invoice, new_lines, job_line_count=len(job_ids))
    except IntegrityError as exc:
        if BILLED_ONCE_CONSTRAINT in str(exc) or "invoiceline.job_id" in str(exc):
            raise StateConflictError(
                "A job on this draft was billed on another invoice at the same moment.", "jobIds"
            ) from None
        raise
    return invoice, created


@dataclass(frozen=True)
class DraftsFromJobs:
    """What `draft_invoices_from_jobs` did: the drafts made, the jobs left out, and each client's refusal."""

    drafted: list[Invoice]
    skipped: list[Job]
    refused: list[tuple[Client, DomainError]]


def draft_invoices_from_jobs(*, team: Team, actor: Actor, job_ids: Sequence[uuid.UUID]) -> DraftsFromJobs:
    """Draft one invoice per client of the given jobs, each priced as `save_draft` prices it.

    Jobs that are not completed or have no client are skipped. Each client's draft is its own
    transaction, so one client's refusal (a job already billed, no price) does not stop the others.
    """
    by_client: dict[Client, list[Job]] = {}
    skipped: list[Job] = []
    for job in Job.objects.filter(team=team, pk__in=job_ids).select_related("client").order_by("completed_at", "id"):
        if job.status != JobStatus.COMPLETED or job.client is None:
            skipped.append(job)
        else:
            by_client.setdefault(job.client, []).append(job)
    drafted: list[Invoice] = []
    refused: list[tuple[Client, DomainError]] = []
    for client, jobs in by_client.items():
        try:
            invoice, _ = save_draft(team=team, actor=actor, client=client, job_ids=[job.pk for job in jobs])
        except DomainError as exc:
            refused.append((client, exc))
        else:
            drafted.append(invoice)
    return DraftsFromJobs(drafted, skipped, refused)


def _write_lines(invoice: Invoice, new_lines: list[InvoiceLine], job_line_count: int) -> None:
    """Number and price the lines, total the invoice, and replace its lines (inside the caller's transaction).

    Job lines come first; an issue on line `i` is reported on `jobIds.i` or `lines.(i - job_line_count)`.
    """
    amounts: list[LineAmounts] = []
    for position, line in enumerate(new_lines):
        amount = line_amounts(line.quantity, line.unit_price, line.tax_rate)
        if amount.total > MAX_AMOUNT:
            where = f"jobIds.{position}" if position < job_line_count else f"lines.{position - job_line_count}"
            raise InvalidInputError(f"This line's total exceeds {MAX_AMOUNT}.", where)
        line.position, line.net_amount, line.tax_amount, line.line_total = (
            position, amount.net, amount.tax, amount.total,
        )  # fmt: skip
        amounts.append(amount)
    totals = invoice_totals(amounts)
    if totals.total > MAX_AMOUNT:
        raise InvalidInputError(f"The invoice total exceeds {MAX_AMOUNT}.", "lines")
    invoice.subtotal, invoice.tax_total, invoice.total = totals.subtotal, totals.tax_total, totals.total
    invoice.save()
    invoice.lines.all().delete()
    for line in new_lines:
        line.invoice = invoice
    InvoiceLine.objects.bulk_create(new_lines)


@dataclass(frozen=True)
class EditedLine:
    """A draft line as a person edited it in the admin: the job (if any) stays, the figures may change."""

    description: str
    quantity: Decimal
    unit_price: Decimal
    tax_rate: Decimal
    unit: LineUnit = LineUnit.ITEM
    job_id: uuid.UUID | None = None


def edit_draft_lines(*, team: Team, actor: Actor, invoice: Invoice, lines: Sequence[EditedLine]) -> Invoice:
    """Replace a draft's lines with hand-edited ones (prices as given, not re-priced) and re-total it.

    A line may keep a job the draft already bills but not bring a new one (add jobs with `save_draft`).
    """
    with transaction.atomic():
        locked = Invoice.objects.select_for_update().get(pk=invoice.pk, team=team)
        if locked.status != InvoiceStatus.DRAFT:
            raise StateConflictError(f"Cannot edit an invoice that is {locked.status}.", "invoiceId")
        billed_here = set(locked.lines.filter(job__isnull=False).values_list("job_id", flat=True))
        new_lines = []
        for index, line in enumerate(lines):
            if line.job_id is not None and line.job_id not in billed_here:
                raise InvalidInputError("Add jobs to a draft by drafting from them.", f"lines.{index}.jobId")
            if line.quantity <= 0:
                raise InvalidInputError("Quantity must be greater than zero.", f"lines.{index}.quantity")
            if line.unit_price < 0:
                raise InvalidInputError("Unit price cannot be negative.", f"lines.{index}.unitPrice")
            fields = {"job_id": line.job_id, "description": line.description, "quantity": line.quantity,
                      "unit": line.unit, "unit_price": line.unit_price, "tax_rate": line.tax_rate}  # fmt: skip
            new_lines.append(InvoiceLine(**fields))
        _write_lines(locked, new_lines, job_line_count=0)
    return locked


# Life cycle -------------------------------------------------------------------------------------


def _issuer(profile: InvoicingProfile) -> dict[str, str]:
    return {
        "legal_name": profile.legal_name,
        "address": profile.address,
        "tax_id": profile.tax_id,
        "bank_details": profile.bank_details,
        "footer_text": profile.footer_text,
    }


def finalize_invoice(*, team: Team, actor: Actor, invoice: Invoice) -> Invoice:
    """Give a draft the team's next number and freeze it (409 unless DRAFT, or when it has no lines).

    The profile row is locked first and the counter moves in the same transaction as the invoice, so
    concurrent finalizes queue on that row and a failed one gives its number back: gapless and unique.
    """
    with transaction.atomic():
        profile = locked_profile(team)
        locked = Invoice.objects.select_for_update().get(pk=invoice.pk, team=team)
        if locked.status != InvoiceStatus.DRAFT:
            raise StateConflictError(f"Cannot finalize an invoice that is {locked.status}.", "invoiceId")
        if not locked.lines.exists():
            raise StateConflictError("Cannot finalize an invoice without lines.", "invoiceId")
        sequence = profile.next_number
        profile.next_number = sequence + 1
        profile.save(update_fields=["next_number"])

        locked.issue_date = locked.issue_date or selectors.team_today(team=team)
        locked.due_date = locked.issue_date + dt.timedelta(days=locked.payment_terms_days)
        locked.sequence = sequence
        locked.number = profile.format_number(sequence, locked.issue_date.year)
        locked.issuer = _issuer(profile)
        locked.status = InvoiceStatus.FINALIZED
        locked.finalized_at = timezone.now()
        locked.finalized_by_user, locked.finalized_by_key = actor.user, actor.api_key
        locked.save()
        record_event(EventType.INVOICE_FINALIZED, locked)
    return locked


def approve_invoice(*, team: Team, actor: Actor, invoice: Invoice) -> Invoice:
    """Approve a finalized invoice, recording who approved it (409 from any other status)."""
    with transaction.atomic():
        locked = Invoice.objects.select_for_update().get(pk=invoice.pk, team=team)
        if locked.status != InvoiceStatus.FINALIZED:
            raise StateConflictError(f"Cannot approve an invoice that is {locked.status}.", "invoiceId")
        locked.status = InvoiceStatus.APPROVED
        locked.approved_at = timezone.now()
        locked.approved_by_user, locked.approved_by_key = actor.user, actor.api_key
        locked.save()
        record_event(EventType.INVOICE_APPROVED, locked)
    return locked


def void_invoice(*, team: Team, actor: Actor, invoice: Invoice, reason: str) -> Invoice:
    """Void a finalized invoice: it keeps its number (no gap), and its jobs may be billed again."""
    if not reason.strip():
        raise InvalidInputError("A reason is required to void an invoice.", "reason")
    with transaction.atomic():
        locked = Invoice.objects.select_for_update().get(pk=invoice.pk, team=team)
        if locked.status != InvoiceStatus.FINALIZED:
            raise StateConflictError(f"Cannot void an invoice that is {locked.status}.", "invoiceId")
        if locked.paid_at is not None:
            raise StateConflictError("Cannot void an invoice that is marked paid.", "invoiceId")
        locked.status = InvoiceStatus.VOID
        locked.void_reason = reason
        locked.voided_at = timezone.now()
        locked.voided_by_user, locked.voided_by_key = actor.user, actor.api_key
        locked.save()
        locked.lines.update(is_live=False)
    return locked
