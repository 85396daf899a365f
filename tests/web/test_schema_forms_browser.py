"""In a real browser, at 1366 and 390 px: a job booked in the admin with its payload filled in the form
generated from its type's schema (sites following the client), and a job type's schema edited with the
structured editor. Screenshots, axe, no sideways scroll, and no Content-Security-Policy violation."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import expect

from jobs.models import Job, JobType
from tests.factories import ClientFactory, JobTypeFactory, SiteFactory
from tests.web.test_team_browser import (
    DESKTOP,
    PHONE,
    assert_accessible,
    assert_no_sideways_scroll,
    make_staff,
    signed_in_context,
)

pytestmark = pytest.mark.django_db(transaction=True)

BOILER_SCHEMA = {
    "type": "object",
    "properties": {
        "fuel": {"type": "string", "title": "Fuel", "enum": ["natural-gas", "lpg", "oil"]},
        "floor": {"type": "integer", "title": "Floor", "minimum": 0, "maximum": 50},
        "accessNotes": {"type": "string", "title": "Access notes", "maxLength": 500},
    },
    "required": ["fuel"],
}

# Records what the browser refused under the page's policy (the init script runs outside the policy).
CSP_LISTENER = """
window.__cspViolations = [];
document.addEventListener('securitypolicyviolation',
  e => window.__cspViolations.push(`${e.violatedDirective} ${e.blockedURI} ${e.sourceFile}:${e.lineNumber}`));
"""


def watched_page(context: Any) -> tuple[Any, list[str]]:
    """A page whose script errors and CSP reports are collected."""
    page = context.new_page()
    problems: list[str] = []
    page.add_init_script(CSP_LISTENER)
    page.on("pageerror", lambda error: problems.append(f"script error: {error}"))
    page.on("console", lambda m: problems.append(m.text) if "Content Security Policy" in m.text else None)
    return page, problems


def check_page(page: Any, problems: list[str], artifacts: Any, name: str) -> None:
    assert_no_sideways_scroll(page)
    page.screenshot(path=str(artifacts / f"{name}.png"), full_page=True)
    assert_accessible(page)
    violations = page.evaluate("window.__cspViolations")
    assert not violations and not problems, (violations, problems)


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["1366", "390"])
def test_a_job_is_booked_with_its_payload_from_the_generated_form(
    browser: Any, world: Any, live_server: Any, artifacts: Any, viewport: dict[str, int]
) -> None:
    make_staff(world.a.owner)
    boiler = JobTypeFactory(team=world.a.team, key="boiler", name="Annual boiler service", payload_schema=BOILER_SCHEMA)
    harbour = ClientFactory(team=world.a.team, name="Harbourside Dental")
    quay = SiteFactory(team=world.a.team, client=harbour, name="12 Quay Street")
    other = ClientFactory(team=world.a.team, name="Northgate Bakery")
    SiteFactory(team=world.a.team, client=other, name="Bakery unit 4")
    width = viewport["width"]
    page, problems = watched_page(signed_in_context(browser, live_server, world.a.owner, viewport))

    page.goto("/admin/jobs/job/add/")
    page.get_by_label("Job type").select_option(str(boiler.pk))
    page.get_by_label("Floor").fill("99")  # drawn from the type's schema once it is chosen; fuel left out
    page.locator("#id_scheduled_date").fill("someday")
    page.get_by_role("button", name="Save", exact=True).click()
    page.locator(".errornote").wait_for()  # every problem at once: the date, and both payload issues
    errors = page.locator(".errorlist").all_inner_texts()
    assert any("valid date" in text for text in errors), errors
    assert any("'fuel' is a required property" in text for text in errors), errors
    assert any("99 is greater than the maximum of 50" in text for text in errors), errors
    check_page(page, problems, artifacts, f"job-add-every-error-{width}")
    assert not Job.objects.exists()

    page.get_by_label("Fuel").select_option("oil")
    page.get_by_label("Floor").fill("2")
    page.get_by_label("Access notes").fill("Key in the lock box, code 4471.")
    page.locator("#id_client").select_option(str(harbour.pk))
    site = page.locator("#id_site")
    expect(site.locator("option")).to_have_count(2)  # "---------" and the client's one site
    assert site.locator("option").all_inner_texts()[-1].startswith("12 Quay Street")
    site.select_option(str(quay.pk))
    assigned = page.locator("#id_assigned_to")
    offered = assigned.locator("option").all_inner_texts()
    assert not any("Dispatcher" in name for name in offered), offered  # engineers, owners and admins only
    assigned.select_option(str(world.a.engineer.pk))
    page.locator("#id_scheduled_date").fill("2030-03-04")
    page.locator("summary", has_text="Advanced: raw JSON").click()  # the raw JSON, behind Advanced
    assert '"fuel": "oil"' in page.locator("#id_payload__raw").input_value()
    check_page(page, problems, artifacts, f"job-add-generated-payload-{width}")

    page.get_by_role("button", name="Save", exact=True).click()
    page.locator(".messagelist .success").wait_for()
    job = Job.objects.get()
    assert job.payload == {"fuel": "oil", "floor": 2, "accessNotes": "Key in the lock box, code 4471."}
    assert (job.site_id, job.client_id, job.assigned_to_id) == (quay.pk, harbour.pk, world.a.engineer.pk)


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["1366", "390"])
def test_a_job_types_schema_is_edited_with_the_structured_editor(
    browser: Any, world: Any, live_server: Any, artifacts: Any, viewport: dict[str, int]
) -> None:
    make_staff(world.a.owner)
    boiler = JobTypeFactory(team=world.a.team, key="boiler", name="Annual boiler service", payload_schema=BOILER_SCHEMA)
    width = viewport["width"]
    page, problems = watched_page(signed_in_context(browser, live_server, world.a.owner, viewport))

    page.goto(f"/admin/jobs/jobtype/{boiler.pk}/change/")
    payload_rows = page.locator(".schema-form").first
    assert payload_rows.locator('input[name="rjf§1§name"]').input_value() == "floor"
    payload_rows.locator("button.rjf-add-button").last.click()  # a fourth field
    payload_rows.locator('input[name="rjf§3§name"]').fill("flueChecked")
    payload_rows.locator('input[name="rjf§3§title"]').fill("Flue checked")
    payload_rows.locator('select[name="rjf§3§kind"]').select_option("boolean")
    payload_rows.locator('input[name="rjf§1§maximum"]').fill("40")  # floors now go up to 40

    results = page.locator(".schema-form").nth(1)  # what the engineer records when completing
    results.locator("button.rjf-add-button").last.click()
    results.locator('input[name="rjf§0§name"]').fill("flowTempC")
    results.locator('input[name="rjf§0§title"]').fill("Flow temperature (°C)")
    results.locator('select[name="rjf§0§kind"]').select_option("number")
    results.locator('input[name="rjf§0§required"]').check()
    results.locator('input[name="rjf§0§minimum"]').fill("20")
    results.locator('input[name="rjf§0§maximum"]').fill("80")
    check_page(page, problems, artifacts, f"job-type-schema-editor-{width}")

    page.get_by_role("button", name="Save and continue editing").click()
    page.locator(".messagelist .success").wait_for()
    saved = JobType.objects.get(pk=boiler.pk)
    assert saved.payload_schema is not None
    assert saved.payload_schema["properties"]["floor"] == {"type": "integer", "title": "Floor", "minimum": 0,
                                                            "maximum": 40}  # fmt: skip
    assert saved.payload_schema["properties"]["flueChecked"] == {"type": "boolean", "title": "Flue checked"}
    assert saved.payload_schema["required"] == ["fuel"]
    assert saved.result_schema == {
        "type": "object",
        "properties": {"flowTempC": {"type": "number", "title": "Flow temperature (°C)", "minimum": 20, "maximum": 80}},
        "required": ["flowTempC"],
    }

    # A row left without a name is refused with the others' problems, and nothing changes.
    payload_rows = page.locator(".schema-form").first
    payload_rows.locator("button.rjf-add-button").last.click()
    page.get_by_role("button", name="Save and continue editing").click()
    page.get_by_text("Field 5: give it a name.").wait_for()
    check_page(page, problems, artifacts, f"job-type-schema-editor-refused-{width}")
    assert "fifth" not in str(JobType.objects.get(pk=boiler.pk).payload_schema)
