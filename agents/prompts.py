"""MCP prompts: analysis templates that tell an agent which tools to use, and how, for common questions."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Annotated

from mcp.server import MCPServer
from pydantic import Field


def _millis(day: dt.date) -> int:
    return int(dt.datetime.combine(day, dt.time.min, tzinfo=dt.UTC).timestamp() * 1000)


def summarise_week(
    week_start: Annotated[str | None, Field(description="Monday of the week, YYYY-MM-DD; default this week.")] = None,
) -> str:
    """Summarise a week's jobs: volume, outcomes, what is stuck, and who did what."""
    today = dt.datetime.now(dt.UTC).date()
    start = dt.date.fromisoformat(week_start) if week_start else today - dt.timedelta(days=today.weekday())
    end = start + dt.timedelta(days=7)
    return (
        f"Summarise the team's jobs for the week {start.isoformat()} to {(end - dt.timedelta(days=1)).isoformat()}.\n"
        f"1. Call job_metrics with date_from={_millis(start)} and date_to={_millis(end) - 1} and interval=day.\n"
        f"2. Call list_jobs with the same date_from/date_to (limit 100; follow last_evaluated_key until it is null).\n"
        "3. Report: jobs created, completed (by result type), cancelled and still open; the busiest day; jobs\n"
        "   in progress or assigned for more than two days; each engineer's completed count. Keep it short,\n"
        "   use a table for counts, and name jobs by type and id."
    )


def overdue_work_for_site(site_id: Annotated[str, Field(description="The site's id.")]) -> str:
    """Find a site's overdue work: scheduled in the past but not completed or cancelled."""
    today = dt.datetime.now(dt.UTC).date().isoformat()
    return (
        f"Find overdue work at site {site_id} (today is {today}).\n"
        "1. Call get_site to name the site and its client.\n"
        f"2. Call list_jobs with site_id={site_id}, sort_by=scheduledDate, sort_order=asc, once for each status\n"
        "   PENDING, ASSIGNED and IN_PROGRESS (follow last_evaluated_key).\n"
        f"3. Overdue = scheduledDate before {today}. List them oldest first with type, status, engineer and days\n"
        "   overdue, then suggest next steps (assign an engineer, reschedule, or cancel with a reason). Do not\n"
        "   change anything unless asked."
    )


def draft_invoice_for_client(client_id: Annotated[str, Field(description="The client's id.")]) -> str:
    """Draft an invoice for a client's completed, not yet billed jobs."""
    return (
        f"Prepare a draft invoice for client {client_id}.\n"
        "1. Call get_client to confirm who it is.\n"
        "2. Call list_jobs with status=COMPLETED (follow last_evaluated_key) and keep the jobs whose clientId\n"
        f"   is {client_id}.\n"
        f"3. Call list_invoices with client_id={client_id} and get_invoice on each to leave out jobs already billed.\n"
        "4. Show the jobs you would bill and ask for confirmation; once confirmed, call draft_invoice with\n"
        f"   client_id={client_id} and job_ids=[...]. The draft stays a DRAFT: never finalize it yourself."
    )


PROMPTS: list[tuple[Callable[..., str], str]] = [
    (summarise_week, "Summarise this week's jobs"),
    (overdue_work_for_site, "Find overdue work for a site"),
    (draft_invoice_for_client, "Draft an invoice for a client's completed jobs"),
]


def register(server: MCPServer) -> None:
    for function, title in PROMPTS:
        server.prompt(title=title)(function)
