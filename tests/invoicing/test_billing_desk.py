"""The billing desk (ready to bill, by client; one click drafts), the invoice list's payment and sent
filters, and Send on the invoice's page: who may use them, and what they change."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.core import mail

from accounts.models import Actor, Role, User
from invoicing import services
from invoicing.admin_desk import CLIENTS_PER_PAGE
from invoicing.models import Invoice, InvoiceSend, InvoiceStatus
from invoicing.selectors import team_today
from jobs.models import JobStatus
from tests.admin.conftest import staff_client
from tests.conftest import World
from tests.factories import ClientFactory, JobTypeFactory, MembershipFactory, UserFactory
from tests.invoicing.factories import RateFactory, completed_job
from tests.invoicing.test_endpoints import finalized

pytestmark = pytest.mark.django_db

DESK = "/admin/invoicing/invoice/billing-desk/"


def member(world: World, role: str) -> User:
    person = UserFactory()
    MembershipFactory(team=world.a.team, user=person, role=role)
    return person


def priced_job_type(world: World) -> Any:
    job_type = JobTypeFactory(team=world.a.team, name="Boiler service")
    RateFactory(team=world.a.team, job_type=job_type, currency=world.a.team.currency)
    return job_type


def draft_url(client: Any) -> str:
    return f"{DESK}{client.pk}/draft/"


def test_ready_to_bill_groups_completed_unbilled_jobs_by_client(world: World) -> None:
    job_type = priced_job_type(world)
    acme, zeta = ClientFactory(team=world.a.team, name="Acme"), ClientFactory(team=world.a.team, name="Zeta")
    old = dt.timedelta(days=5)
    for _ in range(2):
        completed_job(world.a.team, acme, job_type)
    waiting = completed_job(world.a.team, zeta, job_type)
    assert waiting.completed_at is not None
    completed_job(world.a.team, zeta, job_type, completed_at=waiting.completed_at - old)
    billed = completed_job(world.a.team, acme, job_type)
    services.save_draft(team=world.a.team, actor=Actor(), client=acme, job_ids=[billed.pk])
    completed_job(world.a.team, acme, job_type, status=JobStatus.IN_PROGRESS, completed_at=None)
    completed_job(world.a.team, None, job_type)  # no client: nobody to bill
    completed_job(world.b.team, ClientFactory(team=world.b.team, name="Theirs"), JobTypeFactory(team=world.b.team))

    response = staff_client(member(world, Role.FINANCE)).get(DESK)
    assert response.status_code == 200
    rows = [(row["client_name"], row["jobs"]) for row in response.context["rows"]]
    assert rows == [("Zeta", 2), ("Acme", 2)], "the longest waiting first; billed, unfinished, clientless and "
    "other teams' jobs left out"
    page = response.content.decode()
    assert "Theirs" not in page and "Draft invoice" in page


def test_a_void_invoice_frees_its_jobs_for_the_desk(world: World) -> None:
    job_type = priced_job_type(world)
    client = ClientFactory(team=world.a.team)
    job = completed_job(world.a.team, client, job_type)
    draft, _ = services.save_draft(team=world.a.team, actor=Actor(), client=client, job_ids=[job.pk])
    finance = staff_client(member(world, Role.FINANCE))
    assert finance.get(DESK).context["rows"] == []
    invoice = services.finalize_invoice(team=world.a.team, actor=Actor(), invoice=draft)
    services.void_invoice(team=world.a.team, actor=Actor(), invoice=invoice, reason="Wrong price")
    assert [row["jobs"] for row in finance.get(DESK).context["rows"]] == [1]


def test_one_click_drafts_one_invoice_of_all_the_clients_ready_jobs(world: World) -> None:
    job_type = priced_job_type(world)
    client = ClientFactory(team=world.a.team, name="Acme")
    jobs = [completed_job(world.a.team, client, job_type) for _ in range(3)]
    finance_user = member(world, Role.FINANCE)
    finance = staff_client(finance_user)
    response = finance.post(draft_url(client))
    [invoice] = Invoice.objects.filter(client=client)
    assert response.status_code == 302 and response["Location"] == f"/admin/invoicing/invoice/{invoice.pk}/change/"
    assert invoice.status == InvoiceStatus.DRAFT and invoice.created_by_user == finance_user
    assert sorted(invoice.lines.values_list("job_id", flat=True)) == sorted(job.pk for job in jobs)
    again = finance.post(draft_url(client), follow=True)
    assert Invoice.objects.filter(client=client).count() == 1, "a second click drafts nothing more"
    assert "no completed jobs left to bill" in again.content.decode()


def test_a_refused_draft_is_explained_and_changes_nothing(world: World) -> None:
    client = ClientFactory(team=world.a.team, name="Acme")
    completed_job(world.a.team, client, JobTypeFactory(team=world.a.team))  # no rate: no price
    response = staff_client(member(world, Role.FINANCE)).post(draft_url(client), follow=True)
    assert response.redirect_chain == [(DESK, 302)]
    assert "Not drafted for Acme" in response.content.decode() and "has no price" in response.content.decode()
    assert not Invoice.objects.exists()


def test_drafting_another_teams_client_is_404_and_get_is_refused(world: World) -> None:
    theirs = ClientFactory(team=world.b.team)
    completed_job(world.b.team, theirs, JobTypeFactory(team=world.b.team))
    finance = staff_client(member(world, Role.FINANCE))
    assert finance.post(draft_url(theirs)).status_code == 404
    assert finance.get(draft_url(ClientFactory(team=world.a.team))).status_code == 405
    assert not Invoice.objects.exists()


@pytest.mark.parametrize("role", [Role.FINANCE, Role.OWNER, Role.ADMIN])
def test_finance_owners_and_admins_use_the_desk(world: World, role: str) -> None:
    client = ClientFactory(team=world.a.team)
    completed_job(world.a.team, client, priced_job_type(world))
    person = staff_client(member(world, role))
    assert person.get(DESK).status_code == 200
    assert person.post(draft_url(client)).status_code == 302
    assert Invoice.objects.filter(client=client).exists()


@pytest.mark.parametrize("role", [Role.DISPATCHER, Role.ENGINEER])
def test_other_roles_get_the_403_page(world: World, role: str) -> None:
    client = ClientFactory(team=world.a.team)
    completed_job(world.a.team, client, priced_job_type(world))
    person = staff_client(member(world, role))
    page = person.get(DESK)
    assert page.status_code == 403 and "Not allowed" in page.content.decode()
    assert "billing desk is for finance" in page.content.decode()
    assert person.post(draft_url(client)).status_code == 403
    assert not Invoice.objects.exists()


def test_the_desk_needs_a_sign_in(world: World, client: Any) -> None:
    response = client.get(DESK)
    assert response.status_code == 302 and "/login/" in response["Location"]


def test_the_desk_pages_clients(world: World) -> None:
    job_type = priced_job_type(world)
    for n in range(CLIENTS_PER_PAGE + 1):
        completed_job(world.a.team, ClientFactory(team=world.a.team, name=f"Client {n:02d}"), job_type)
    finance = staff_client(member(world, Role.FINANCE))
    assert len(finance.get(DESK).context["rows"]) == CLIENTS_PER_PAGE
    assert len(finance.get(DESK, {"page": 2}).context["rows"]) == 1


def test_the_desk_counts_what_waits_after_drafting(world: World) -> None:
    today = team_today(team=world.a.team)
    overdue = finalized(world.a)
    Invoice.objects.filter(pk=overdue.pk).update(due_date=today - dt.timedelta(days=3))
    services.send_invoice(team=world.a.team, actor=Actor(), invoice=finalized(world.a))
    tiles = {tile.label: tile.count for tile in staff_client(member(world, Role.FINANCE)).get(DESK).context["tiles"]}
    assert tiles == {"Jobs ready to bill": 0, "Drafts to finalize": 0, "Not sent yet": 1, "Unpaid": 2, "Overdue": 1}


def test_the_invoice_list_filters_unpaid_overdue_paid_and_sent(world: World) -> None:
    today = team_today(team=world.a.team)
    overdue, due, paid = finalized(world.a), finalized(world.a), finalized(world.a)
    Invoice.objects.filter(pk=overdue.pk).update(due_date=today - dt.timedelta(days=1))
    Invoice.objects.filter(pk=due.pk).update(due_date=today)
    services.mark_invoice_paid(team=world.a.team, actor=Actor(), invoice=paid, paid_at=today)
    services.send_invoice(team=world.a.team, actor=Actor(), invoice=due)
    finalized(world.b)  # another team's: never listed
    finance = staff_client(member(world, Role.FINANCE))

    def listed(**query: str) -> set[Any]:
        return {invoice.pk for invoice in finance.get("/admin/invoicing/invoice/", query).context["cl"].result_list}

    assert listed(payment="unpaid") == {overdue.pk, due.pk}
    assert listed(payment="overdue") == {overdue.pk}
    assert listed(payment="paid") == {paid.pk}
    assert listed(sent="yes") == {due.pk}
    assert listed(sent="no") == {overdue.pk, paid.pk}


def test_finance_sends_from_the_invoice_page_and_sending_again_is_explicit(world: World) -> None:
    finance = staff_client(member(world, Role.FINANCE))
    invoice = finalized(world.a)
    page = f"/admin/invoicing/invoice/{invoice.pk}/change/"
    before = finance.get(page)
    assert [b.name for b in before.context["object_actions"]] == ["approve", "send", "mark_paid", "void"]
    assert "Sent to the client" not in before.content.decode(), "no empty send log"
    sent = finance.post(f"/admin/invoicing/invoice/{invoice.pk}/actions/send/", follow=True)
    invoice.refresh_from_db()
    assert f"Sent {invoice.number} to {invoice.client.email}." in sent.content.decode()
    assert invoice.sent_at is not None and len(mail.outbox) == 1
    assert [b.name for b in sent.context["object_actions"]] == ["approve", "resend", "mark_paid", "void"]
    [send_log] = [inline for inline in sent.context["inline_admin_formsets"] if inline.opts.model is InvoiceSend]
    assert len(send_log.formset.forms) == 1, "the send log is on the page"
    assert "Sent to the client" in sent.content.decode()
    stale = finance.post(f"/admin/invoicing/invoice/{invoice.pk}/actions/send/", follow=True)
    assert "not possible" in stale.content.decode() and len(mail.outbox) == 1
    finance.post(f"/admin/invoicing/invoice/{invoice.pk}/actions/resend/")
    assert len(mail.outbox) == 2 and InvoiceSend.objects.filter(invoice=invoice).count() == 2


def test_sending_to_a_client_without_email_is_a_message_and_sends_nothing(world: World) -> None:
    invoice = finalized(world.a)
    invoice.client.email = ""
    invoice.client.save()
    response = staff_client(member(world, Role.FINANCE)).post(
        f"/admin/invoicing/invoice/{invoice.pk}/actions/send/", follow=True
    )
    assert "has no email address" in response.content.decode()
    assert mail.outbox == [] and not InvoiceSend.objects.exists()


def test_a_dispatcher_cannot_send(world: World) -> None:
    invoice = finalized(world.a)
    response = staff_client(world.a.dispatcher).post(f"/admin/invoicing/invoice/{invoice.pk}/actions/send/")
    assert response.status_code == 403 and mail.outbox == []


def test_the_desks_queries_do_not_grow_with_clients_or_jobs(world: World) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    job_type = priced_job_type(world)
    finance = staff_client(member(world, Role.FINANCE))
    counts = []
    for clients in (2, 10):
        for n in range(clients):
            client = ClientFactory(team=world.a.team)
            for _ in range(n % 3 + 1):
                completed_job(world.a.team, client, job_type)
        finance.get(DESK)  # warm up
        with CaptureQueriesContext(connection) as queries:
            assert finance.get(DESK).status_code == 200
        counts.append(len(queries))
    assert counts[0] == counts[1] and counts[0] <= 25, counts
