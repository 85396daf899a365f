"""My day and the engineer's job page: who may see what, Start, and Complete (all at once, all or nothing)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import timezone

from accounts.models import Membership, Role, User
from jobs.field import views as field_views
from jobs.models import Job, JobAttachment, JobEvent, JobSignature, JobStatus, ResultType
from tests.conftest import World
from tests.factories import AssetFactory, JobFactory, JobTypeFactory, MembershipFactory, SiteFactory
from tests.jobs.images import image_bytes, signature_png_base64
from webhooks.models import WebhookEvent as Event

pytestmark = pytest.mark.django_db

READING_SCHEMA = {
    "type": "object",
    "required": ["pressureBar"],
    "properties": {
        "pressureBar": {"type": "number", "minimum": 0, "maximum": 5, "title": "Pressure (bar)"},
        "flueOk": {"type": "boolean"},
        "fault": {"type": "string", "enum": ["none", "E119", "F28"]},
    },
}


def signed_in(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def today() -> dt.date:
    return timezone.now().date()  # the test teams' time zone is UTC


def job_for(user: User, team: Any, day: dt.date | None, status: str = JobStatus.ASSIGNED, **fields: Any) -> Job:
    return JobFactory(team=team, assigned_to=user, status=status, scheduled_date=day, **fields)


def person(world: World, role: str) -> User:
    a = world.a
    known: dict[str, User] = {Role.OWNER: a.owner, Role.DISPATCHER: a.dispatcher, Role.ENGINEER: a.engineer}
    return known.get(role) or MembershipFactory(team=world.a.team, role=role).user


def stored_files() -> list[Path]:
    root = Path(settings.MEDIA_ROOT)
    return [path for path in root.rglob("*") if path.is_file()] if root.exists() else []


# --- My day -----------------------------------------------------------------------------------------
def test_my_day_lists_my_jobs_for_today_and_the_next_7_days_in_time_order(world: World) -> None:
    me, team = world.a.engineer, world.a.team
    site = SiteFactory(team=team, name="Harbourside Dental", address_line1="12 Quay Street", city="Bristol",
                       contact_name="Dana Whitfield", contact_phone="+44 117 946 0000",
                       access_notes="Key safe 4821 by the side gate")  # fmt: skip
    asset = AssetFactory(team=team, site=site, name="Main boiler", manufacturer="Worcester", serial_number="GS-30-1")
    at = dt.datetime.combine(today(), dt.time(9), tzinfo=dt.UTC)
    late = job_for(me, team, today(), scheduled_start=at + dt.timedelta(hours=4),
                   scheduled_end=at + dt.timedelta(hours=5), site=site, client=site.client)  # fmt: skip
    early = job_for(me, team, today(), scheduled_start=at, scheduled_end=at + dt.timedelta(hours=1), site=site,
                    client=site.client, asset=asset)  # fmt: skip
    untimed = job_for(me, team, today())
    in_a_week = job_for(me, team, today() + dt.timedelta(days=7))
    too_far = job_for(me, team, today() + dt.timedelta(days=8))
    cancelled = job_for(me, team, today(), status=JobStatus.CANCELLED)
    someone_elses = job_for(world.a.dispatcher, team, today())
    other_team = job_for(world.b.engineer, world.b.team, today())

    response = signed_in(me).get("/day/")
    assert response.status_code == 200
    html = response.content.decode()
    shown = [job.pk for day in response.context["days"] for job in (card.job for card in day.cards)]
    assert shown == [early.pk, late.pk, untimed.pk, in_a_week.pk], "time order: window, then untimed, by day"
    for hidden in (too_far, cancelled, someone_elses, other_team):
        assert f"/day/jobs/{hidden.pk}/" not in html
    assert [day.date for day in response.context["days"]] == [today(), today() + dt.timedelta(days=7)]
    assert "09:00–10:00" in html and "Any time" in html
    assert 'href="tel:+441179460000"' in html and "Dana Whitfield" in html
    assert "https://www.google.com/maps/search/?api=1&amp;query=12+Quay+Street%2C+Bristol%2C+BS1+4DJ" in html
    assert "Key safe 4821 by the side gate" in html and "Main boiler" in html and "GS-30-1" in html


def test_open_jobs_from_earlier_days_come_first_and_the_window_moves(world: World) -> None:
    me, team = world.a.engineer, world.a.team
    overdue = job_for(me, team, today() - dt.timedelta(days=2), status=JobStatus.IN_PROGRESS)
    unscheduled = job_for(me, team, None)
    done_earlier = job_for(me, team, today() - dt.timedelta(days=2), status=JobStatus.COMPLETED)
    client = signed_in(me)
    response = client.get("/day/")
    assert [card.job.pk for card in response.context["earlier"]] == [overdue.pk, unscheduled.pk]
    assert f"/day/jobs/{done_earlier.pk}/" not in response.content.decode()
    later = job_for(me, team, today() + dt.timedelta(days=9))
    moved = client.get(f"/day/?from={(today() + dt.timedelta(days=8)).isoformat()}")
    assert moved.status_code == 200 and moved.context["earlier"] == []
    assert [card.job.pk for day in moved.context["days"] for card in day.cards] == [later.pk]
    assert client.get("/day/?from=tomorrow").status_code == 400
    assert client.get("/day/?from=1900-01-01").status_code == 400


def test_my_day_is_bounded(world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(field_views, "DAY_LIMIT", 3)
    for offset in range(5):
        job_for(world.a.engineer, world.a.team, today() + dt.timedelta(days=offset))
    response = signed_in(world.a.engineer).get("/day/")
    assert sum(len(day.cards) for day in response.context["days"]) == 3
    assert response.context["more"] and "Only the first 3 jobs are shown" in response.content.decode()
    assert response.context["more_url"] == f"/day/?from={(today() + dt.timedelta(days=2)).isoformat()}"


def test_my_days_queries_do_not_grow_with_its_jobs(world: World) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = signed_in(world.a.engineer)

    def add_jobs(count: int) -> None:
        for offset in range(count):
            site = SiteFactory(team=world.a.team, contact_phone="0117 946 0000")
            asset = AssetFactory(team=world.a.team, site=site)
            job_for(world.a.engineer, world.a.team, today() + dt.timedelta(days=offset % 8), site=site,
                    client=site.client, asset=asset)  # fmt: skip
        job_for(world.a.engineer, world.a.team, None)  # still open

    add_jobs(2)
    client.get("/day/")
    with CaptureQueriesContext(connection) as few:
        client.get("/day/")
    add_jobs(12)
    with CaptureQueriesContext(connection) as many:
        response = client.get("/day/")
    assert sum(len(day.cards) for day in response.context["days"]) == 14
    assert len(many) == len(few), [query["sql"] for query in many]


@pytest.mark.parametrize("role", [Role.OWNER, Role.ADMIN, Role.DISPATCHER, Role.ENGINEER])
def test_whoever_does_jobs_sees_their_own_day(world: World, role: str) -> None:
    me = person(world, role)
    mine = job_for(me, world.a.team, today())
    engineers = job_for(world.a.engineer, world.a.team, today()) if role != Role.ENGINEER else None
    response = signed_in(me).get("/day/")
    assert response.status_code == 200
    assert [card.job.pk for day in response.context["days"] for card in day.cards] == [mine.pk]
    if engineers is not None:
        assert signed_in(me).get(f"/day/jobs/{engineers.pk}/").status_code == 404, "the page is for one's own jobs"


def test_finance_gets_the_styled_403_everywhere(world: World) -> None:
    finance = person(world, Role.FINANCE)
    job = job_for(finance, world.a.team, today())  # even a job somehow assigned to them
    client = signed_in(finance)
    for method, path in (("get", "/day/"), ("get", f"/day/jobs/{job.pk}/"), ("post", f"/day/jobs/{job.pk}/start/"),
                         ("post", f"/day/jobs/{job.pk}/complete/")):  # fmt: skip
        response = getattr(client, method)(path)
        assert response.status_code == 403, path
        assert "Not allowed" in response.content.decode() and "app.css" in response.content.decode()
    job.refresh_from_db()
    assert job.status == JobStatus.ASSIGNED


def test_signed_out_people_are_sent_to_sign_in(world: World) -> None:
    response = Client().get("/day/")
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")


def test_a_person_of_no_team_gets_a_404(world: World) -> None:
    Membership.objects.filter(user=world.a.engineer).delete()
    assert signed_in(world.a.engineer).get("/day/").status_code == 404


def test_engineers_land_on_my_day(world: World) -> None:
    assert signed_in(world.a.engineer).get("/")["Location"] == "/day/"


# --- The job page and Start ---------------------------------------------------------------------------
def test_the_job_page_is_for_my_own_jobs_only(world: World) -> None:
    site = SiteFactory(team=world.a.team, access_notes="Dog in the garden", contact_phone="0117 946 0000")
    mine = job_for(world.a.engineer, world.a.team, today(), site=site, client=site.client)
    client = signed_in(world.a.engineer)
    page = client.get(f"/day/jobs/{mine.pk}/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "Dog in the garden" in html and 'href="tel:01179460000"' in html and "Start job" in html
    assert "Complete job" not in html, "an assigned job is started first"
    colleagues = job_for(world.a.dispatcher, world.a.team, today())
    other_team = job_for(world.b.engineer, world.b.team, today())
    for job in (colleagues, other_team):
        assert client.get(f"/day/jobs/{job.pk}/").status_code == 404
        assert client.post(f"/day/jobs/{job.pk}/start/").status_code == 404
        job.refresh_from_db()
        assert job.status == JobStatus.ASSIGNED


def test_start_goes_through_the_service(world: World) -> None:
    job = job_for(world.a.engineer, world.a.team, today())
    client = signed_in(world.a.engineer)
    assert client.get(f"/day/jobs/{job.pk}/start/").status_code == 405
    response = client.post(f"/day/jobs/{job.pk}/start/")
    assert response.status_code == 302 and response["Location"] == f"/day/jobs/{job.pk}/"
    job.refresh_from_db()
    assert job.status == JobStatus.IN_PROGRESS and job.started_at is not None
    event = JobEvent.objects.filter(job=job).latest("at")
    assert (event.to_status, event.actor_user) == (JobStatus.IN_PROGRESS, world.a.engineer)
    assert Event.objects.filter(type="job.started").count() == 1
    again = client.post(f"/day/jobs/{job.pk}/start/", follow=True)
    assert "was not started" in again.content.decode()


def test_start_needs_the_csrf_token(world: World) -> None:
    job = job_for(world.a.engineer, world.a.team, today())
    client = Client(enforce_csrf_checks=True)
    client.force_login(world.a.engineer)
    assert client.post(f"/day/jobs/{job.pk}/start/").status_code == 403
    job.refresh_from_db()
    assert job.status == JobStatus.ASSIGNED


# --- Complete ------------------------------------------------------------------------------------------
def in_progress(world: World, schema: Any = READING_SCHEMA) -> Job:
    job_type = JobTypeFactory(team=world.a.team, name="Boiler service", result_schema=schema)
    return job_for(world.a.engineer, world.a.team, today(), status=JobStatus.IN_PROGRESS, job_type=job_type,
                   started_at=timezone.now())  # fmt: skip


def photo(content: bytes | None = None, name: str = "flue.jpg") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, image_bytes("JPEG") if content is None else content, "image/jpeg")


def test_the_complete_form_offers_every_result_type_and_the_schemas_fields(world: World) -> None:
    job = in_progress(world)
    page = signed_in(world.a.engineer).get(f"/day/jobs/{job.pk}/")
    form = page.context["form"]
    assert [value for value, _ in form.fields["result_type"].choices] == list(ResultType.values)
    assert [spec.key for spec in form.result_specs] == ["pressureBar", "fault", "flueOk"], "required first"
    html = page.content.decode()
    assert "Pressure (bar) *" in html and 'inputmode="decimal"' in html
    assert "signature_pad.umd.min.js" in html and "<script>" not in html


def test_complete_saves_result_photos_and_signature_with_the_transition(world: World) -> None:
    job = in_progress(world)
    response = signed_in(world.a.engineer).post(f"/day/jobs/{job.pk}/complete/", {
        "result_type": "PARTIAL", "result_0": "1.4", "result_2": "true", "result_1": '"E119"',
        "notes": "Part ordered", "photos": [photo(), photo(image_bytes("PNG"), "meter.png")],
        "signer_name": "Dana Whitfield", "signature_png": "data:image/png;base64," + signature_png_base64(),
    })  # fmt: skip
    assert response.status_code == 302, response.content.decode()[:2000]
    job.refresh_from_db()
    assert job.status == JobStatus.COMPLETED and job.result_type == ResultType.PARTIAL
    assert job.result == {"pressureBar": 1.4, "flueOk": True, "fault": "E119"} and job.notes == "Part ordered"
    photos = JobAttachment.objects.filter(job=job)
    assert photos.count() == 2 and all(p.at_completion and p.uploaded_by_user == world.a.engineer for p in photos)
    signature = JobSignature.objects.get(job=job)
    assert signature.signer_name == "Dana Whitfield" and signature.signed_at == job.completed_at
    assert Event.objects.filter(type="job.completed").count() == 1
    shown = signed_in(world.a.engineer).get(f"/day/jobs/{job.pk}/").content.decode()
    assert "Partial" in shown and "Dana Whitfield" in shown and "/v1/job-attachments/" in shown
    assert "<dt>Pressure (bar)</dt><dd>1.4</dd>" in shown and "<dt>Flue ok</dt><dd>Yes</dd>" in shown


def test_every_problem_is_shown_at_once_and_nothing_is_saved(world: World) -> None:
    job = in_progress(world)
    response = signed_in(world.a.engineer).post(f"/day/jobs/{job.pk}/complete/", {
        "result_type": "SUCCESS", "result_0": "9", "result_1": '"E119"',
        "photos": [photo(), photo(b"GIF89a" + b"\x00" * 40, "animated.gif")], "signer_name": "Dana Whitfield",
    })  # fmt: skip
    assert response.status_code == 400
    form = response.context["form"]
    assert form.errors["result_0"] == ["Ensure this value is less than or equal to 5."]
    assert form.errors["signature_png"] == ["Ask the customer to sign in the box, or clear the name."]
    assert form.photo_errors == ["Photo 2 (animated.gif): The file is not a JPEG, PNG, WebP or HEIC image."]
    html = response.content.decode()
    assert "Nothing was saved." in html and "choose the photos again" in html
    job.refresh_from_db()
    assert job.status == JobStatus.IN_PROGRESS and job.result is None
    assert not JobAttachment.objects.exists() and not JobSignature.objects.exists() and stored_files() == []


def test_a_reading_the_schema_requires_is_needed_unless_there_was_no_access(world: World) -> None:
    job = in_progress(world)
    client = signed_in(world.a.engineer)
    missing = client.post(f"/day/jobs/{job.pk}/complete/", {"result_type": "SUCCESS"})
    assert missing.status_code == 400
    assert missing.context["form"].errors["result_0"] == ["'pressureBar' is a required property"]
    assert client.post(f"/day/jobs/{job.pk}/complete/", {}).context["form"].errors["result_type"]
    no_access = client.post(f"/day/jobs/{job.pk}/complete/", {"result_type": "NO_ACCESS", "notes": "Nobody home"})
    assert no_access.status_code == 302
    job.refresh_from_db()
    assert (job.status, job.result_type, job.result) == (JobStatus.COMPLETED, "NO_ACCESS", None)


def test_the_advanced_json_replaces_the_fields(world: World) -> None:
    job = in_progress(world)
    client = signed_in(world.a.engineer)
    broken = client.post(f"/day/jobs/{job.pk}/complete/", {"result_type": "SUCCESS", "result_json": "{nope"})
    assert broken.status_code == 400 and broken.context["form"].errors["result_json"] == ["This is not valid JSON."]
    wrong = client.post(
        f"/day/jobs/{job.pk}/complete/", {"result_type": "SUCCESS", "result_json": '{"pressureBar": "x"}'}
    )
    assert wrong.status_code == 400 and wrong.context["form"].errors["result_json"] == ["'x' is not of type 'number'"]
    body = {"result_type": "SUCCESS", "result_0": "3", "result_json": '{"pressureBar": 2, "extra": [1]}'}
    done = client.post(f"/day/jobs/{job.pk}/complete/", body)
    assert done.status_code == 302
    job.refresh_from_db()
    assert job.result == {"pressureBar": 2, "extra": [1]}


def test_a_schema_the_form_cannot_draw_leaves_the_json_box_open(world: World) -> None:
    nested = {"type": "object", "properties": {"readings": {"type": "array", "items": {"type": "number"}}}}
    job = in_progress(world, schema=nested)
    page = signed_in(world.a.engineer).get(f"/day/jobs/{job.pk}/")
    assert page.context["form"].result_specs == [] and page.context["form"].advanced_open
    assert "cannot draw" in page.content.decode()


def test_too_many_photos_are_refused(world: World) -> None:
    job = in_progress(world, schema=None)
    photos = [photo() for _ in range(11)]
    response = signed_in(world.a.engineer).post(f"/day/jobs/{job.pk}/complete/", {"result_type": "SUCCESS",
                                                                                    "photos": photos})  # fmt: skip
    assert response.status_code == 400 and response.context["form"].photo_errors == ["Choose at most 10 photos."]
    assert not JobAttachment.objects.exists()


def test_a_job_no_longer_in_progress_is_not_completed(world: World) -> None:
    job = job_for(world.a.engineer, world.a.team, today())
    response = signed_in(world.a.engineer).post(f"/day/jobs/{job.pk}/complete/", {"result_type": "SUCCESS"})
    assert response.status_code == 302
    job.refresh_from_db()
    assert job.status == JobStatus.ASSIGNED


def test_a_refusal_inside_the_transaction_leaves_no_rows_and_no_files(world: World, monkeypatch: Any) -> None:
    from core.exceptions import StateConflictError
    from jobs import completion

    def refuse(**kwargs: Any) -> Job:
        raise StateConflictError("Cannot complete a job that is CANCELLED.", "status")

    monkeypatch.setattr(completion, "complete_job", refuse)
    job = in_progress(world, schema=None)
    response = signed_in(world.a.engineer).post(f"/day/jobs/{job.pk}/complete/", {"result_type": "SUCCESS",
                                                                                    "photos": [photo()]})  # fmt: skip
    assert response.status_code == 302
    assert not JobAttachment.objects.exists() and stored_files() == []


@pytest.mark.parametrize("role", [Role.ENGINEER, Role.DISPATCHER, Role.FINANCE])
def test_the_top_bars_link_my_day_for_whoever_does_jobs(world: World, role: str) -> None:
    from tests.admin.conftest import staff_client

    client = staff_client(person(world, role))
    link = 'href="/day/">My day</a>'
    assert (link in client.get("/settings/", follow=True).content.decode()) == (role != Role.FINANCE)
    assert (link in client.get("/admin/jobs/job/").content.decode()) == (role != Role.FINANCE)
