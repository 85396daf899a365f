"""Real concurrency on PostgreSQL: many threads, each with its own connection and transaction."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

import pytest
from django.db import connections

from accounts.models import Actor
from core.exceptions import StateConflictError
from invoicing import services
from invoicing.models import Invoice, InvoiceLine, InvoiceStatus, InvoicingProfile
from tests.factories import ClientFactory, TeamFactory
from tests.invoicing.factories import RateFactory, completed_job, draft_with_line

SYSTEM = Actor()
THREADS = 20


def race(tasks: list[Callable[[], Any]]) -> list[Any]:
    """Run every task in its own thread, all released at once; return each result or exception."""
    barrier = threading.Barrier(len(tasks))
    results: list[Any] = [None] * len(tasks)

    def run(index: int, task: Callable[[], Any]) -> None:
        try:
            barrier.wait()
            results[index] = task()
        except Exception as exc:  # the test inspects what each thread got
            results[index] = exc
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(i, task)) for i, task in enumerate(tasks)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not any(thread.is_alive() for thread in threads), "a thread hung (deadlock?)"
    return results


@pytest.mark.django_db(transaction=True)
def test_concurrent_finalizes_take_gapless_unique_numbers() -> None:
    team = TeamFactory()
    services.upsert_profile(team=team, actor=SYSTEM, number_prefix="SE", next_number=123)
    drafts = [draft_with_line(team) for _ in range(THREADS)]

    results = race([lambda d=d: services.finalize_invoice(team=team, actor=SYSTEM, invoice=d) for d in drafts])

    assert all(isinstance(result, Invoice) for result in results), results
    sequences = list(Invoice.objects.filter(team=team).order_by("sequence").values_list("sequence", flat=True))
    assert sequences == list(range(123, 123 + THREADS)), "gapless and unique"
    numbers = set(Invoice.objects.filter(team=team).values_list("number", flat=True))
    assert len(numbers) == THREADS and all(number.startswith("SE-") for number in numbers)
    assert InvoicingProfile.objects.get(team=team).next_number == 123 + THREADS


@pytest.mark.django_db(transaction=True)
def test_a_team_without_a_profile_finalizing_concurrently_still_counts_from_one() -> None:
    team = TeamFactory()
    drafts = [draft_with_line(team) for _ in range(THREADS)]

    results = race([lambda d=d: services.finalize_invoice(team=team, actor=SYSTEM, invoice=d) for d in drafts])

    assert all(isinstance(result, Invoice) for result in results), results
    assert InvoicingProfile.objects.filter(team=team).count() == 1
    sequences = list(Invoice.objects.filter(team=team).order_by("sequence").values_list("sequence", flat=True))
    assert sequences == list(range(1, THREADS + 1))


@pytest.mark.django_db(transaction=True)
def test_finalizing_one_draft_concurrently_numbers_it_once_and_wastes_no_number() -> None:
    team = TeamFactory()
    invoice = draft_with_line(team)

    results = race([lambda: services.finalize_invoice(team=team, actor=SYSTEM, invoice=invoice)] * 10)

    assert sum(isinstance(result, Invoice) for result in results) == 1
    assert sum(isinstance(result, StateConflictError) for result in results) == 9, results
    invoice.refresh_from_db()
    assert (invoice.status, invoice.sequence) == (InvoiceStatus.FINALIZED, 1)
    assert InvoicingProfile.objects.get(team=team).next_number == 2
    after = services.finalize_invoice(team=team, actor=SYSTEM, invoice=draft_with_line(team))
    assert after.sequence == 2, "the refused finalizes gave no number away"


@pytest.mark.django_db(transaction=True)
def test_two_drafts_racing_for_one_job_bill_it_once(monkeypatch: pytest.MonkeyPatch) -> None:
    """With the friendly pre-check switched off, only the database's constraint stands in the way."""
    monkeypatch.setattr(services, "_check_not_billed_elsewhere", lambda invoice, job_ids: None)
    team = TeamFactory()
    client = ClientFactory(team=team)
    job = completed_job(team, client, RateFactory(team=team).job_type)

    def draft() -> Any:
        return services.save_draft(team=team, actor=SYSTEM, client=client, job_ids=[job.pk])

    results = race([draft] * 8)

    created = [result for result in results if isinstance(result, tuple)]
    conflicts = [result for result in results if isinstance(result, StateConflictError)]
    assert len(created) == 1 and len(conflicts) == 7, results
    assert conflicts[0].issues[0][0] == "jobIds"
    assert InvoiceLine.objects.filter(job=job).count() == 1
    assert Invoice.objects.filter(team=team).count() == 1, "the losing drafts rolled back whole"


@pytest.mark.django_db(transaction=True)
def test_two_drafts_racing_for_one_job_with_the_real_service() -> None:
    team = TeamFactory()
    client = ClientFactory(team=team)
    job = completed_job(team, client, RateFactory(team=team).job_type)

    def draft() -> Any:
        return services.save_draft(team=team, actor=SYSTEM, client=client, job_ids=[job.pk])

    results = race([draft] * 2)

    assert sum(isinstance(result, tuple) for result in results) == 1
    assert sum(isinstance(result, StateConflictError) for result in results) == 1, results
    assert InvoiceLine.objects.filter(job=job).count() == 1
