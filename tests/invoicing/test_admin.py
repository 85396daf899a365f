"""Finance staff in the admin: draft from jobs, edit draft lines inline, finalize and approve."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from django.test import Client as WebClient

from accounts.models import Role
from invoicing.models import Invoice, InvoiceLine, InvoiceStatus
from tests.conftest import World
from tests.factories import ClientFactory, MembershipFactory, UserFactory
from tests.invoicing.factories import RateFactory, completed_job, draft_with_line

D = Decimal


@pytest.fixture
def finance(world: World) -> WebClient:
    """A finance member of team alpha, allowed into the admin."""
    user = UserFactory(email="finance@alpha.example.com", is_staff=True)
    MembershipFactory(team=world.a.team, user=user, role=Role.FINANCE)
    web = WebClient()
    web.force_login(user)
    return web


def line_formset(invoice: Invoice, rows: list[dict[str, Any]]) -> dict[str, Any]:
    lines = list(invoice.lines.order_by("position"))
    data: dict[str, Any] = {
        "lines-TOTAL_FORMS": len(rows), "lines-INITIAL_FORMS": len(lines),
        "lines-MIN_NUM_FORMS": 0, "lines-MAX_NUM_FORMS": 1000,
    }  # fmt: skip
    for index, row in enumerate(rows):
        prefix = f"lines-{index}-"
        if index < len(lines):
            data[prefix + "id"] = lines[index].pk
        data[prefix + "invoice"] = invoice.pk
        data.update({prefix + key: value for key, value in row.items()})
    return data


def test_drafting_from_selected_jobs_on_the_job_list(world: World, finance: WebClient) -> None:
    team = world.a.team
    rate = RateFactory(team=team, unit_price=D("50.00"), tax_rate=D("10"))
    first, second = ClientFactory(team=team), ClientFactory(team=team)
    jobs = [completed_job(team, first, rate.job_type), completed_job(team, first, rate.job_type),
            completed_job(team, second, rate.job_type)]  # fmt: skip
    theirs = completed_job(world.b.team, ClientFactory(team=world.b.team))
    response = finance.post(
        "/admin/jobs/job/",
        {"action": "draft_invoices_from_jobs", "_selected_action": [j.pk for j in [*jobs, theirs]], "index": 0},
        follow=True,
    )
    assert response.status_code == 200
    assert "Drafted 2 invoices" in response.content.decode()
    totals = sorted(Invoice.objects.filter(team=team).values_list("total", flat=True))
    assert totals == [D("55.00"), D("110.00")]
    assert not Invoice.objects.filter(team=world.b.team).exists()
    again = finance.post(
        "/admin/jobs/job/", {"action": "draft_invoices_from_jobs", "_selected_action": [jobs[0].pk]}, follow=True
    )
    assert "already billed" in again.content.decode() and Invoice.objects.count() == 2


def test_editing_draft_lines_inline_retotals(world: World, finance: WebClient) -> None:
    invoice = draft_with_line(world.a.team)
    url = f"/admin/invoicing/invoice/{invoice.pk}/change/"
    assert finance.get(url).status_code == 200
    rows = [
        {"description": "Work", "quantity": "1.5", "unit": "HOUR", "unit_price": "33.33", "tax_rate": "19.6"},
        {"description": "Filter", "quantity": "2", "unit": "ITEM", "unit_price": "4.99", "tax_rate": "20"},
    ]
    response = finance.post(url, {"issue_date": "2026-04-01", "notes": "Edited", **line_formset(invoice, rows)})
    assert response.status_code == 302, response.content.decode()[:3000]
    invoice.refresh_from_db()
    assert invoice.notes == "Edited" and str(invoice.due_date) == "2026-05-01"
    assert [line.line_total for line in invoice.lines.order_by("position")] == [D("59.80"), D("11.98")]
    assert (invoice.subtotal, invoice.tax_total, invoice.total) == (D("59.98"), D("11.80"), D("71.78"))


def test_finalize_and_approve_actions_and_finalized_invoices_are_read_only(world: World, finance: WebClient) -> None:
    drafts = [draft_with_line(world.a.team) for _ in range(2)]
    finance.post("/admin/invoicing/invoice/", {"action": "finalize_invoices",
                                               "_selected_action": [d.pk for d in drafts]})  # fmt: skip
    numbers = list(Invoice.objects.order_by("sequence").values_list("sequence", flat=True))
    assert numbers == [1, 2]
    finance.post("/admin/invoicing/invoice/", {"action": "approve_invoices", "_selected_action": [drafts[0].pk]})
    approved = Invoice.objects.get(pk=drafts[0].pk)
    assert approved.status == InvoiceStatus.APPROVED and approved.approved_by_user is not None

    url = f"/admin/invoicing/invoice/{approved.pk}/change/"
    page = finance.get(url).content.decode()
    assert 'name="notes"' not in page and 'name="lines-0-quantity"' not in page
    rows = [{"description": "Cheaper", "quantity": "1", "unit": "ITEM", "unit_price": "1.00", "tax_rate": "0"}]
    finance.post(url, {"notes": "sneaky", **line_formset(approved, rows)})
    approved.refresh_from_db()
    assert approved.notes == "" and approved.total == D("120.00")
    assert InvoiceLine.objects.get(invoice=approved).description == "Work"


def test_other_teams_invoices_are_not_found(world: World, finance: WebClient) -> None:
    theirs = draft_with_line(world.b.team)
    assert finance.get(f"/admin/invoicing/invoice/{theirs.pk}/change/").status_code == 404
    mine = draft_with_line(world.a.team)
    listing = finance.get("/admin/invoicing/invoice/").content.decode()
    assert str(mine.client) in listing and str(theirs.client) not in listing
