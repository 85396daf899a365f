"""The dispatch board: the team's week, a row per engineer, and moving a job (engineer, day, window).

Dispatchers, owners and admins (who may change the team's jobs) use it; engineers and finance get
the styled 403. A card opens the job's page (`move` on GET: its essentials and the move form); jobs
without a day are in the Unscheduled tray (and `unscheduled`, all of them). Moves are one form,
posted by drag-and-drop (`static/js/board.js`) or from the job's page, and go through `assign_job`
and `reschedule_job` in one transaction: the job's timeline, its events and webhooks are exactly
those of `POST /v1/jobs/{id}/assign` and `/reschedule`.
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
from django.http import Http404, HttpRequest, HttpResponse, QueryDict
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html_join
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods

from accounts.models import Actor
from accounts.roles import team_permissions
from accounts.team_context import TeamContext, team_context
from core.admin import permitted_team_ids
from core.exceptions import DomainError, InvalidInputError
from core.timerange import team_zone
from jobs.board.forms import BoardFilterForm, MoveForm
from jobs.board.grid import DAYS_IN_WEEK, UNASSIGNED, BoardJob, build_tray, build_week, monday_of
from jobs.board.render import RowsHtml
from jobs.field.present import card_of
from jobs.models import Job, JobStatus
from jobs.selectors import board_jobs_for, jobs_for, team_engineers, unscheduled_board_jobs_for
from jobs.services import RESCHEDULABLE, assign_job, reschedule_job

# Who may dispatch: whoever may change the team's jobs (owners, admins, dispatchers; not engineers,
# who change only their own, nor finance, who only read).
BOARD_PERMISSION = "jobs.change_job"
FILTERS = ("type", "project", "client")
TRAY_LIMIT = 50  # unscheduled jobs shown in the tray; all of them are on /board/unscheduled/
UNSCHEDULED_PAGE = 100


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
    tray = build_tray(rows=unscheduled_board_jobs_for(team=ctx.team, limit=TRAY_LIMIT, job_type=chosen["type"],
                                                      project=chosen["project"], client=chosen["client"]),
                      zone=zone)  # fmt: skip
    filters = {name: str(chosen[name].pk) for name in FILTERS if chosen[name] is not None}
    board_url = reverse("dispatch-board")
    query = urlencode({"week": monday.isoformat(), **filters})
    here = f"{board_url}?{query}"
    context.update(
        week=week,
        tray=tray,
        query=query,
        filtered=bool(filters),
        here=here,
        board_url=board_url,
        week_urls={
            "previous": f"{board_url}?{urlencode({'week': week.previous.isoformat(), **filters})}",
            "this": f"{board_url}?{urlencode(filters)}" if filters else board_url,
            "next": f"{board_url}?{urlencode({'week': week.next.isoformat(), **filters})}",
        },
    )
    cards = RowsHtml(board_url=board_url, query=query)
    context["board_rows"], context["tray_cards"] = cards.week(week), cards.tray(tray)
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


def _back(request: HttpRequest) -> str:
    """The board page the move came from (its week and filters); only ever a board URL."""
    target = request.POST.get("next", "")
    board_url = reverse("dispatch-board")
    return target if target.startswith(board_url) and "//" not in target and "\\" not in target else board_url


def _board_query(params: QueryDict) -> str:
    """The board's own parameters (week and filters) of a request, nothing else, as a query string."""
    return urlencode({name: params[name] for name in ("week", *FILTERS) if params.get(name)})


def _the_job(ctx: TeamContext, job_id: uuid.UUID) -> Job:
    """One of the team's jobs with what its page shows (another team's, or no such job: a 404)."""
    related = ("team", "job_type", "client", "site", "asset", "project", "assigned_to")
    return get_object_or_404(jobs_for(team=ctx.team, with_related=False, with_events=False).select_related(*related),
                             pk=job_id)  # fmt: skip


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def move(request: HttpRequest, job_id: uuid.UUID) -> HttpResponse:
    """GET: the job's page (its essentials and the move form). POST: assign and/or reschedule it; a
    refusal changes nothing and is shown on the page the move came from (the board, or this page)."""
    ctx = _dispatching(request)
    job = _the_job(ctx, job_id)
    if request.method == "GET":
        back = reverse("dispatch-board")
        query = _board_query(request.GET)
        back = f"{back}?{query}" if query else back
        return _job_page(request, ctx, job, _initial_form(job, ctx), back)
    back = _back(request)
    label = f"{job.job_type.name}{f' for {job.client.name}' if job.client else ''}"
    form = MoveForm(request.POST, team=ctx.team)
    from_page = request.POST.get("from") == "job"
    try:
        if not form.is_valid():
            raise InvalidInputError(form.errors_text())
        done = _move(job, Actor(user=request.user), form, team_zone(ctx.team))  # type: ignore[arg-type]
    except DomainError as exc:
        messages.error(request, f"{label} was not changed: {exc}")
        if from_page:
            return _job_page(request, ctx, _the_job(ctx, job_id), form, back, status=exc.status_code)
        return _board_page(request, ctx, QueryDict(urlsplit(back).query), status=exc.status_code)
    messages.success(request, f"{label}: {'; '.join(done)}." if done else f"{label}: nothing to change.")
    return redirect(f"{back}#job-{job.pk}")


def _initial_form(job: Job, ctx: TeamContext) -> MoveForm:
    zone = team_zone(ctx.team)
    window = (job.scheduled_start, job.scheduled_end)
    start, end = (timezone.localtime(at, zone).strftime("%H:%M") if at else "" for at in window)
    day = job.scheduled_date.isoformat() if job.scheduled_date else ""
    return MoveForm(initial={"date": day, "start": start, "end": end}, team=ctx.team)


def _job_page(request: HttpRequest, ctx: TeamContext, job: Job, form: MoveForm, back: str,
              status: int = 200) -> HttpResponse:  # fmt: skip
    """The job as a dispatcher needs it (client, site, contact, notes, status, window, assignee) and,
    while it is still to do, the move form; the admin's page is linked only for those with access."""
    zone = team_zone(ctx.team)
    admin_url = ""
    if request.user.is_superuser or ctx.team.pk in permitted_team_ids(request, Job, "view"):
        admin_url = reverse("admin:jobs_job_change", args=[job.pk])
    movable = job.status in RESCHEDULABLE
    assignable = job.status in (JobStatus.PENDING, JobStatus.ASSIGNED)
    engineers = list(team_engineers(team=ctx.team)) if movable and assignable else []
    chosen = str(form.data.get("engineer", "")) if form.is_bound else ""
    context = {"ctx": ctx, "job": job, "card": card_of(job, zone), "zone": zone, "form": form, "back": back,
               "admin_url": admin_url, "movable": movable, "assignable": assignable, "engineers": engineers,
               "chosen_engineer": chosen}  # fmt: skip
    return render(request, "jobs/board_job.html", context, status=status)


@never_cache
@login_required
@require_GET
def unscheduled(request: HttpRequest) -> HttpResponse:
    """Every job still to dispatch that has no day, `UNSCHEDULED_PAGE` a page (the tray shows the first),
    with the board's filters; the cards' links and the way back keep the board's week and filters."""
    ctx = _dispatching(request)
    form = BoardFilterForm(request.GET, team=ctx.team)
    try:
        page = int(request.GET.get("page", "1"))
    except ValueError:
        page = 0
    if not form.is_valid() or not 1 <= page <= 10_000:
        error = form.errors_text() if form.errors else "Give the page as a number from 1."
        return render(request, "jobs/board_unscheduled.html", {"error": error}, status=400)
    chosen = form.cleaned_data
    rows = unscheduled_board_jobs_for(team=ctx.team, limit=page * UNSCHEDULED_PAGE, job_type=chosen["type"],
                                      project=chosen["project"], client=chosen["client"])  # fmt: skip
    tray = build_tray(rows=rows[(page - 1) * UNSCHEDULED_PAGE :], zone=team_zone(ctx.team))
    if page > 1 and not tray.cards:
        raise Http404("No such page.")
    board_url, query = reverse("dispatch-board"), _board_query(request.GET)
    shown_to = (page - 1) * UNSCHEDULED_PAGE + len(tray.cards)
    context = {"ctx": ctx, "tray": tray, "page": page, "first": (page - 1) * UNSCHEDULED_PAGE + 1,
               "last": shown_to, "has_next": shown_to < tray.total, "query": f"{query}&" if query else "",
               "back": f"{board_url}?{query}" if query else board_url,
               "cards": RowsHtml(board_url=board_url, query=query).tray(tray)}  # fmt: skip
    return render(request, "jobs/board_unscheduled.html", context)


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
