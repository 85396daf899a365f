"""Invoicing: the team's profile and number sequence, rates, client contracts, the template, invoices.

Money is `Decimal` with two places everywhere; quantities have three places and tax rates are
percentages with three places. Totals are computed in `invoicing.money`, never with floats.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import F, Q, Value
from django.db.models.functions import Coalesce

from core.models import TeamOwnedModel

# Sizes of the decimal columns (the API validates against the same numbers).
MONEY_DIGITS, MONEY_PLACES = 14, 2
QUANTITY_DIGITS, QUANTITY_PLACES = 12, 3
TAX_RATE_DIGITS, TAX_RATE_PLACES = 6, 3

# Invoices without an issue date (drafts) sort as if issued on this day: last in `desc`, first in `asc`.
UNDATED_SORT_DATE = dt.date(1, 1, 1)


class RateUnit(models.TextChoices):
    JOB = "JOB"
    HOUR = "HOUR"


class LineUnit(models.TextChoices):
    JOB = "JOB"
    HOUR = "HOUR"
    ITEM = "ITEM"


class InvoiceStatus(models.TextChoices):
    DRAFT = "DRAFT"
    FINALIZED = "FINALIZED"
    APPROVED = "APPROVED"
    VOID = "VOID"


class PaymentStatus(models.TextChoices):
    """Where an invoice stands with the client's money (drafts and void invoices are in none)."""

    UNPAID = "unpaid", "Finalized or approved, not paid"
    OVERDUE = "overdue", "Unpaid and due before today (in the team's time zone)"
    PAID = "paid", "Marked paid"


class InvoicingProfile(TeamOwnedModel):
    """The team's invoicing identity and defaults; its row is also the lock for the number sequence."""

    legal_name = models.CharField(max_length=200, blank=True)
    address = models.TextField(blank=True)
    tax_id = models.CharField(max_length=64, blank=True)
    bank_details = models.TextField(blank=True)
    default_currency = models.CharField(max_length=3, default="EUR", help_text="ISO 4217 code.")
    default_tax_rate = models.DecimalField(
        max_digits=TAX_RATE_DIGITS, decimal_places=TAX_RATE_PLACES, default=Decimal("0"), help_text="Percent, e.g. 20."
    )
    payment_terms_days = models.PositiveSmallIntegerField(default=30)
    number_prefix = models.CharField(max_length=20, blank=True, default="INV")
    number_include_year = models.BooleanField(default=True)
    number_padding = models.PositiveSmallIntegerField(default=6)
    next_number = models.PositiveIntegerField(default=1, help_text="The sequence number the next finalize takes.")
    footer_text = models.TextField(blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=("team",), name="invoicingprofile_one_per_team"),
            models.CheckConstraint(condition=Q(next_number__gte=1), name="invoicingprofile_next_number_positive"),
            models.CheckConstraint(
                condition=Q(number_padding__gte=1, number_padding__lte=12), name="invoicingprofile_padding_range"
            ),
        ]

    def __str__(self) -> str:
        return self.legal_name or f"Invoicing profile of team {self.team_id}"

    def format_number(self, sequence: int, year: int) -> str:
        """`SE-2026-000123`: the prefix, the year (optional) and the zero-padded sequence, joined by dashes."""
        year_part = str(year) if self.number_include_year else ""
        parts = [self.number_prefix, year_part, f"{sequence:0{self.number_padding}d}"]
        return "-".join(part for part in parts if part)


class Rate(TeamOwnedModel):
    """The team's price for one job type in one currency, valid from a day (and until a day, inclusive)."""

    job_type = models.ForeignKey("jobs.JobType", on_delete=models.PROTECT, related_name="+")
    unit_price = models.DecimalField(max_digits=MONEY_DIGITS, decimal_places=MONEY_PLACES)
    unit = models.CharField(max_length=8, choices=RateUnit.choices, default=RateUnit.JOB)
    tax_rate = models.DecimalField(max_digits=TAX_RATE_DIGITS, decimal_places=TAX_RATE_PLACES)
    currency = models.CharField(max_length=3)
    valid_from = models.DateField()
    valid_to = models.DateField(null=True, blank=True)

    class Meta:
        ordering = ("-created_at", "-id")
        constraints = [
            models.CheckConstraint(condition=Q(unit_price__gte=0), name="rate_unit_price_not_negative"),
            models.CheckConstraint(
                condition=Q(valid_to__isnull=True) | Q(valid_to__gte=F("valid_from")), name="rate_valid_window"
            ),
        ]
        indexes = [
            models.Index(fields=("team", "created_at", "id"), name="rate_team_created_idx"),
            models.Index(fields=("team", "job_type", "currency", "valid_from"), name="rate_team_type_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.unit_price} {self.currency} per {self.unit}"


class Contract(TeamOwnedModel):
    """A client's agreement: while it is valid its per-job-type rates override the team's rates."""

    client = models.ForeignKey("projects.Client", on_delete=models.PROTECT, related_name="+")
    reference = models.CharField(max_length=100)
    valid_from = models.DateField()
    valid_to = models.DateField(null=True, blank=True)
    currency = models.CharField(max_length=3)
    notes = models.TextField(blank=True)

    class Meta:
        ordering = ("-created_at", "-id")
        constraints = [
            models.UniqueConstraint(fields=("team", "reference"), name="contract_unique_team_reference"),
            models.CheckConstraint(
                condition=Q(valid_to__isnull=True) | Q(valid_to__gte=F("valid_from")), name="contract_valid_window"
            ),
        ]
        indexes = [
            models.Index(fields=("team", "created_at", "id"), name="contract_team_created_idx"),
            models.Index(fields=("team", "client", "created_at", "id"), name="contract_team_client_idx"),
        ]

    def __str__(self) -> str:
        return self.reference


class ContractRate(models.Model):
    """A contract's price for one job type (in the contract's currency)."""

    contract = models.ForeignKey(Contract, on_delete=models.CASCADE, related_name="rates")
    job_type = models.ForeignKey("jobs.JobType", on_delete=models.PROTECT, related_name="+")
    unit_price = models.DecimalField(max_digits=MONEY_DIGITS, decimal_places=MONEY_PLACES)
    unit = models.CharField(max_length=8, choices=RateUnit.choices, default=RateUnit.JOB)
    tax_rate = models.DecimalField(max_digits=TAX_RATE_DIGITS, decimal_places=TAX_RATE_PLACES)

    class Meta:
        ordering = ("contract", "id")
        constraints = [
            models.UniqueConstraint(fields=("contract", "job_type"), name="contractrate_unique_job_type"),
            models.CheckConstraint(condition=Q(unit_price__gte=0), name="contractrate_unit_price_not_negative"),
        ]

    def __str__(self) -> str:
        return f"{self.unit_price} per {self.unit}"


class InvoiceTemplate(TeamOwnedModel):
    """The layout fields a rendered invoice uses (one per team; rendering to PDF lives with flows)."""

    logo_text = models.CharField(max_length=100, blank=True)
    primary_color = models.CharField(max_length=7, default="#1F2937", help_text="Hex colour, #RRGGBB.")
    accent_color = models.CharField(max_length=7, default="#F59E0B", help_text="Hex colour, #RRGGBB.")
    notes = models.TextField(blank=True, help_text="Printed on every invoice above the lines.")
    terms = models.TextField(blank=True, help_text="Payment terms printed below the totals.")

    class Meta:
        constraints = [models.UniqueConstraint(fields=("team",), name="invoicetemplate_one_per_team")]

    def __str__(self) -> str:
        return f"Invoice template of team {self.team_id}"


class Invoice(TeamOwnedModel):
    """A bill to one client: DRAFT → FINALIZED (numbered) → APPROVED, or VOID from FINALIZED."""

    client = models.ForeignKey("projects.Client", on_delete=models.PROTECT, related_name="+")
    contract = models.ForeignKey(Contract, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    status = models.CharField(max_length=16, choices=InvoiceStatus.choices, default=InvoiceStatus.DRAFT)
    number = models.CharField(max_length=64, null=True, blank=True)
    sequence = models.PositiveIntegerField(null=True, blank=True, help_text="The gapless per-team sequence number.")
    issue_date = models.DateField(null=True, blank=True)
    due_date = models.DateField(null=True, blank=True)
    payment_terms_days = models.PositiveSmallIntegerField(default=30)
    currency = models.CharField(max_length=3)
    notes = models.TextField(blank=True)
    subtotal = models.DecimalField(max_digits=MONEY_DIGITS, decimal_places=MONEY_PLACES, default=Decimal("0.00"))
    tax_total = models.DecimalField(max_digits=MONEY_DIGITS, decimal_places=MONEY_PLACES, default=Decimal("0.00"))
    total = models.DecimalField(max_digits=MONEY_DIGITS, decimal_places=MONEY_PLACES, default=Decimal("0.00"))
    # The seller's details as they were at finalize: a finalized invoice never changes with the profile.
    issuer = models.JSONField(null=True, blank=True)
    void_reason = models.TextField(blank=True)
    created_by_user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_by_key = models.ForeignKey(
        "accounts.APIKey", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    finalized_at = models.DateTimeField(null=True, blank=True)
    finalized_by_user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    finalized_by_key = models.ForeignKey(
        "accounts.APIKey", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    approved_at = models.DateTimeField(null=True, blank=True)
    approved_by_user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    approved_by_key = models.ForeignKey(
        "accounts.APIKey", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # The day the client paid (a date, as on a bank statement); null while unpaid.
    paid_at = models.DateField(null=True, blank=True)
    paid_recorded_at = models.DateTimeField(null=True, blank=True)
    paid_by_user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    paid_by_key = models.ForeignKey(
        "accounts.APIKey", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # When the invoice was last emailed to the client (see `InvoiceSend`, the send log); null until then.
    sent_at = models.DateTimeField(null=True, blank=True)
    voided_at = models.DateTimeField(null=True, blank=True)
    voided_by_user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    voided_by_key = models.ForeignKey(
        "accounts.APIKey", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ("-created_at", "-id")
        constraints = [
            models.UniqueConstraint(fields=("team", "sequence"), name="invoice_unique_team_sequence"),
            models.UniqueConstraint(fields=("team", "number"), name="invoice_unique_team_number"),
            # A draft has no number; everything past draft has one.
            models.CheckConstraint(
                condition=(
                    Q(status=InvoiceStatus.DRAFT, number__isnull=True, sequence__isnull=True)
                    | (~Q(status=InvoiceStatus.DRAFT) & Q(number__isnull=False, sequence__isnull=False))
                ),
                name="invoice_numbered_past_draft",
            ),
            models.CheckConstraint(condition=Q(total=F("subtotal") + F("tax_total")), name="invoice_total_adds_up"),
        ]
        indexes = [
            models.Index(fields=("team", "created_at", "id"), name="invoice_team_created_idx"),
            models.Index(
                F("team"), Coalesce(F("issue_date"), Value(UNDATED_SORT_DATE)), F("id"), name="invoice_team_issued_idx"
            ),
            models.Index(fields=("team", "total", "id"), name="invoice_team_total_idx"),
            models.Index(fields=("team", "status", "created_at", "id"), name="invoice_team_status_idx"),
            models.Index(fields=("team", "client", "created_at", "id"), name="invoice_team_client_idx"),
        ]

    def __str__(self) -> str:
        return self.number or f"Draft {str(self.id)[:8]}"

    @property
    def is_editable(self) -> bool:
        return self.status == InvoiceStatus.DRAFT


class InvoiceLine(models.Model):
    """One line: quantity × unit price, rounded half-up to cents, plus its tax, rounded the same way."""

    invoice = models.ForeignKey(Invoice, on_delete=models.CASCADE, related_name="lines")
    position = models.PositiveSmallIntegerField()
    job = models.ForeignKey("jobs.Job", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    description = models.CharField(max_length=500)
    quantity = models.DecimalField(max_digits=QUANTITY_DIGITS, decimal_places=QUANTITY_PLACES)
    unit = models.CharField(max_length=8, choices=LineUnit.choices, default=LineUnit.ITEM)
    unit_price = models.DecimalField(max_digits=MONEY_DIGITS, decimal_places=MONEY_PLACES)
    tax_rate = models.DecimalField(max_digits=TAX_RATE_DIGITS, decimal_places=TAX_RATE_PLACES)
    net_amount = models.DecimalField(max_digits=MONEY_DIGITS, decimal_places=MONEY_PLACES)
    tax_amount = models.DecimalField(max_digits=MONEY_DIGITS, decimal_places=MONEY_PLACES)
    line_total = models.DecimalField(max_digits=MONEY_DIGITS, decimal_places=MONEY_PLACES)
    # Mirrors "the invoice is not VOID", so that the billed-once rule can be a plain partial unique index.
    is_live = models.BooleanField(default=True)

    class Meta:
        ordering = ("invoice", "position")
        constraints = [
            models.UniqueConstraint(fields=("invoice", "position"), name="invoiceline_unique_position"),
            models.UniqueConstraint(
                fields=("job",), condition=Q(is_live=True, job__isnull=False), name="invoiceline_job_billed_once"
            ),
            models.CheckConstraint(condition=Q(quantity__gt=0), name="invoiceline_quantity_positive"),
            models.CheckConstraint(condition=Q(unit_price__gte=0), name="invoiceline_unit_price_not_negative"),
            models.CheckConstraint(
                condition=Q(line_total=F("net_amount") + F("tax_amount")), name="invoiceline_total_adds_up"
            ),
        ]

    def __str__(self) -> str:
        return self.description


class SendStatus(models.TextChoices):
    SENDING = "SENDING", "Handed to the mail server; not yet confirmed"
    SENT = "SENT", "The mail server accepted it"
    FAILED = "FAILED", "The mail server refused it or could not be reached"


class InvoiceSend(TeamOwnedModel):
    """One entry of an invoice's send log: to whom, when, by whom, and how it ended.

    `request` numbers the sends of one invoice (the first send is 1, each explicit resend adds one);
    with the unique (invoice, request) key an invoice is emailed at most once per request.
    """

    invoice = models.ForeignKey(Invoice, on_delete=models.CASCADE, related_name="sends")
    request = models.PositiveIntegerField()
    recipients = models.JSONField(default=list)
    status = models.CharField(max_length=16, choices=SendStatus.choices, default=SendStatus.SENDING)
    error = models.TextField(blank=True)
    message_id = models.CharField(max_length=300, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    sent_by_user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    sent_by_key = models.ForeignKey(
        "accounts.APIKey", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ("invoice", "request")
        constraints = [
            models.UniqueConstraint(fields=("invoice", "request"), name="invoicesend_one_per_request"),
        ]
        indexes = [models.Index(fields=("team", "created_at", "id"), name="invoicesend_team_created_idx")]

    def __str__(self) -> str:
        return f"Send #{self.request} to {', '.join(self.recipients)}: {self.status}"
