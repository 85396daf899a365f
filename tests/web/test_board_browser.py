"""The dispatch board in a real browser: a dispatcher assigns by drag-and-drop (from the week and from the
Unscheduled tray) and reschedules at 1366 px, and does the same from a job's own page on a 390 px phone;
each move is checked in the database.
Screenshots: test-artifacts/board-*.png. No sideways scroll, no serious or critical axe violations."""

from __future__ import annotations

import datetime as dt
import zoneinfo
from typing import Any

import pytest
from django.utils import timezone

from accounts.models import Role
from jobs.models import Job, JobStatus
from tests.factories import JobFactory, JobTypeFactory, MembershipFactory, ProjectFactory, SiteFactory
from tests.web.test_team_browser import (
    DESKTOP,
    PHONE,
    assert_accessible,
    assert_no_sideways_scroll,
    signed_in_context,
)

pytestmark = pytest.mark.django_db(transaction=True)
LONDON = zoneinfo.ZoneInfo("Europe/London")


def at(day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour, minute), tzinfo=LONDON)


def a_week_of_work(world: Any) -> dict[str, Any]:
    """Three engineers, a week of jobs (two of them overlapping), two still unassigned."""
    team = world.a.team
    team.timezone = "Europe/London"
    team.save()
    today = timezone.now().astimezone(LONDON).date()
    monday = today - dt.timedelta(days=today.weekday())
    # Days inside this week for the moves, whatever weekday the test runs on.
    first, second, third = monday + dt.timedelta(days=1), monday + dt.timedelta(days=3), monday + dt.timedelta(days=4)
    alice = world.a.engineer
    bob = MembershipFactory(team=team, role=Role.ENGINEER, user__full_name="Bob Baker").user
    cara = MembershipFactory(team=team, role=Role.ENGINEER, user__full_name="Cara Cole").user
    boiler = JobTypeFactory(team=team, name="Boiler service")
    survey = JobTypeFactory(team=team, name="Heat pump survey")
    places = (("Harbourside Dental", "Acme Dental"), ("14 Elm Road", "Mrs Patel"), ("Unit 4", "Quay Park Ltd"))
    sites = [SiteFactory(team=team, name=name, client__name=client) for name, client in places]
    project = ProjectFactory(team=team, client=sites[2].client, name="Quay Park retrofit")

    def job(site: Any, day: dt.date, start: int | None, hours: int = 2, **extra: Any) -> Job:
        window = {"scheduled_start": at(day, start), "scheduled_end": at(day, start + hours)} if start else {}
        extra.setdefault("job_type", boiler)
        status = JobStatus.ASSIGNED if extra.get("assigned_to") else JobStatus.PENDING
        return JobFactory(team=team, site=site, client=site.client, status=status, scheduled_date=day,
                          **window, **extra)  # fmt: skip

    for index, day in enumerate(monday + dt.timedelta(days=n) for n in range(5)):
        job(sites[index % 3], day, 8 + index % 3, assigned_to=(alice, bob, cara)[index % 3])
    job(sites[0], first, 12, assigned_to=bob)
    job(sites[1], first, 13, job_type=survey, assigned_to=bob)  # overlaps the 12–14
    job(sites[2], second, 13, assigned_to=cara, project=project)
    waiting = job(sites[1], first, 14, job_type=survey)
    loose = job(sites[0], first, None)
    movable = job(sites[2], first, 15, assigned_to=cara, project=project)
    no_day = JobFactory(team=team, site=sites[1], client=sites[1].client, job_type=survey, scheduled_date=None,
                        notes="Call ahead: dog on site")  # fmt: skip
    JobFactory(team=team, site=sites[0], client=sites[0].client, job_type=boiler, scheduled_date=None)
    return {"alice": alice, "bob": bob, "cara": cara, "first": first, "second": second, "third": third,
            "waiting": waiting, "loose": loose, "movable": movable, "no_day": no_day}  # fmt: skip


def drag(page: Any, source: str, target: str) -> None:
    """Drag a card onto a cell with the HTML5 drag events a person's drag fires (dragstart, dragover,
    drop, dragend, sharing one DataTransfer): this headless Chromium starts no native drag from
    Playwright's synthetic mouse, so `page.drag_and_drop` would fire nothing."""
    transfer = page.evaluate_handle("() => new DataTransfer()")
    page.dispatch_event(source, "dragstart", {"dataTransfer": transfer})
    page.dispatch_event(target, "dragenter", {"dataTransfer": transfer})
    page.dispatch_event(target, "dragover", {"dataTransfer": transfer})
    assert "is-drop-target" in (page.get_attribute(target, "class") or "")  # the cell shows where it lands
    with page.expect_navigation():
        page.dispatch_event(target, "drop", {"dataTransfer": transfer})


def check_the_page(page: Any, name: str) -> None:
    assert_no_sideways_scroll(page)
    assert_accessible(page)
    page.screenshot(path=name, full_page=True)


def test_dispatcher_assigns_by_drag_and_drop_and_reschedules_at_1366(browser, world, live_server, artifacts):
    work = a_week_of_work(world)
    context = signed_in_context(browser, live_server, world.a.dispatcher, DESKTOP)
    page = context.new_page()
    page.goto("/board/")
    page.get_by_role("heading", name="Dispatch board").wait_for()
    assert page.locator("tr[data-row]").count() == 4  # three engineers and Unassigned
    assert page.locator("[data-tray] .job-card").count() == 2
    page.get_by_text("2 jobs without a day").wait_for()
    assert page.locator(".job-card.has-overlap").count() == 2
    wide = page.evaluate("[document.querySelector('table.board').scrollWidth,"
                         " document.querySelector('.board-wrap').clientWidth]")  # fmt: skip
    assert wide[0] <= wide[1], f"the week is cut off: {wide}"
    check_the_page(page, str(artifacts / "board-1366.png"))

    # Drag the unassigned survey onto Bob's row, two days later.
    waiting, bob = work["waiting"], work["bob"]
    target = f'tr[data-row="{bob.pk}"] td[data-date="{work["second"]:%Y-%m-%d}"]'
    drag(page, f"#job-{waiting.pk}", target)
    page.get_by_text("assigned to Bob Baker; scheduled for").wait_for()
    waiting.refresh_from_db()
    assert (waiting.status, waiting.assigned_to_id) == (JobStatus.ASSIGNED, bob.pk)
    assert waiting.scheduled_date == work["second"]
    assert waiting.scheduled_start == at(work["second"], 14)  # the time of day is kept
    assert page.locator(f"{target} #job-{waiting.pk}").count() == 1

    # Reschedule Cara's 15:00 job to Friday in her own row (the engineer stays).
    movable, cara = work["movable"], work["cara"]
    drag(page, f"#job-{movable.pk}", f'tr[data-row="{cara.pk}"] td[data-date="{work["third"]:%Y-%m-%d}"]')
    page.get_by_text("Quay Park Ltd: scheduled for").wait_for()
    movable.refresh_from_db()
    assert (movable.assigned_to_id, movable.scheduled_date) == (cara.pk, work["third"])
    assert movable.scheduled_start == at(work["third"], 15)

    # Drag a job without a day from the Unscheduled tray onto Alice's Tuesday.
    no_day, alice = work["no_day"], work["alice"]
    drag(page, f"#job-{no_day.pk}", f'tr[data-row="{alice.pk}"] td[data-date="{work["first"]:%Y-%m-%d}"]')
    page.get_by_text(f"Mrs Patel: assigned to {alice}; scheduled for").wait_for()
    no_day.refresh_from_db()
    assert (no_day.status, no_day.assigned_to_id, no_day.scheduled_date) == (
        JobStatus.ASSIGNED,
        alice.pk,
        work["first"],
    )
    assert page.locator("[data-tray] .job-card").count() == 1

    # Unassigning by a drop is refused and nothing changes.
    drag(page, f"#job-{movable.pk}", f'tr[data-row="unassigned"] td[data-date="{work["third"]:%Y-%m-%d}"]')
    page.get_by_text("A job cannot be unassigned").wait_for()
    movable.refresh_from_db()
    assert movable.assigned_to_id == cara.pk
    check_the_page(page, str(artifacts / "board-1366-after-moves.png"))

    # A card opens the job's page: its essentials and the move form, and back to the same week.
    page.locator(f"#job-{no_day.pk} .job-type a").click()
    page.get_by_role("heading", name="Heat pump survey").wait_for()
    page.get_by_text("Call ahead: dog on site").wait_for()
    check_the_page(page, str(artifacts / "board-1366-job.png"))
    page.get_by_role("link", name="← Dispatch board").click()
    page.get_by_role("heading", name="Dispatch board").wait_for()
    context.close()


def test_dispatcher_assigns_and_reschedules_with_the_quick_form_at_390(browser, world, live_server, artifacts):
    work = a_week_of_work(world)
    context = signed_in_context(browser, live_server, world.a.dispatcher, PHONE)
    page = context.new_page()
    page.goto("/board/")
    page.get_by_role("heading", name="Dispatch board").wait_for()
    check_the_page(page, str(artifacts / "board-390.png"))

    # Assign the job without a time to Alice, on the Friday, 10:00–11:30, from its own page.
    loose, alice = work["loose"], work["alice"]
    page.locator(f"#job-{loose.pk} .job-type a").click()
    page.get_by_role("heading", name="Boiler service").wait_for()
    form = page.locator("form.move-form")
    form.get_by_label("Engineer").select_option(str(alice.pk))
    form.get_by_label("Day").fill(f"{work['third']:%Y-%m-%d}")
    form.get_by_label("From").fill("10:00")
    form.get_by_label("To").fill("11:30")
    check_the_page(page, str(artifacts / "board-390-job.png"))
    form.get_by_role("button", name="Save").click()
    page.get_by_text(f"assigned to {alice}; scheduled for").wait_for()
    assert page.url.split("#")[0].endswith(
        f"/board/?week={work['first'] - dt.timedelta(days=work['first'].weekday()):%Y-%m-%d}"
    )
    loose.refresh_from_db()
    assert (loose.status, loose.assigned_to_id, loose.scheduled_date) == (JobStatus.ASSIGNED, alice.pk, work["third"])
    assert (loose.scheduled_start, loose.scheduled_end) == (at(work["third"], 10), at(work["third"], 11, 30))

    # Schedule a job from the Unscheduled tray: Bob, Thursday, any time.
    no_day, bob = work["no_day"], work["bob"]
    page.locator(f"#job-{no_day.pk} .job-type a").click()
    page.get_by_label("Engineer").select_option(str(bob.pk))
    page.get_by_label("Day").fill(f"{work['second']:%Y-%m-%d}")
    page.get_by_role("button", name="Save").click()
    page.get_by_text(f"assigned to {bob}; scheduled for").wait_for()
    no_day.refresh_from_db()
    assert (no_day.assigned_to_id, no_day.scheduled_date, no_day.scheduled_start) == (bob.pk, work["second"], None)

    # A refusal stays on the job's page with the reason and what was typed.
    movable = work["movable"]
    page.locator(f"#job-{movable.pk} .job-type a").click()
    page.get_by_label("Day").fill(f"{work['second']:%Y-%m-%d}")
    page.get_by_label("From").fill("15:00")
    page.get_by_label("To").fill("13:30")
    page.get_by_role("button", name="Save").click()
    page.get_by_text("scheduledEnd must be after scheduledStart").wait_for()
    check_the_page(page, str(artifacts / "board-390-job-refused.png"))
    page.get_by_label("To").fill("16:30")
    page.get_by_role("button", name="Save").click()
    page.get_by_text("Quay Park Ltd: scheduled for").wait_for()
    movable.refresh_from_db()
    assert (movable.assigned_to_id, movable.scheduled_date) == (work["cara"].pk, work["second"])
    assert movable.scheduled_start == at(work["second"], 15)
    check_the_page(page, str(artifacts / "board-390-after-moves.png"))
    context.close()
