"""The engineer's day in a real browser: on a 390 px phone an engineer opens today's job from My day,
starts it, completes it as Partial with a reading (from the job type's result schema), a photo and the
customer's signature drawn on the canvas; the service report PDF then shows them (read with pypdf).
My day and the Complete form are also checked at 1366 px, with every error shown at once.
Screenshots: test-artifacts/field-*.png. No sideways scroll, no serious or critical axe violations."""

from __future__ import annotations

import datetime as dt
import io
import re
import zoneinfo
from typing import Any

import pytest
from django.utils import timezone
from pypdf import PdfReader

from flows.models import FlowKind
from jobs.models import Job, JobAttachment, JobSignature, JobStatus
from tests.factories import AssetFactory, JobFactory, JobTypeFactory, SiteFactory
from tests.flows.factories import FlowTemplateFactory, group_of, run_worker
from tests.jobs.images import image_bytes
from tests.web.test_team_browser import (
    DESKTOP,
    PHONE,
    assert_accessible,
    assert_no_sideways_scroll,
    signed_in_context,
)

pytestmark = pytest.mark.django_db(transaction=True)
LONDON = zoneinfo.ZoneInfo("Europe/London")
RESULT_SCHEMA = {
    "type": "object",
    "required": ["pressureBar"],
    "properties": {
        "pressureBar": {
            "type": "number",
            "minimum": 0,
            "maximum": 5,
            "title": "Pressure (bar)",
            "description": "System pressure, cold.",
        },
        "flueGasCo2": {"type": "number", "title": "Flue gas CO2 (%)"},
        "safe": {"type": "boolean", "title": "Safe to use"},
    },
}


@pytest.fixture(autouse=True)
def _media_in_tmp(settings: Any, tmp_path: Any) -> None:
    settings.MEDIA_ROOT = str(tmp_path / "media")


# An image's width once it has loaded (0 if it fails): present in the page is not yet loaded.
LOADED_WIDTH = """img => img.complete ? img.naturalWidth : new Promise(done => {
    img.addEventListener("load", () => done(img.naturalWidth));
    img.addEventListener("error", () => done(0));
})"""


def at(day: dt.date, hour: int) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour), tzinfo=LONDON)


def a_day_of_work(world: Any) -> dict[str, Any]:
    team = world.a.team
    team.timezone = "Europe/London"
    team.save()
    today = timezone.now().astimezone(LONDON).date()
    engineer = world.a.engineer
    site = SiteFactory(team=team, name="Harbourside Dental", address_line1="12 Quay Street", city="Bristol",
                       postcode="BS1 4DJ", contact_name="Dana Whitfield", contact_phone="+44 117 946 0000",
                       access_notes="Key safe 4821 by the side gate; boiler in the plant room.",
                       client__name="Harbourside Dental Ltd",
                       client__email="accounts@harbourside.example.com")  # fmt: skip
    asset = AssetFactory(team=team, site=site, name="Main boiler", manufacturer="Worcester", model="Greenstar 30i",
                         serial_number="GS30-118842")  # fmt: skip
    service = JobTypeFactory(team=team, key="boiler-service", name="Annual boiler service", result_schema=RESULT_SCHEMA)
    FlowTemplateFactory(team=team, job_type=service, name="Service report", kind=FlowKind.REPORT)
    other_site = SiteFactory(team=team, name="Clifton Flats, block B", address_line1="3 Royal York Crescent",
                             city="Bristol", postcode="BS8 4JZ", contact_phone="0117 496 0123",
                             client__name="Clifton Lettings")  # fmt: skip
    check = JobTypeFactory(team=team, key="heat-pump-check", name="Heat pump check", result_schema=RESULT_SCHEMA)
    common = {"team": team, "assigned_to": engineer, "status": JobStatus.ASSIGNED}
    first = JobFactory(**common, job_type=service, site=site, client=site.client, asset=asset, scheduled_date=today,
                       scheduled_start=at(today, 9), scheduled_end=at(today, 10))  # fmt: skip
    second = JobFactory(**common, job_type=check, site=other_site, client=other_site.client, scheduled_date=today,
                        scheduled_start=at(today, 13), scheduled_end=at(today, 15))  # fmt: skip
    JobFactory(**common, job_type=check, site=other_site, client=other_site.client,
               scheduled_date=today + dt.timedelta(days=2))  # fmt: skip
    return {"first": first, "second": second, "engineer": engineer}


def check_page(page: Any, artifacts: Any, name: str) -> None:
    page.screenshot(path=str(artifacts / f"{name}.png"), full_page=True)
    assert_no_sideways_scroll(page)
    assert_accessible(page)


def draw_signature(page: Any) -> None:
    box = page.locator("[data-signature-canvas]").bounding_box()
    x, y, width, height = box["x"], box["y"], box["width"], box["height"]
    page.mouse.move(x + width * 0.1, y + height * 0.6)
    page.mouse.down()
    for step in range(1, 25):
        page.mouse.move(x + width * (0.1 + 0.033 * step), y + height * (0.6 - 0.25 * ((step % 6) / 5)), steps=2)
    page.mouse.up()


def test_an_engineer_completes_todays_job_on_a_phone_and_the_report_shows_it(browser, world, live_server, artifacts):
    work = a_day_of_work(world)
    job: Job = work["first"]
    context = signed_in_context(browser, live_server, work["engineer"], PHONE)
    page = context.new_page()
    page.goto("/")
    page.wait_for_url("**/day/")
    page.get_by_role("heading", name="My day").wait_for()
    assert page.get_by_text("09:00–10:00").is_visible() and page.get_by_text("Key safe 4821").is_visible()
    assert page.locator('a[href="tel:+441179460000"]').count() == 1
    check_page(page, artifacts, "field-my-day-390")

    page.get_by_role("link", name=re.compile(r"^Open to start\W+Annual boiler service")).click()
    page.get_by_role("heading", name="Annual boiler service").wait_for()
    page.get_by_role("button", name="Start job").click()
    page.get_by_text("Job started.").wait_for()
    page.get_by_role("heading", name="Complete the job").wait_for()
    check_page(page, artifacts, "field-complete-form-390")

    page.get_by_text("Partial", exact=True).click()
    page.get_by_label("Pressure (bar) *").fill("1.4")
    page.locator("#id_photos").set_input_files(
        [{"name": "flue-terminal.jpg", "mimeType": "image/jpeg", "buffer": image_bytes("JPEG", (1200, 900))}]
    )
    page.get_by_label("Notes").fill("Pressure low; expansion vessel ordered.")
    draw_signature(page)
    page.get_by_text("Signed.").wait_for()
    page.get_by_label("Signed by (customer's name)").fill("Dana Whitfield")
    page.screenshot(path=str(artifacts / "field-complete-filled-390.png"), full_page=True)
    page.get_by_role("button", name="Complete job").click()
    page.get_by_text("Job completed: Partial.").wait_for()
    page.get_by_role("heading", name="Outcome").wait_for()
    page.locator(".photo-list img").first.wait_for()
    assert page.locator(".photo-list img").evaluate(LOADED_WIDTH) > 0, "the thumbnail loads"
    assert page.locator(".signature-shown img").evaluate(LOADED_WIDTH) > 0
    check_page(page, artifacts, "field-job-completed-390")
    context.close()

    job.refresh_from_db()
    assert (job.status, job.result_type, job.result) == (JobStatus.COMPLETED, "PARTIAL", {"pressureBar": 1.4})
    photo = JobAttachment.objects.get(job=job)
    assert photo.at_completion and photo.original_name == "flue-terminal.jpg"
    signature = JobSignature.objects.get(job=job)
    assert signature.signer_name == "Dana Whitfield" and signature.image.size > 500, "a drawn signature"

    run_worker()
    report = group_of(job).flows.get(kind=FlowKind.REPORT)
    with report.document.open("rb") as handle:
        reader = PdfReader(io.BytesIO(handle.read()))
    text = "\n".join(pdf_page.extract_text() for pdf_page in reader.pages)
    assert "Dana Whitfield" in text and "1.4 bar" in text and "flue-terminal.jpg" in text
    assert "expansion vessel ordered" in text
    images = [image for pdf_page in reader.pages for image in pdf_page.images]
    assert len(images) >= 2, "the signature and the photo's thumbnail are drawn on the page"


def test_my_day_and_the_complete_form_on_a_laptop_show_every_error_at_once(browser, world, live_server, artifacts):
    work = a_day_of_work(world)
    second: Job = work["second"]
    context = signed_in_context(browser, live_server, work["engineer"], DESKTOP)
    page = context.new_page()
    page.goto("/day/")
    page.get_by_role("heading", name="My day").wait_for()
    check_page(page, artifacts, "field-my-day-1366")

    page.get_by_role("link", name=re.compile(r"^Open to start\W+Heat pump check")).first.click()
    page.get_by_role("button", name="Start job").click()
    page.get_by_role("heading", name="Complete the job").wait_for()
    check_page(page, artifacts, "field-complete-form-1366")

    page.get_by_label("Pressure (bar) *").fill("9")
    page.locator("#id_photos").set_input_files(
        [{"name": "not-a-photo.jpg", "mimeType": "image/jpeg", "buffer": b"just some text"}]
    )
    page.get_by_label("Signed by (customer's name)").fill("Sam Jones")
    page.get_by_role("button", name="Complete job").click()
    alert = page.get_by_role("alert")
    alert.get_by_text("Nothing was saved.").wait_for()
    for problem in ("Choose how the visit went.", "less than or equal to 5", "not a JPEG, PNG, WebP or HEIC",
                    "Ask the customer to sign in the box"):  # fmt: skip
        assert alert.get_by_text(problem).count() == 1, problem
    check_page(page, artifacts, "field-complete-errors-1366")
    second.refresh_from_db()
    assert second.status == JobStatus.IN_PROGRESS and not JobAttachment.objects.filter(job=second).exists()
    context.close()
