"""The dispatch board: the team's week, a row per engineer, and moving a job (engineer, day, window).

Dispatchers, owners and admins (who may change the team's jobs) use it; engineers and finance get
the styled 403. Moves are one form, posted by drag-and-drop (`static/js/board.js`) or by the quick
form on each card, and go through `assign_job` and `reschedule_job` in one transaction: the job's
timeline, its events and webhooks are exactly those of `POST /v1/jobs/{id}/assign` and `/reschedule`.
"""

from __future__ import annotations

import datetime as dt
import uuid
import zoneinfo
from typing import Any
from urllib.parse import urlencode, urlsplit

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import HttpRequest, HttpResponse, QueryDict
from django.middleware.csrf import get_token
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html_join
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from accounts.models import Actor, User
from accounts.roles import team_permissions
from accounts.team_context import TeamContext, team_context
from core.exceptions import DomainError, InvalidInputError
from core.timerange import team_zone
from jobs.board.forms import BoardFilterForm, MoveForm
from jobs.board.grid import DAYS_IN_WEEK, UNASSIGNED, BoardJob, build_week, monday_of
from jobs.board.render import RowsHtml
from jobs.models import Job
from jobs.selectors import board_jobs_for, jobs_for, team_engineers
from jobs.services import assign_job, reschedule_job

# Who may dispatch: whoever may change the team's jobs (owners, admins, dispatchers; not engineers,
# who change only their own, nor finance, who only read).
BOARD_PERMISSION = "jobs.change_job"
FILTERS = ("type", "project", "client")


def may_dispatch(request: HttpRequest) -> bool:
    """Whether the signed-in person may use the board in the team they are working in."""
    return bool(request.user.is_authenticated and team_permissions(request).has_here(BOARD_PERMISSION))


def _dispatching(request: HttpRequest) -> TeamContext:
    ctx = team_context(request)
    if not team_permissions(request).has(ctx.team.pk, BOARD_PERMISSION):
        raise PermissionDenied("The dispatch board is for your team's dispatchers, owners and admins.")
    return ctx


@never_cache
@login_required
@require_GET
def board(request: HttpRequest) -> HttpResponse:
    """The week (`?week=` any day of it, else this week) with the chosen filters."""
    return _board_page(request, _dispatching(request), request.GET)


def _board_page(request: HttpRequest, ctx: TeamContext, params: QueryDict, status: int = 200) -> HttpResponse:
    zone = team_zone(ctx.team)
    today = timezone.now().astimezone(zone).date()
    form = BoardFilterForm(params, team=ctx.team)
    context: dict[str, Any] = {"ctx": ctx, "form": form, "zone": zone, "today": today, "week": None,
                               "filter_options": _filter_options(form)}  # fmt: skip
    if not form.is_valid():
        context["filter_error"] = form.errors_text()
        return render(request, "jobs/board.html", context, status=400)
    chosen = form.cleaned_data
    monday = monday_of(chosen["week"] or today)
    rows = board_jobs_for(team=ctx.team, first_day=monday, last_day=monday + dt.timedelta(days=DAYS_IN_WEEK - 1),
                          job_type=chosen["type"], project=chosen["project"], client=chosen["client"])  # fmt: skip
    engineers = list(team_engineers(team=ctx.team))
    jobs = (BoardJob(*row) for row in rows)
    week = build_week(monday=monday, today=today, zone=zone, engineers=engineers, jobs=jobs)
    filters = {name: str(chosen[name].pk) for name in FILTERS if chosen[name] is not None}
    board_url = reverse("dispatch-board")
    here = f"{board_url}?{urlencode({'week': monday.isoformat(), **filters})}"
    context.update(
        week=week,
        filtered=bool(filters),
        here=here,
        board_url=board_url,
        admin_jobs_url=reverse("admin:jobs_job_changelist"),
        week_urls={
            "previous": f"{board_url}?{urlencode({'week': week.previous.isoformat(), **filters})}",
            "this": f"{board_url}?{urlencode(filters)}" if filters else board_url,
            "next": f"{board_url}?{urlencode({'week': week.next.isoformat(), **filters})}",
        },
    )
    context["board_rows"] = RowsHtml(
        board_url=board_url, admin_jobs_url=context["admin_jobs_url"], here=here, csrf_token=get_token(request),
        engineer_options=_options(engineers),
    ).week(week)  # fmt: skip
    return render(request, "jobs/board.html", context, status=status)


def _filter_options(form: BoardFilterForm) -> dict[str, str]:
    """Each filter's `<option>`s, the chosen one selected (built here: Django's select widget renders a
    template per option, which a team's hundreds of clients make slow)."""
    options: dict[str, str] = {}
    for name in FILTERS:
        chosen = str(form.data.get(name, ""))
        rows = form.fields[name].queryset  # type: ignore[attr-defined]
        choices = ((row.pk, " selected" if str(row.pk) == chosen else "", row) for row in rows)
        options[name] = format_html_join("", '<option value="{}"{}>{}</option>', choices)
    return options


def _options(engineers: list[User]) -> str:
    """The engineers as `<option>`s, rendered once for every card's quick form."""
    return format_html_join("", '<option value="{}">{}</option>', ((p.pk, str(p)) for p in engineers))


def _back(request: HttpRequest) -> str:
    """The board page the move came from (its week and filters); only ever a board URL."""
    target = request.POST.get("next", "")
    board_url = reverse("dispatch-board")
    return target if target.startswith(board_url) and "//" not in target and "\\" not in target else board_url


@never_cache
@login_required
@require_POST
def move(request: HttpRequest, job_id: uuid.UUID) -> HttpResponse:
    """Assign and/or reschedule one job of the team; a refusal changes nothing and is shown on the board."""
    ctx = _dispatching(request)
    job = get_object_or_404(jobs_for(team=ctx.team, with_related=False, with_events=False)
                            .select_related("team", "job_type", "client"), pk=job_id)  # fmt: skip
    back = _back(request)
    label = f"{job.job_type.name}{f' for {job.client.name}' if job.client else ''}"
    form = MoveForm(request.POST, team=ctx.team)
    if not form.is_valid():
        messages.error(request, f"{label} was not changed: {form.errors_text()}")
        return _board_page(request, ctx, QueryDict(urlsplit(back).query), status=400)
    try:
        done = _move(job, Actor(user=request.user), form, team_zone(ctx.team))  # type: ignore[arg-type]
    except DomainError as exc:
        messages.error(request, f"{label} was not changed: {exc}")
        return _board_page(request, ctx, QueryDict(urlsplit(back).query), status=exc.status_code)
    messages.success(request, f"{label}: {'; '.join(done)}." if done else f"{label}: nothing to change.")
    return redirect(f"{back}#job-{job.pk}")


def _move(job: Job, actor: Actor, form: MoveForm, zone: zoneinfo.ZoneInfo) -> list[str]:
    """Apply the form through the services, both or neither (one transaction); what was done, in words."""
    engineer = form.cleaned_data["engineer"]
    day: dt.date = form.cleaned_data["date"]
    start, end = form.window(zone)
    done = []
    with transaction.atomic():
        if engineer == UNASSIGNED:
            if job.assigned_to_id is not None:
                raise InvalidInputError("A job cannot be unassigned: assign someone else or cancel it.", "engineerId")
        elif engineer is not None and engineer.pk != job.assigned_to_id:
            assign_job(job=job, actor=actor, engineer=engineer)
            done.append(f"assigned to {engineer}")
        if (day, start, end) != (job.scheduled_date, job.scheduled_start, job.scheduled_end):
            reschedule_job(job=job, actor=actor, scheduled_date=day, scheduled_start=start, scheduled_end=end)
            window = f" {start:%H:%M}–{end:%H:%M}" if start and end else ""
            done.append(f"scheduled for {day:%a %-d %b}{window}")
    return done
