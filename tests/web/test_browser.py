"""In a real browser: the API key lifecycle on Settings > Developer, and the admin for a dispatcher."""

from __future__ import annotations

import json
import re
import urllib.error
import urllib.request

import pytest

from accounts.models import APIKey
from jobs.models import Job
from projects.models import Client, Site
from tests.admin.conftest import staff_client
from tests.factories import JobTypeFactory

pytestmark = pytest.mark.django_db(transaction=True)

PASSWORD = "correct-horse-battery"


def call(live_server, method: str, path: str, token: str, body: dict | None = None) -> int:
    request = urllib.request.Request(  # noqa: S310 - the test's own http server
        f"{live_server.url}{path}",
        method=method,
        data=json.dumps(body).encode() if body is not None else None,
        headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
    )
    try:
        with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310 - the test's own server
            return int(response.status)
    except urllib.error.HTTPError as error:
        return int(error.code)


def sign_in(page, email: str, next_path: str = "/settings/developer/") -> None:
    page.goto(next_path)
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()


def sign_in_to_admin(page, email: str, next_path: str) -> None:
    page.goto(f"/admin/login/?next={next_path}")
    page.locator("#id_username").fill(email)
    page.locator("#id_password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()


def test_api_key_lifecycle(page, world, live_server, artifacts):
    sign_in(page, world.a.owner.email)
    page.get_by_role("heading", name="Developer").wait_for()

    page.get_by_label("Name").fill("Warehouse sync")
    page.get_by_label("Never").check()
    page.get_by_role("group", name="Jobs").get_by_label("Write").check()
    page.get_by_role("group", name="Assets").get_by_label("Read").check()
    page.get_by_role("button", name="Create key").click()

    token_box = page.get_by_label("API token")
    token_box.wait_for()
    page.get_by_role("button", name="Copy").first.click()
    copied = page.evaluate("navigator.clipboard.readText()")
    assert re.fullmatch(r"se_[A-Za-z0-9_\-]{30,}", copied)
    assert copied == token_box.input_value()
    assert "shown only once" in page.content()
    assert f"Bearer {copied}" in page.locator("#curl-example").inner_text()
    page.screenshot(path=str(artifacts / "settings-developer-new-key.png"), full_page=True)

    key = APIKey.objects.get(name="Warehouse sync")
    assert key.scopes == ["assets.read", "jobs.write"]
    assert call(live_server, "GET", "/v1/jobs", copied) == 200
    assert call(live_server, "POST", "/v1/assets", copied, {"name": "Boiler"}) == 403

    page.reload()
    assert copied not in page.content()
    row = page.locator('tr[data-key-name="Warehouse sync"]')
    assert "Active" in row.inner_text()
    page.screenshot(path=str(artifacts / "settings-developer.png"), full_page=True)

    row.get_by_role("link", name="Revoke Warehouse sync").click()
    page.get_by_role("heading", name="Revoke “Warehouse sync”?").wait_for()
    page.get_by_role("button", name="Revoke key").click()
    page.get_by_text("Requests using it now get 401").wait_for()
    assert "Revoked" in page.locator('tr[data-key-name="Warehouse sync"]').inner_text()
    assert call(live_server, "GET", "/v1/jobs", copied) == 401

    page.set_viewport_size({"width": 390, "height": 844})
    page.reload()
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, f"the page scrolls sideways at phone width ({width}px)"
    page.screenshot(path=str(artifacts / "settings-developer-phone.png"), full_page=True)


def test_members_without_rights_see_keys_read_only(page, world):
    sign_in(page, world.a.dispatcher.email)
    page.get_by_role("heading", name="API keys").wait_for()
    assert page.get_by_text("Only owners and admins can create or revoke them").is_visible()
    assert page.get_by_role("button", name="Create key").count() == 0


def pick(page, field: str, search: str, option: str) -> None:
    """Choose `option` in the admin's autocomplete (select2) widget of `field`."""
    page.locator(f".field-{field} .select2-selection").click()
    page.locator(".select2-search__field").fill(search)
    page.get_by_role("option", name=option).click()


def test_dispatcher_creates_a_client_site_and_job_in_the_admin_and_sees_it_on_the_dashboard(
    page, world, live_server, artifacts
):
    from django.utils import timezone

    staff_client(world.a.dispatcher)  # marks the dispatcher as staff
    JobTypeFactory(team=world.a.team, name="Boiler service", key="boiler-service")
    sign_in_to_admin(page, world.a.dispatcher.email, "/admin/projects/client/add/")

    # A client (one team: it is preselected everywhere below).
    page.get_by_role("heading", name="Add client").wait_for()
    page.locator("#id_name").fill("Harbourside Dental Ltd")
    page.locator("#id_email").fill("accounts@harbourside.example.com")
    page.get_by_role("button", name="Save", exact=True).click()
    page.get_by_text("was added successfully").wait_for()
    client = Client.objects.get(team=world.a.team)

    # A site for it; the client is an autocomplete (select2) widget.
    page.goto("/admin/projects/site/add/")
    page.get_by_role("heading", name="Add site").wait_for()
    pick(page, "client", "Harbour", "Harbourside Dental Ltd")
    page.locator("#id_name").fill("Harbourside Dental, Bristol")
    page.locator("#id_address_line1").fill("12 Quay Street")
    page.locator("#id_city").fill("Bristol")
    page.get_by_role("button", name="Save", exact=True).click()
    page.get_by_text("was added successfully").wait_for()
    site = Site.objects.get(team=world.a.team)
    assert site.client == client

    # A job at that site.
    page.goto("/admin/jobs/job/add/")
    page.get_by_role("heading", name="Add job").wait_for()
    # Plain selects; the site's choices narrow to the chosen client.
    page.get_by_label("Job type").select_option(label="Boiler service")
    page.locator("#id_client").select_option(str(client.pk))
    page.locator(f'#id_site option[value="{site.pk}"]').wait_for(state="attached")
    page.locator("#id_site").select_option(str(site.pk))
    page.locator("#id_scheduled_date").fill(timezone.localdate().isoformat())
    page.locator("#id_notes").fill("Customer asks us to ring first")
    page.get_by_role("button", name="Save", exact=True).click()
    page.get_by_text("was added successfully").wait_for()
    job = Job.objects.get(team=world.a.team)
    assert (job.client, job.site) == (client, site)
    assert job.created_by_user == world.a.dispatcher and job.events.count() == 1

    page.goto("/admin/")
    tile = page.locator("a.tile", has_text="Pending")
    assert tile.locator(".tile-count").inner_text() == "1"
    assert page.locator("a.tile", has_text="Failed flows").locator(".tile-count").inner_text() == "0"
    page.screenshot(path=str(artifacts / "admin-dashboard.png"), full_page=True)
    tile.click()
    row = page.locator("#result_list tbody tr", has_text="Harbourside Dental Ltd")
    assert "Harbourside Dental, Bristol" in row.inner_text()

    # A staff member of team B cannot open it by editing the URL.
    staff_client(world.b.owner)
    page.context.clear_cookies()
    sign_in_to_admin(page, world.b.owner.email, "/admin/")
    page.get_by_role("heading", name="Bravo · Dashboard").wait_for()
    response = page.goto(f"/admin/jobs/job/{job.pk}/change/")
    assert response.status == 404
