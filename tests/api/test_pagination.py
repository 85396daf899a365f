"""Keyset pagination: complete and duplicate-free while rows are inserted; tokens are tamper-proof."""

from __future__ import annotations

import datetime as dt

from django.core import signing
from django.test import override_settings
from django.utils import timezone

from core.api.pagination import CURSOR_SALT, sign_cursor
from jobs.models import Job
from tests.conftest import World
from tests.factories import JobFactory, JobTypeFactory


def make_jobs(world: World, count: int, **fields: object) -> list[Job]:
    job_type = JobTypeFactory(team=world.a.team)
    return [JobFactory(team=world.a.team, job_type=job_type, **fields) for _ in range(count)]


def walk(world: World, query: dict[str, object], on_page: object = None) -> list[str]:
    seen: list[str] = []
    key = None
    for _ in range(100):
        params = {**query, **({"lastEvaluatedKey": key} if key else {})}
        response = world.api.get("/v1/jobs", params)
        assert response.status_code == 200, response
        seen += [row["id"] for row in response.data]
        key = response.json["lastEvaluatedKey"]
        if on_page:
            on_page()  # type: ignore[operator]
        if key is None:
            return seen
    raise AssertionError("pagination did not end")


def test_pages_are_complete_and_duplicate_free_while_rows_are_inserted(world: World) -> None:
    originals = make_jobs(world, 23)
    job_type = originals[0].job_type
    seen = walk(world, {"limit": 5}, on_page=lambda: JobFactory(team=world.a.team, job_type=job_type))
    assert len(seen) == len(set(seen)), "no duplicates"
    assert {str(j.pk) for j in originals} <= set(seen), "every row that existed at the start is returned"


def test_ties_on_the_sort_value_are_broken_by_id(world: World) -> None:
    moment = timezone.now()
    jobs = make_jobs(world, 7)
    Job.objects.filter(pk__in=[j.pk for j in jobs]).update(created_at=moment)
    seen = walk(world, {"limit": 2, "sortOrder": "asc"})
    assert seen == sorted(str(j.pk) for j in jobs)


def test_sort_by_scheduled_date_with_unscheduled_rows(world: World) -> None:
    jobs = make_jobs(world, 3) + make_jobs(world, 3, scheduled_date=dt.date(2026, 3, 15))
    Job.objects.filter(pk=jobs[-1].pk).update(scheduled_date=dt.date(2026, 1, 1))
    seen = walk(world, {"limit": 2, "sortBy": "scheduledDate", "sortOrder": "desc"})
    assert len(seen) == 6 == len(set(seen))
    dates = [Job.objects.get(pk=pk).scheduled_date for pk in seen]
    assert dates[:3] == [dt.date(2026, 3, 15), dt.date(2026, 3, 15), dt.date(2026, 1, 1)]
    assert dates[3:] == [None, None, None], "unscheduled jobs come last when descending"


def test_tampered_token_is_400(world: World) -> None:
    make_jobs(world, 3)
    key = world.api.get("/v1/jobs", {"limit": 1}).json["lastEvaluatedKey"]
    tampered = key[:-2] + ("AA" if not key.endswith("AA") else "BB")
    response = world.api.get("/v1/jobs", {"limit": 1, "lastEvaluatedKey": tampered})
    assert response.status_code == 400 and response.issue_paths == ["lastEvaluatedKey"]


def test_token_of_another_sort_is_400(world: World) -> None:
    make_jobs(world, 3)
    key = world.api.get("/v1/jobs", {"limit": 1, "sortBy": "updatedAt"}).json["lastEvaluatedKey"]
    response = world.api.get("/v1/jobs", {"limit": 1, "lastEvaluatedKey": key})
    assert response.status_code == 400 and "another sort" in response.issues[0]["message"]


def test_signed_token_with_garbage_values_is_400_not_500(world: World) -> None:
    for forged in (
        sign_cursor(["createdAt", "desc", "not a date", "x"]),
        sign_cursor(["createdAt", "desc"]),  # too few fields
        sign_cursor({"s": "createdAt"}),  # not a list
        signing.dumps({"s": "createdAt", "o": "desc", "v": "not a date", "i": "x"}, salt=CURSOR_SALT),
        "no-dot-at-all",
        "é.é",
        "e30.",  # `{}` with no signature
    ):
        response = world.api.get("/v1/jobs", {"lastEvaluatedKey": forged})
        assert response.status_code == 400 and response.issue_paths == ["lastEvaluatedKey"], forged


def test_a_token_issued_before_the_compact_format_still_reads_the_next_page(world: World) -> None:
    """Cursors were Django `signing` tokens; one a client holds across the deploy still pages on."""
    jobs = make_jobs(world, 3)
    first = world.api.get("/v1/jobs", {"limit": 1})
    newest = Job.objects.get(pk=first.data[0]["id"])
    old = signing.dumps(
        {"s": "createdAt", "o": "desc", "v": newest.created_at.isoformat(), "i": str(newest.pk)},
        salt=CURSOR_SALT,
        compress=True,
    )
    second = world.api.get("/v1/jobs", {"limit": 1, "lastEvaluatedKey": old})
    assert second.status_code == 200, second
    assert second.data[0]["id"] == world.api.get("/v1/jobs", {"limit": 2}).data[1]["id"] != str(newest.pk)
    assert {row["id"] for row in second.data} <= {str(job.pk) for job in jobs}


def test_a_token_signed_before_a_secret_key_rotation_still_reads(world: World) -> None:
    make_jobs(world, 3)
    with override_settings(SECRET_KEY="the-old-secret-" * 4):
        key = world.api.get("/v1/jobs", {"limit": 1}).json["lastEvaluatedKey"]
    with override_settings(SECRET_KEY="the-new-secret-" * 4, SECRET_KEY_FALLBACKS=["the-old-secret-" * 4]):
        assert world.api.get("/v1/jobs", {"limit": 1, "lastEvaluatedKey": key}).status_code == 200
    with override_settings(SECRET_KEY="the-new-secret-" * 4, SECRET_KEY_FALLBACKS=[]):
        refused = world.api.get("/v1/jobs", {"limit": 1, "lastEvaluatedKey": key})
        assert refused.status_code == 400 and refused.issue_paths == ["lastEvaluatedKey"]


def test_filters_combine_with_pagination(world: World) -> None:
    make_jobs(world, 4, status="CANCELLED")
    make_jobs(world, 3)
    seen = walk(world, {"limit": 2, "status": "CANCELLED"})
    assert len(seen) == 4


def test_date_filters_are_inclusive_milliseconds(world: World) -> None:
    jobs = make_jobs(world, 3)
    moments = [timezone.now() - dt.timedelta(days=d) for d in (3, 2, 1)]
    for job, moment in zip(jobs, moments, strict=True):
        Job.objects.filter(pk=job.pk).update(created_at=moment)
    middle_ms = int(moments[1].timestamp() * 1000)
    response = world.api.get("/v1/jobs", {"dateFrom": middle_ms})
    assert len(response.data) == 2
    response = world.api.get("/v1/jobs", {"dateTo": int(moments[1].timestamp() * 1000) + 1})
    assert len(response.data) == 2
