"""In a real browser: invitations, password reset, the current team in the admin, role homes and their
look (screenshots at 1366 and 390 px, no sideways scroll, no serious or critical axe violations)."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.core import mail
from django.test import Client
from django.utils import timezone

from accounts.models import Membership, Role
from jobs.models import JobStatus
from tests.factories import ClientFactory, JobFactory, JobTypeFactory, MembershipFactory, SiteFactory

pytestmark = pytest.mark.django_db(transaction=True)

PASSWORD = "correct-horse-battery"
DESKTOP, PHONE = {"width": 1366, "height": 900}, {"width": 390, "height": 844}


def make_staff(*people: Any) -> None:
    for person in people:
        get_user_model().objects.filter(pk=person.pk).update(is_staff=True)


def signed_in_context(browser: Any, live_server: Any, user: Any, viewport: dict[str, int] = DESKTOP) -> Any:
    """A browser context already signed in as `user` (a session made by the test client, shared by cookie)."""
    client = Client()
    client.force_login(user)
    context = browser.new_context(base_url=live_server.url, viewport=viewport)
    context.set_default_timeout(15_000)
    host = live_server.url.split("//", 1)[1].split(":")[0]
    cookie = client.cookies["sessionid"]
    context.add_cookies([{"name": "sessionid", "value": cookie.value, "domain": host, "path": "/"}])
    return context


def assert_no_sideways_scroll(page: Any) -> None:
    widths = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
    assert widths[0] <= widths[1], f"{page.url} scrolls sideways: {widths[0]}px content in a {widths[1]}px window"


def assert_tables_fit(page: Any) -> None:
    """Admin lists and inlines show every column without scrolling inside their box."""
    cut = page.evaluate(
        """[...document.querySelectorAll('#changelist .results, .inline-group .tabular')]
             .filter(box => box.scrollWidth > box.clientWidth + 1)
             .map(box => `${box.className}: ${box.scrollWidth}px in ${box.clientWidth}px`)"""
    )
    assert not cut, f"{page.url}: cut off {cut}"


def assert_accessible(page: Any) -> None:
    """axe-core (bundled with axe-playwright-python, nothing downloaded): no serious or critical violations."""
    from axe_playwright_python.sync_playwright import Axe  # type: ignore[import-untyped]

    results = Axe().run(page)
    bad = [
        f"{v['id']} ({v['impact']}): {v['help']} — {[n['target'] for n in v['nodes']][:3]}"
        for v in results.response["violations"]
        if v["impact"] in ("serious", "critical")
    ]
    assert not bad, f"{page.url}:\n" + "\n".join(bad)


def emailed_link(pattern: str) -> str:
    match = re.search(pattern, mail.outbox[-1].body)
    assert match, mail.outbox[-1].body
    return match.group(1)


def test_owner_invites_and_the_invitee_joins_and_sees_only_their_team(page, browser, world, live_server, artifacts):
    make_staff(world.a.owner)
    JobFactory(team=world.b.team, notes="bravo only")
    page.goto("/accounts/login/")
    assert_accessible(page)
    page.get_by_label("Email").fill(world.a.owner.email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.get_by_role("heading", name="Today", exact=True).wait_for()  # the owner's home: the dashboard

    page.goto("/settings/team/")
    page.get_by_role("heading", name="Team", exact=True).wait_for()
    page.get_by_label("Email").fill("nina@alpha.example.com")
    page.get_by_label("Role", exact=True).select_option(Role.ENGINEER)
    page.get_by_role("button", name="Send invitation").click()
    page.get_by_text("Invitation sent to nina@alpha.example.com").wait_for()
    assert "Pending" in page.locator('tr[data-invitation="nina@alpha.example.com"]').inner_text()
    assert_accessible(page)
    assert_no_sideways_scroll(page)
    page.screenshot(path=str(artifacts / "settings-team.png"), full_page=True)

    link = emailed_link(r"(http://\S+/invitations/\S+/)")
    JobFactory(team=world.a.team, assigned_to=None, notes="someone else's")
    invitee = browser.new_context(base_url=live_server.url, viewport=PHONE)
    invitee_page = invitee.new_page()
    invitee_page.goto(link)
    invitee_page.get_by_role("heading", name=f"Join {world.a.team.name}").wait_for()
    assert_accessible(invitee_page)
    assert_no_sideways_scroll(invitee_page)
    invitee_page.screenshot(path=str(artifacts / "invitation-accept-phone.png"), full_page=True)
    invitee_page.get_by_label("Your name").fill("Nina Newcomer")
    invitee_page.get_by_label("Password", exact=True).fill("Nina-s3cret-pass")
    invitee_page.get_by_label("Password again").fill("Nina-s3cret-pass")
    invitee_page.get_by_role("button", name="Set password and join").click()
    invitee_page.get_by_text(f"Welcome to {world.a.team.name}").wait_for()

    nina = get_user_model().objects.get(email="nina@alpha.example.com")
    JobFactory(team=world.a.team, assigned_to=nina, status=JobStatus.ASSIGNED, notes="nina's job")
    invitee_page.goto("/admin/login/")
    invitee_page.locator("#id_username").fill("nina@alpha.example.com")
    invitee_page.locator("#id_password").fill("Nina-s3cret-pass")
    invitee_page.get_by_role("button", name="Log in").click()
    invitee_page.wait_for_url(re.compile(r"/day/$"))  # an engineer's home: My day
    invitee_page.get_by_role("link", name=re.compile(r"^Open to start")).first.wait_for()  # her job, no day yet
    invitee_page.goto(f"/admin/jobs/job/?assigned_to__id__exact={nina.pk}")
    assert invitee_page.locator("[data-current-team]").get_attribute("data-current-team") == world.a.team.slug
    rows = invitee_page.locator("#result_list tbody tr")
    assert rows.count() == 1
    assert_no_sideways_scroll(invitee_page)
    invitee.close()


def test_forgotten_password_reset_by_email(page, world, artifacts):
    make_staff(world.a.dispatcher)
    page.goto("/admin/login/")
    page.get_by_role("link", name="Forgot your password?").click()
    page.get_by_role("heading", name="Reset your password").wait_for()
    assert_accessible(page)
    page.get_by_label("Email").fill(world.a.dispatcher.email)
    page.get_by_role("button", name="Send reset link").click()
    page.get_by_role("heading", name="Check your email").wait_for()

    page.goto(emailed_link(r"http://[^/\s]+(/accounts/password/reset/\S+/)"))
    page.get_by_role("heading", name="Choose a new password").wait_for()
    page.get_by_label("New password", exact=True).fill("brand-New-pass-42")
    page.get_by_label("New password confirmation").fill("brand-New-pass-42")
    page.get_by_role("button", name="Set new password").click()
    page.get_by_role("heading", name="Your password is changed").wait_for()

    page.goto("/accounts/login/")
    page.get_by_label("Email").fill(world.a.dispatcher.email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.get_by_text("Please enter a correct email").wait_for()  # the old password no longer works
    page.get_by_label("Password").fill("brand-New-pass-42")
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(re.compile(r"/board/$"))  # the dispatcher's home: the dispatch board


def test_a_two_team_member_switches_teams_and_the_admin_follows(browser, world, live_server, artifacts):
    MembershipFactory(team=world.b.team, user=world.a.owner, role=Role.ADMIN)
    make_staff(world.a.owner)
    ClientFactory(team=world.a.team, name="Alpha Client Ltd")
    ClientFactory(team=world.b.team, name="Bravo Client Ltd")
    context = signed_in_context(browser, live_server, world.a.owner)
    page = context.new_page()
    page.goto("/admin/projects/client/")
    assert page.locator("[data-current-team]").inner_text() == world.a.team.name
    assert "Alpha Client Ltd" in page.locator("#result_list").inner_text()
    assert "Bravo Client Ltd" not in page.content()
    page.get_by_label("Team", exact=True).select_option(world.b.team.slug)  # submits on change
    page.wait_for_load_state()
    page.locator('[data-current-team="bravo"]').wait_for()
    assert page.url.endswith("/admin/projects/client/")
    assert "Bravo Client Ltd" in page.locator("#result_list").inner_text()
    assert "Alpha Client Ltd" not in page.content()
    page.screenshot(path=str(artifacts / "admin-switched-team.png"), full_page=True)
    # The settings pages follow the same choice.
    page.goto("/settings/team/")
    assert world.b.owner.email in page.locator("table.members").inner_text()
    context.close()


def test_dispatcher_sees_no_webhooks_tab_and_gets_a_styled_403(browser, world, live_server, artifacts):
    context = signed_in_context(browser, live_server, world.a.dispatcher)
    page = context.new_page()
    page.goto("/settings/developer/")
    nav = page.get_by_role("navigation", name="Settings")
    assert nav.get_by_role("link", name="Developer").is_visible()
    assert nav.get_by_role("link", name="Webhooks").count() == 0
    response = page.goto("/settings/developer/webhooks/")
    assert response.status == 403
    page.get_by_role("heading", name="Not allowed").wait_for()
    assert page.get_by_role("link", name="Back to your home").is_visible()
    assert_accessible(page)
    page.screenshot(path=str(artifacts / "forbidden-403.png"), full_page=True)
    context.close()


def test_the_last_owner_cannot_be_removed(browser, world, live_server):
    context = signed_in_context(browser, live_server, world.a.owner)
    page = context.new_page()
    page.goto("/settings/team/")
    page.get_by_role("button", name=f"Remove {world.a.owner.email}").click()
    page.get_by_text("is the last owner of").wait_for()
    assert Membership.objects.filter(user=world.a.owner, team=world.a.team, role=Role.OWNER).exists()
    context.close()


def test_each_roles_home_fits_and_passes_axe_at_desktop_and_phone_width(browser, world, live_server, artifacts):
    team = world.a.team
    finance = MembershipFactory(team=team, role=Role.FINANCE, user__full_name="Fiona Finance").user
    admin = MembershipFactory(team=team, role=Role.ADMIN, user__full_name="Adam Admin").user
    people = {"owner": world.a.owner, "admin": admin, "dispatcher": world.a.dispatcher,
              "engineer": world.a.engineer, "finance": finance}  # fmt: skip
    make_staff(*people.values())
    job_type = JobTypeFactory(team=team, name="Boiler service")
    site = SiteFactory(team=team, name="Harbourside Dental, 12 Quay Street, Bristol")
    for index in range(3):
        JobFactory(team=team, job_type=job_type, client=site.client, site=site, assigned_to=world.a.engineer,
                   status=JobStatus.ASSIGNED, scheduled_date=timezone.localdate(),
                   notes=f"Visit {index}: ring the bell twice")  # fmt: skip
    for role, person in people.items():
        for label, viewport in (("1366", DESKTOP), ("390", PHONE)):
            context = signed_in_context(browser, live_server, person, viewport)
            page = context.new_page()
            page.goto("/")
            page.wait_for_load_state()
            assert {"engineer": "/day/", "dispatcher": "/board/"}.get(role, "/admin/") in page.url, (role, page.url)
            page.screenshot(path=str(artifacts / f"home-{role}-{label}.png"), full_page=True)
            assert_no_sideways_scroll(page)
            if label == "1366":
                assert_tables_fit(page)
            assert_accessible(page)
            if label == "390":
                page.goto("/settings/")
                page.screenshot(path=str(artifacts / f"settings-{role}-390.png"), full_page=True)
                assert_no_sideways_scroll(page)
                assert_accessible(page)
            context.close()


def test_wide_admin_pages_fit_at_1366(browser, world, live_server, artifacts):
    """Lists and inlines with many columns stay inside the window (they scroll in their own box if they must)."""
    from tests.factories import APIKeyFactory
    from tests.invoicing.factories import draft_with_line

    make_staff(world.a.owner)
    site = SiteFactory(team=world.a.team, name="Harbourside Dental, 12 Quay Street, Bristol")
    for index in range(3):
        APIKeyFactory(team=world.a.team, name=f"Warehouse sync {index}", scopes=["jobs.read", "jobs.write",
                      "assets.read", "projects.read", "invoices.read"], created_by=world.a.owner)  # fmt: skip
    invoice = draft_with_line(world.a.team, site.client)
    context = signed_in_context(browser, live_server, world.a.owner)
    page = context.new_page()
    pages = {
        "admin-keys": "/admin/accounts/apikey/",
        "admin-client-sites": f"/admin/projects/client/{site.client.pk}/change/",
        "admin-invoice-lines": f"/admin/invoicing/invoice/{invoice.pk}/change/",
        "admin-memberships": "/admin/accounts/membership/",
    }
    for name, url in pages.items():
        assert page.goto(url).status == 200, url
        page.screenshot(path=str(artifacts / f"{name}-1366.png"), full_page=True)
        assert_no_sideways_scroll(page)
        assert_tables_fit(page)
    context.close()
