"""In a real browser, on a laptop and on a phone: finance signs in, lands on the billing desk, drafts an
invoice from "Ready to bill", finalizes it, sends it (the demo's outbox holds the mail with the PDF) and
marks it paid. Screenshots at each step; no sideways scroll and no serious axe violations on any page."""

from __future__ import annotations

from typing import Any

import pytest

from accounts.models import Role
from core import outbox
from invoicing.models import Invoice, InvoiceStatus
from tests.factories import ClientFactory, JobTypeFactory, MembershipFactory, SiteFactory
from tests.invoicing.factories import RateFactory, completed_job
from tests.web.test_team_browser import DESKTOP, PASSWORD, PHONE, assert_accessible, assert_no_sideways_scroll

pytestmark = pytest.mark.django_db(transaction=True)


def look(page: Any, artifacts: Any, name: str) -> None:
    """Every step's page: a screenshot to look at, nothing wider than the window, axe clean."""
    page.wait_for_load_state()
    page.screenshot(path=str(artifacts / f"{name}.png"), full_page=True)
    assert_no_sideways_scroll(page)
    assert_accessible(page)


def act(page: Any, name: str) -> None:
    """Open an action's confirmation panel on the invoice's page and confirm it."""
    page.locator(f'summary[data-object-action="{name}"]').click()
    page.locator("details.object-action[open] form button[type=submit]").click()
    page.wait_for_load_state()


@pytest.mark.parametrize("label, viewport", [("1366", DESKTOP), ("390", PHONE)])
def test_finance_bills_completed_work_from_the_desk(browser, world, live_server, artifacts, settings, tmp_path,
                                                    label, viewport):  # fmt: skip
    settings.EMAIL_BACKEND = outbox.BACKEND  # the demo's mail path: every email kept in the outbox
    settings.EMAIL_OUTBOX_DIR = str(tmp_path / "outbox")
    team = world.a.team
    finance = MembershipFactory(team=team, role=Role.FINANCE, user__full_name="Fiona Finance").user
    finance.is_staff = True
    finance.set_password(PASSWORD)
    finance.save()
    job_type = JobTypeFactory(team=team, name="Boiler service")
    RateFactory(team=team, job_type=job_type, currency=team.currency)
    client = ClientFactory(team=team, name="Harbourside Dental Practice", email="accounts@harbourside.example.com")
    site = SiteFactory(team=team, client=client, name="Harbourside Dental, 12 Quay Street, Bristol")
    for _ in range(2):
        completed_job(team, client, job_type, site=site)
    other = ClientFactory(team=team, name="Northwind Housing Association")
    completed_job(team, other, job_type)

    context = browser.new_context(base_url=live_server.url, viewport=viewport)
    context.set_default_timeout(20_000)
    page = context.new_page()
    page.goto("/accounts/login/")
    page.fill("input[name=username]", finance.email)
    page.fill("input[name=password]", PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.get_by_role("heading", name="Ready to bill").wait_for()
    assert page.url.endswith("/admin/invoicing/invoice/billing-desk/"), page.url
    look(page, artifacts, f"billing-desk-{label}")

    page.get_by_role("button", name="Draft invoice for Harbourside Dental Practice").click()
    page.get_by_text("Drafted an invoice for Harbourside Dental Practice: 2 jobs").wait_for()
    invoice = Invoice.objects.get(client=client)
    assert invoice.status == InvoiceStatus.DRAFT and invoice.lines.count() == 2
    look(page, artifacts, f"billing-draft-{label}")

    act(page, "finalize")
    page.get_by_text("Finalized as").wait_for()
    invoice.refresh_from_db()
    assert invoice.status == InvoiceStatus.FINALIZED

    act(page, "send")
    page.get_by_text(f"Sent {invoice.number} to accounts@harbourside.example.com.").wait_for()
    invoice.refresh_from_db()
    assert invoice.sent_at is not None
    [message] = outbox.list_messages()
    assert message.recipients == "accounts@harbourside.example.com"
    assert f"Invoice {invoice.number} from" in message.subject
    [attachment] = message.attachments
    assert (attachment.filename, attachment.content_type) == (f"{invoice.number}.pdf", "application/pdf")
    assert outbox.attachment_content(message.id, 0)[1].startswith(b"%PDF")  # type: ignore[index]
    send_log = page.locator("#sends-group")
    assert send_log.locator("td.field-to").all_inner_texts() == ["accounts@harbourside.example.com"], "the send log"
    look(page, artifacts, f"billing-sent-{label}")

    act(page, "mark_paid")
    page.get_by_text(f"Marked {invoice.number} paid on").wait_for()
    invoice.refresh_from_db()
    assert invoice.paid_at is not None
    look(page, artifacts, f"billing-paid-{label}")

    page.goto("/admin/invoicing/invoice/billing-desk/")
    page.get_by_role("heading", name="Ready to bill").wait_for()
    assert page.get_by_role("button", name="Draft invoice for Harbourside Dental Practice").count() == 0
    assert page.get_by_role("button", name="Draft invoice for Northwind Housing Association").count() == 1
    context.close()


def test_a_dispatcher_gets_the_styled_403_on_the_desk(browser, world, live_server, artifacts):
    from tests.web.test_team_browser import make_staff, signed_in_context

    make_staff(world.a.dispatcher)
    for label, viewport in (("1366", DESKTOP), ("390", PHONE)):
        context = signed_in_context(browser, live_server, world.a.dispatcher, viewport)
        page = context.new_page()
        assert page.goto("/admin/invoicing/invoice/billing-desk/").status == 403
        page.get_by_role("heading", name="Not allowed").wait_for()
        look(page, artifacts, f"billing-desk-403-{label}")
        context.close()
