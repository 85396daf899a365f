"""Reads for invoicing: the effective profile, which contract and rate price a job, draft defaults."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db.models import Count, Max, Min, Prefetch, Q, QuerySet
from django.utils import timezone

from accounts.models import Team
from core.timerange import team_zone
from invoicing.models import (
    Contract,
    ContractRate,
    Invoice,
    InvoiceLine,
    InvoiceStatus,
    InvoiceTemplate,
    InvoicingProfile,
    PaymentStatus,
    Rate,
    RateUnit,
)
from jobs.models import Job, JobStatus
from projects.models import Client


def team_today(*, team: Team) -> dt.date:
    """Today's date where the team works (its time zone), which is the day an invoice is issued."""
    return timezone.now().astimezone(team_zone(team)).date()


def default_profile(*, team: Team) -> InvoicingProfile:
    """An unsaved profile with the defaults a team starts from (its name and currency)."""
    return InvoicingProfile(team=team, legal_name=team.name, default_currency=team.currency)


def profile_for(*, team: Team) -> InvoicingProfile:
    """The team's profile, or the defaults it would get (unsaved) when it has none yet."""
    return InvoicingProfile.objects.filter(team=team).first() or default_profile(team=team)


def template_for(*, team: Team) -> InvoiceTemplate:
    """The team's invoice template, or the default one (unsaved)."""
    return InvoiceTemplate.objects.filter(team=team).first() or InvoiceTemplate(team=team)


# Who created, finalized, approved and voided an invoice.
ACTOR_RELATIONS = (
    "created_by_user", "created_by_key", "finalized_by_user", "finalized_by_key",
    "approved_by_user", "approved_by_key", "voided_by_user", "voided_by_key", "paid_by_user", "paid_by_key",
)  # fmt: skip


def rates_for(*, team: Team) -> QuerySet[Rate]:
    """The team's rates, each with its job type."""
    return Rate.objects.for_team(team).select_related("job_type")


def contracts_for(*, team: Team) -> QuerySet[Contract]:
    """The team's client contracts, each with its rates and their job types."""
    rates = ContractRate.objects.select_related("job_type")
    return Contract.objects.for_team(team).prefetch_related(Prefetch("rates", queryset=rates))


def invoices_for(*, team: Team, with_lines: bool = False, for_document: bool = False) -> QuerySet[Invoice]:
    """The team's invoices with client and actors; `with_lines` loads the lines in order, `for_document`
    what rendering the PDF reads (team, contract)."""
    queryset = Invoice.objects.for_team(team).select_related("client", *ACTOR_RELATIONS)
    if with_lines:
        queryset = queryset.prefetch_related(Prefetch("lines", queryset=InvoiceLine.objects.order_by("position")))
    if for_document:
        queryset = queryset.select_related("team", "contract")
    return queryset


def _valid_on(day: dt.date) -> Q:
    return Q(valid_from__lte=day) & (Q(valid_to__isnull=True) | Q(valid_to__gte=day))


def contract_for(*, team: Team, client: Client, day: dt.date) -> Contract | None:
    """The client's contract in force on `day`; when several are, the one that started last wins."""
    return (
        Contract.objects.filter(team=team, client=client)
        .filter(_valid_on(day))
        .order_by("-valid_from", "-created_at", "-id")
        .first()
    )


@dataclass(frozen=True)
class Price:
    """What one job costs: where the price came from, per unit, and its tax rate."""

    unit_price: Decimal
    unit: RateUnit
    tax_rate: Decimal
    source: str  # "contract" or "rate"


def prices_for(
    *, team: Team, job_type_ids: Iterable[Any], currency: str, day: dt.date, contract: Contract | None
) -> dict[Any, Price]:
    """Per job type: the contract's rate, else the team's rate in `currency` valid on `day` (two queries).

    A team may hold several rates for one type: the one that started last (then the newest) wins, so
    a new price list is added with a later `validFrom` rather than by editing the old one. Types with
    no price are missing from the answer.
    """
    wanted = set(job_type_ids)
    prices: dict[Any, Price] = {}
    if contract is not None and wanted:
        for contract_rate in ContractRate.objects.filter(contract=contract, job_type_id__in=wanted):
            prices[contract_rate.job_type_id] = Price(
                contract_rate.unit_price, RateUnit(contract_rate.unit), contract_rate.tax_rate, "contract"
            )
    rest = wanted - set(prices)
    if rest:
        rates = (
            Rate.objects.filter(team=team, job_type_id__in=rest, currency=currency)
            .filter(_valid_on(day))
            .order_by("job_type_id", "-valid_from", "-created_at", "-id")
        )
        for rate in rates:
            prices.setdefault(rate.job_type_id, Price(rate.unit_price, RateUnit(rate.unit), rate.tax_rate, "rate"))
    return prices


@dataclass(frozen=True)
class DraftDefaults:
    """What a new draft for a client (or for any client) would get today."""

    currency: str
    tax_rate: Decimal
    payment_terms_days: int
    issue_date: dt.date
    due_date: dt.date
    next_number_preview: str
    contract: Contract | None


def draft_defaults(*, team: Team, client: Client | None = None) -> DraftDefaults:
    """Currency (the client's contract's, else the profile's), tax rate, terms, dates, next number preview."""
    profile = profile_for(team=team)
    today = team_today(team=team)
    contract = contract_for(team=team, client=client, day=today) if client is not None else None
    return DraftDefaults(
        currency=contract.currency if contract else profile.default_currency,
        tax_rate=profile.default_tax_rate,
        payment_terms_days=profile.payment_terms_days,
        issue_date=today,
        due_date=today + dt.timedelta(days=profile.payment_terms_days),
        next_number_preview=profile.format_number(profile.next_number, today.year),
        contract=contract,
    )


def payment_status_match(*, team: Team, status: PaymentStatus) -> Q:
    """A filter for invoices in one payment status; drafts and void invoices are in none."""
    if status == PaymentStatus.PAID:
        return Q(paid_at__isnull=False)
    unpaid = Q(status__in=(InvoiceStatus.FINALIZED, InvoiceStatus.APPROVED), paid_at__isnull=True)
    if status == PaymentStatus.OVERDUE:
        return unpaid & Q(due_date__lt=team_today(team=team))
    return unpaid


def ready_to_bill(*, team: Team) -> QuerySet[Job]:
    """Completed jobs of a client that are on no live invoice (a draft counts; a void invoice frees its jobs)."""
    billed = InvoiceLine.objects.filter(is_live=True, job__isnull=False, invoice__team=team).values("job_id")
    return Job.objects.for_team(team).filter(status=JobStatus.COMPLETED, client__isnull=False).exclude(pk__in=billed)


def ready_to_bill_by_client(*, team: Team) -> QuerySet[Any]:
    """One row per client with jobs ready to bill: `client_id`, `client_name`, `jobs`, `since` (the oldest
    completion) and `latest`; the longest waiting first."""
    return (
        ready_to_bill(team=team)
        .values("client_id")
        .annotate(
            client_name=Max("client__name"), jobs=Count("id"), since=Min("completed_at"), latest=Max("completed_at")
        )
        .order_by("since", "client_name", "client_id")
    )
