"""My day and the engineer's job page: the signed-in person's own jobs, phone first.

- My day lists the jobs assigned to the signed-in person in their current team for today and the next
  7 days (`?from=` moves the window), in time order and grouped by day, with what is needed on site;
  open jobs from earlier days (or with no day) come first. At most `DAY_LIMIT` jobs a page.
- The job page shows one of *their own* jobs (anyone else's is a 404) with Start and Complete.
- Whoever does the team's jobs may use them: engineers (rights on their assigned jobs) and owners,
  admins and dispatchers (rights on every job) for the jobs assigned to themselves. Finance, and
  people of no team, get the styled 403.
Start goes through `start_job`; Complete through `jobs.completion.complete_on_site` (photos,
signature and the transition in one transaction, via `add_attachment` and `complete_job`).
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from accounts.models import Actor
from accounts.roles import team_permissions
from accounts.team_context import TeamContext, team_context
from core.exceptions import DomainError
from core.timerange import team_zone
from jobs.attachments import MAX_PHOTO_BYTES, SignatureInput, signed_link
from jobs.completion import MAX_PHOTOS_PER_COMPLETION, PhotoUpload, complete_on_site, completion_issues
from jobs.field.forms import CompleteForm
from jobs.field.present import card_of, days_of, value_rows
from jobs.models import Job, JobStatus, ResultType
from jobs.selectors import assigned_job, day_jobs_for, open_jobs_before
from jobs.services import start_job

DAYS_SHOWN = 8  # today and the next 7
DAY_LIMIT = 100  # jobs on one page of My day
OPEN_LIMIT = 20  # open jobs from earlier days shown above today
# Rights on one's assigned jobs (engineers) or on all the team's jobs (owners, admins, dispatchers).
WORK_PERMISSIONS = ("jobs.change_assigned_job", "jobs.change_job")


def may_work(request: HttpRequest) -> bool:
    """Whether the signed-in person does jobs in the team they are working in (My day is for them)."""
    rights = team_permissions(request)
    return bool(request.user.is_authenticated and any(rights.has_here(perm) for perm in WORK_PERMISSIONS))


def _working(request: HttpRequest) -> TeamContext:
    ctx = team_context(request)
    rights = team_permissions(request)
    if not any(rights.has(ctx.team.pk, perm) for perm in WORK_PERMISSIONS):
        raise PermissionDenied("My day is for the people who do the team's jobs.")
    return ctx


def _own_job(request: HttpRequest, ctx: TeamContext, job_id: uuid.UUID) -> Job:
    job = assigned_job(team=ctx.team, user=request.user, job_id=job_id)  # type: ignore[arg-type]
    if job is None:
        raise Http404("No job of yours has this id.")
    return job


@never_cache
@login_required
@require_GET
def my_day(request: HttpRequest) -> HttpResponse:
    """Today and the next 7 days (or the 8 days from `?from=YYYY-MM-DD`)."""
    ctx = _working(request)
    zone = team_zone(ctx.team)
    today = timezone.now().astimezone(zone).date()
    first_day, error = today, ""
    if request.GET.get("from"):
        try:
            first_day = dt.date.fromisoformat(request.GET["from"])
        except ValueError:
            error = "Give the first day as YYYY-MM-DD."
        else:
            if not dt.date(2000, 1, 1) <= first_day <= dt.date(2100, 12, 31):
                first_day, error = today, "Choose a day between 2000 and 2100."
    if error:
        refused = {"ctx": ctx, "error": error, "today": today, "days": [], "zone": zone}
        return render(request, "jobs/field/my_day.html", refused, status=400)
    last_day = first_day + dt.timedelta(days=DAYS_SHOWN - 1)
    user = request.user
    jobs = day_jobs_for(team=ctx.team, user=user, first_day=first_day, last_day=last_day, limit=DAY_LIMIT + 1)  # type: ignore[arg-type]
    earlier = open_jobs_before(team=ctx.team, user=user, day=today, limit=OPEN_LIMIT + 1) if first_day == today else []  # type: ignore[arg-type]
    here = reverse("my-day")
    # Past the limit, the next page starts on the last day shown (that day's jobs are shown again).
    last_shown = jobs[DAY_LIMIT - 1].scheduled_date if len(jobs) > DAY_LIMIT else None
    more_from = last_shown if last_shown is not None and last_shown > first_day else last_day + dt.timedelta(days=1)
    context: dict[str, Any] = {
        "ctx": ctx,
        "zone": zone,
        "today": today,
        "first_day": first_day,
        "last_day": last_day,
        "days": days_of(jobs[:DAY_LIMIT], first_day=first_day, last_day=last_day, today=today, zone=zone),
        "more": len(jobs) > DAY_LIMIT,
        "more_url": f"{here}?from={more_from.isoformat()}",
        "day_limit": DAY_LIMIT,
        "earlier": [card_of(job, zone) for job in earlier[:OPEN_LIMIT]],
        "more_earlier": len(earlier) > OPEN_LIMIT,
        "is_this_week": first_day == today,
        "previous_url": f"{here}?from={(first_day - dt.timedelta(days=DAYS_SHOWN)).isoformat()}",
        "next_url": f"{here}?from={(last_day + dt.timedelta(days=1)).isoformat()}",
        "today_url": here,
    }
    return render(request, "jobs/field/my_day.html", context)


def _job_page(request: HttpRequest, ctx: TeamContext, job: Job, form: CompleteForm | None, status: int = 200,
              photos_lost: int = 0) -> HttpResponse:  # fmt: skip
    zone = team_zone(ctx.team)
    if form is None and job.status == JobStatus.IN_PROGRESS:
        form = CompleteForm(initial={"notes": job.notes}, result_schema=job.job_type.result_schema)
    photos = [
        {
            "caption": photo.caption or photo.original_name or "Photo",
            "url": signed_link("job-attachment-file", photo.pk, photo.file.name or "")["url"],
            "thumbnail": signed_link("job-attachment-file", photo.pk, photo.thumbnail.name or "")["url"]
            if photo.thumbnail
            else "",
        }
        for photo in job.attachments.all()
    ]
    signature = getattr(job, "signature", None)
    context = {
        "ctx": ctx,
        "card": card_of(job, zone),
        "job": job,
        "zone": zone,
        "form": form,
        "photos": photos,
        "signature": signature,
        "signature_url": signed_link("job-signature-image", signature.pk, signature.image.name or "")["url"]
        if signature is not None
        else "",
        "result_items": value_rows(job.job_type.result_schema, job.result),
        "payload_items": value_rows(job.job_type.payload_schema, job.payload),
        # Before the work starts the job's notes are the booking's; from then on the engineer's.
        "booking_notes": job.notes if job.status in (JobStatus.PENDING, JobStatus.ASSIGNED) else "",
        "max_photos": MAX_PHOTOS_PER_COMPLETION,
        "max_photo_mib": MAX_PHOTO_BYTES // (1024 * 1024),
        "photos_lost": photos_lost,
        "can_start": job.status == JobStatus.ASSIGNED,
    }
    return render(request, "jobs/field/job.html", context, status=status)


@never_cache
@login_required
@require_GET
def job_page(request: HttpRequest, job_id: uuid.UUID) -> HttpResponse:
    ctx = _working(request)
    return _job_page(request, ctx, _own_job(request, ctx, job_id), None)


def _actor(request: HttpRequest) -> Actor:
    return Actor(user=request.user)  # type: ignore[arg-type]


@never_cache
@login_required
@require_POST
def start(request: HttpRequest, job_id: uuid.UUID) -> HttpResponse:
    ctx = _working(request)
    job = _own_job(request, ctx, job_id)
    try:
        start_job(job=job, actor=_actor(request))
    except DomainError as exc:
        messages.error(request, f"The job was not started: {exc}")
    else:
        messages.success(request, "Job started. Complete it here when you are done.")
    return redirect("my-day-job", job_id=job.pk)


@never_cache
@login_required
@require_POST
def complete(request: HttpRequest, job_id: uuid.UUID) -> HttpResponse:
    """Everything from the form at once; every problem shown together, nothing saved on any."""
    ctx = _working(request)
    job = _own_job(request, ctx, job_id)
    if job.status != JobStatus.IN_PROGRESS:
        messages.error(request, f"This job is {job.get_status_display().lower()}: it cannot be completed now.")
        return redirect("my-day-job", job_id=job.pk)
    form = CompleteForm(request.POST, result_schema=job.job_type.result_schema)
    form.is_valid()
    uploads = [upload for upload in request.FILES.getlist("photos") if upload.size]
    photos: list[PhotoUpload] = []
    if len(uploads) > MAX_PHOTOS_PER_COMPLETION:
        form.photo_errors.append(f"Choose at most {MAX_PHOTOS_PER_COMPLETION} photos.")
    else:
        photos = [PhotoUpload(content=u.read(MAX_PHOTO_BYTES + 1), filename=(u.name or "")[:255]) for u in uploads]
    data = form.cleaned_data
    signature = None
    if data.get("signature_png"):
        signature = SignatureInput(signer_name=data.get("signer_name") or "", image_png=data["signature_png"])
    elif data.get("signer_name"):
        form.add_error("signature_png", "Ask the customer to sign in the box, or clear the name.")
    result_type, result = data.get("result_type"), form.result()
    issues = completion_issues(job=job, result_type=result_type, result=result, photos=photos, signature=signature)
    if "result_json" in form.errors:  # the raw result could not be read: nothing to check it against
        issues = [(path, message) for path, message in issues if not path.startswith("result")]
    form.add_issues(issues, photo_names=[photo.filename for photo in photos])
    if form.errors or form.photo_errors:
        return _job_page(request, ctx, job, form, status=400, photos_lost=len(uploads))
    try:
        done = complete_on_site(
            job=job, actor=_actor(request), result_type=ResultType(result_type or ""), result=result,
            notes=data.get("notes", ""), photos=photos, signature=signature,
        )  # fmt: skip
    except DomainError as exc:
        if exc.status_code == 409:
            messages.error(request, f"The job was not completed: {exc}")
            return redirect("my-day-job", job_id=job.pk)
        form.add_issues(exc.issues, photo_names=[photo.filename for photo in photos])
        return _job_page(request, ctx, job, form, status=exc.status_code, photos_lost=len(uploads))
    messages.success(request, f"Job completed: {done.get_result_type_display()}.")
    return redirect("my-day-job", job_id=job.pk)
