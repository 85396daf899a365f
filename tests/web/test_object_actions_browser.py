"""In a real browser: a job worked from its admin page with the action buttons (Start, then Complete as
PARTIAL with a note), by a dispatcher at 1366 px and by the engineer on a phone at 390 px."""

from __future__ import annotations

from typing import Any

import pytest

from jobs.models import Job, JobStatus, ResultType
from tests.factories import JobFactory, JobTypeFactory, SiteFactory
from tests.web.test_browser import sign_in_to_admin
from tests.web.test_team_browser import DESKTOP, PHONE, assert_accessible, assert_no_sideways_scroll, make_staff

pytestmark = pytest.mark.django_db(transaction=True)


def shot(page: Any, artifacts: Any, name: str) -> None:
    """A full-page screenshot, after checking the page does not scroll sideways."""
    assert_no_sideways_scroll(page)
    page.screenshot(path=str(artifacts / f"{name}.png"), full_page=True)


@pytest.mark.parametrize(("role", "viewport"), [("dispatcher", DESKTOP), ("engineer", PHONE)])
def test_a_job_is_started_then_completed_as_partial_from_its_page(
    page: Any, world: Any, artifacts: Any, role: str, viewport: dict[str, int]
) -> None:
    person = getattr(world.a, role)
    make_staff(person)
    site = SiteFactory(team=world.a.team, name="Harbourside Dental, 12 Quay Street, Bristol")
    job = JobFactory(team=world.a.team, job_type=JobTypeFactory(team=world.a.team, name="Boiler service"),
                     client=site.client, site=site, assigned_to=world.a.engineer, status=JobStatus.ASSIGNED,
                     notes="Ring the bell twice.")  # fmt: skip
    width = viewport["width"]
    page.set_viewport_size(viewport)

    sign_in_to_admin(page, person.email, "/admin/jobs/job/")
    page.locator("#result_list").get_by_role("link", name="Boiler service").click()
    page.get_by_role("heading", name="Change job").wait_for()
    actions = page.get_by_role("group", name="Actions on this job")
    assert actions.get_by_role("button", name="Start").is_visible()
    assert (actions.locator('[data-object-action="cancel"]').count() == 1) == (role == "dispatcher")
    assert actions.locator('[data-object-action="complete"]').count() == 0, "not before it is started"
    shot(page, artifacts, f"job-actions-{role}-assigned-{width}")

    actions.get_by_role("button", name="Start").click()
    page.get_by_text("Job started.").wait_for()
    assert Job.objects.get(pk=job.pk).status == JobStatus.IN_PROGRESS

    page.locator('summary[data-object-action="complete"]').click()
    panel = page.locator("details.object-action[open] form")
    panel.get_by_label("Result").select_option(ResultType.PARTIAL)
    notes = panel.get_by_label("Notes")
    assert notes.input_value() == "Ring the bell twice."
    notes.fill("Ring the bell twice. Pump replaced; the valve needs a second visit.")
    shot(page, artifacts, f"job-actions-{role}-complete-form-{width}")
    assert_accessible(page)
    panel.get_by_role("button", name="Complete", exact=True).click()

    page.get_by_text("Job completed: Partial.").wait_for()
    assert page.locator(".field-status .readonly").inner_text() == "Completed"
    assert page.locator(".field-result_type .readonly").inner_text() == "Partial"
    assert page.get_by_role("group", name="Actions on this job").count() == 0, "nothing left to do"
    shot(page, artifacts, f"job-actions-{role}-completed-{width}")
    job.refresh_from_db()
    assert (job.status, job.result_type) == (JobStatus.COMPLETED, ResultType.PARTIAL)
    assert job.notes == "Ring the bell twice. Pump replaced; the valve needs a second visit."
