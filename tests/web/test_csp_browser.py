"""In Chromium, which enforces the policy: no page reports a Content-Security-Policy violation now that
`script-src` is `'self'` alone (no inline script anywhere). The admin is crawled from its index as the
team's owner (every model's list, add page and first object's page), then our own pages for each role,
Swagger UI with "Try it out", the OAuth consent page and the outbox. See docs/security.md."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.core import mail
from django.urls import reverse

from accounts.models import Role
from core import outbox
from tests.assets.factories import make_asset
from tests.factories import ClientFactory, JobFactory, JobTypeFactory, MembershipFactory, SiteFactory
from tests.invoicing.factories import draft_with_line
from tests.oauth.factories import oauth_token, public_app
from tests.oauth.test_flow import pkce_pair
from tests.plans.factories import make_plan
from tests.web.test_oauth_browser import _authorize_url, register_public_client
from tests.web.test_schema_forms_browser import BOILER_SCHEMA, watched_page
from tests.web.test_team_browser import make_staff, signed_in_context
from tests.webhooks.factories import make_endpoint

pytestmark = pytest.mark.django_db(transaction=True)

ADMIN_LIST = re.compile(r"^/admin/[a-z0-9_]+/[a-z0-9_]+/$")


def visit(page: Any, problems: list[str], path: str) -> None:
    """Open `path` and fail on a server error or any script error or CSP report it caused."""
    response = page.goto(path, wait_until="load")
    assert response is not None and response.status < 500, f"{path}: {response and response.status}"
    violations = page.evaluate("window.__cspViolations")
    assert not violations and not problems, (path, violations, problems)


def links(page: Any, selector: str) -> list[str]:
    return list(page.eval_on_selector_all(selector, "els => els.map(a => a.getAttribute('href'))"))


def seed(world: Any) -> None:
    """One row of most kinds, so change pages (with their inlines and JSON-schema widgets) exist."""
    team = world.a.team
    boiler = JobTypeFactory(team=team, key="boiler", name="Boiler service", payload_schema=BOILER_SCHEMA)
    client = ClientFactory(team=team, name="Harbourside Dental")
    site = SiteFactory(team=team, client=client, name="12 Quay Street")
    JobFactory(team=team, job_type=boiler, client=client, site=site, assigned_to=world.a.engineer)
    make_asset(team=team, site=site)
    draft_with_line(team, client)
    make_plan(team, site=site)
    make_endpoint(world.a)


def test_admin_and_our_pages_report_no_csp_violation(browser, world, live_server, settings, tmp_path):
    settings.EMAIL_BACKEND = outbox.BACKEND
    settings.EMAIL_OUTBOX_DIR = str(tmp_path / "outbox")
    make_staff(world.a.owner)
    seed(world)

    context = signed_in_context(browser, live_server, world.a.owner)
    page, problems = watched_page(context)
    visit(page, problems, "/admin/")
    lists = sorted({href for href in links(page, "#content-main a[href]") if ADMIN_LIST.match(href)})
    assert {"/admin/jobs/job/", "/admin/projects/client/", "/admin/invoicing/invoice/"} <= set(lists), lists
    assert len(lists) >= 20, lists  # every model the owner may see (25 today)
    for changelist in lists:
        visit(page, problems, changelist)
        first = links(page, "#result_list tbody tr th a, #result_list tbody tr td a")[:1]
        adds = [href for href in links(page, "a.addlink, .object-tools a[href$='/add/']") if href.endswith("/add/")]
        for path in first + adds[:1]:
            visit(page, problems, path)
    for path in ("/settings/", "/settings/team/", "/settings/developer/", "/settings/developer/webhooks/",
                 "/board/", "/board/unscheduled/"):  # fmt: skip
        visit(page, problems, path)

    # Revoke asks first from app.js (data-confirm), not an inline onsubmit: dismissing keeps the app.
    oauth_token(world.a.team, world.a.owner, ["jobs.read"], application=public_app("Claude Desktop"))
    visit(page, problems, "/settings/authorized-apps/")
    page.once("dialog", lambda dialog: dialog.dismiss())
    page.get_by_role("button", name=re.compile("Revoke Claude Desktop")).click()
    assert page.get_by_role("button", name=re.compile("Revoke Claude Desktop")).count() == 1
    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name=re.compile("Revoke Claude Desktop")).click()
    page.wait_for_url("**/settings/authorized-apps/?revoked=1")
    assert "Claude Desktop" not in page.locator("table, .oauth").first.inner_text()

    # The OAuth consent page, whose policy is built for it (form-action widened to the redirect URI).
    app = register_public_client(name="Desktop agent", redirect_uris=["http://127.0.0.1:8765/callback"])
    visit(page, problems, _authorize_url(app.client_id, "http://127.0.0.1:8765/callback", pkce_pair()[1]))
    page.get_by_role("button", name="Authorize").wait_for()
    context.close()

    engineer = signed_in_context(browser, live_server, world.a.engineer)
    page, problems = watched_page(engineer)
    visit(page, problems, "/day/")
    for job_page in links(page, "a[href^='/day/jobs/']")[:1]:
        visit(page, problems, job_page)
    engineer.close()

    finance = MembershipFactory(team=world.a.team, role=Role.FINANCE).user
    make_staff(finance)
    desk = signed_in_context(browser, live_server, finance)
    page, problems = watched_page(desk)
    visit(page, problems, reverse("admin:invoicing_invoice_billing_desk"))
    desk.close()

    superuser = world.b.owner
    type(superuser).objects.filter(pk=superuser.pk).update(is_staff=True, is_superuser=True)
    mail.send_mail("Your invoice", "Attached.", "billing@example.com", ["client@example.com"])
    root = signed_in_context(browser, live_server, superuser)
    page, problems = watched_page(root)
    visit(page, problems, "/outbox/")
    [message] = links(page, "a[href^='/outbox/']:not([href='/outbox/'])")[:1]
    visit(page, problems, message)
    root.close()


def test_swagger_ui_runs_under_the_policy_and_try_it_out_works(browser, world, live_server):
    context = signed_in_context(browser, live_server, world.a.owner)
    page, problems = watched_page(context)
    visit(page, problems, "/v1/docs")
    operation = page.locator(".opblock-get", has=page.locator("[data-path='/v1/jobs']")).first
    operation.locator(".opblock-summary").click()
    operation.get_by_role("button", name="Try it out").click()
    operation.get_by_role("button", name="Execute").click()
    status = operation.locator(".live-responses-table tbody .response-col_status").first
    status.wait_for()
    assert status.inner_text().strip() == "401"  # the request went out (connect-src 'self'); no key given
    assert not page.evaluate("window.__cspViolations") and not problems, problems
    context.close()
