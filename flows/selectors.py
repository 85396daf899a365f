"""Reads for flows: the flow metrics (counts, send success rate, time to delivery, a time series)."""

from __future__ import annotations

import datetime as dt
import statistics
from dataclasses import dataclass
from typing import Any

from django.db.models import Count, Prefetch, QuerySet

from accounts.models import Team
from core.timerange import Interval, time_range
from flows.models import (
    AttemptOutcome,
    Flow,
    FlowAttempt,
    FlowGroup,
    FlowKind,
    FlowStage,
    FlowStatus,
    FlowTemplate,
)


def flow_templates_for(*, team: Team, job_type_id: Any = None) -> QuerySet[FlowTemplate]:
    """The team's flow templates (of one job type, if given)."""
    queryset = FlowTemplate.objects.for_team(team)
    return queryset if job_type_id is None else queryset.filter(job_type_id=job_type_id)


def flow_groups_for(*, team: Team) -> QuerySet[FlowGroup]:
    """The team's flow groups, each with its flows, ready to serialize in a constant number of queries."""
    return FlowGroup.objects.for_team(team).prefetch_related("flows")


def flows_for(*, team: Team, with_log: bool = True) -> QuerySet[Flow]:
    """The team's flows with their group; `with_log` loads each flow's delivery log in order."""
    queryset = Flow.objects.for_team(team).select_related("group")
    if with_log:
        queryset = queryset.prefetch_related(Prefetch("log", queryset=FlowAttempt.objects.order_by("started_at", "id")))
    return queryset


@dataclass(frozen=True)
class FlowMetrics:
    date_from: dt.datetime
    date_to: dt.datetime
    interval: str
    timezone: str
    total: int
    by_status: dict[str, int]
    by_kind: dict[str, int]
    send_attempts: int
    send_succeeded: int
    send_success_rate: float | None
    median_seconds_to_sent: float | None
    series: list[dict[str, Any]]


def flow_metrics(
    *,
    team: Team,
    date_from: dt.datetime | None = None,
    date_to: dt.datetime | None = None,
    interval: str = Interval.DAY,
    now: dt.datetime | None = None,
) -> FlowMetrics:
    """Metrics over the team's flows created in `date_from`..`date_to` (inclusive).

    The range's defaults, limits and buckets (in the team's timezone) are `core.timerange`'s, the same
    as the job metrics'. The send success rate counts finished delivery attempts (a retried failure
    counts as a failure); time to sent runs from the job's completion to the flow's latest delivery.
    """
    span = time_range(team=team, date_from=date_from, date_to=date_to, interval=interval, now=now)
    date_from, date_to = span.start, span.end
    flows = Flow.objects.filter(team=team, created_at__gte=date_from, created_at__lte=date_to).order_by()
    by_status = {status: 0 for status in FlowStatus.values}
    by_status.update(dict(flows.values_list("status").annotate(n=Count("id")).values_list("status", "n")))
    by_kind = {kind: 0 for kind in FlowKind.values}
    by_kind.update(dict(flows.values_list("kind").annotate(n=Count("id")).values_list("kind", "n")))

    sends = (
        FlowAttempt.objects.filter(flow__in=flows.values("pk"), stage=FlowStage.SEND)
        .exclude(outcome=AttemptOutcome.IN_PROGRESS)
        .order_by()
        .values_list("outcome")
        .annotate(n=Count("id"))
    )
    outcomes = dict(sends.values_list("outcome", "n"))
    send_attempts = sum(outcomes.values())
    send_succeeded = outcomes.get(AttemptOutcome.SUCCEEDED, 0)

    waits = [
        (sent_at - completed_at).total_seconds()
        for sent_at, completed_at in flows.filter(status=FlowStatus.SENT, sent_at__isnull=False).values_list(
            "sent_at", "group__job_completed_at"
        )
        if sent_at is not None
    ]

    buckets: dict[dt.date, dict[str, int]] = {
        start: {"created": 0, "sent": 0, "failed": 0} for start in span.bucket_starts()
    }
    rows = flows.annotate(period=span.bucket("created_at")).values_list("period", "status").annotate(n=Count("id"))
    for start, status, count in rows:
        bucket = buckets.setdefault(start, {"created": 0, "sent": 0, "failed": 0})
        bucket["created"] += count
        if status == FlowStatus.SENT:
            bucket["sent"] += count
        elif status == FlowStatus.FAILED:
            bucket["failed"] += count

    return FlowMetrics(
        date_from=date_from,
        date_to=date_to,
        interval=span.interval,
        timezone=str(span.zone),
        total=sum(by_status.values()),
        by_status=by_status,
        by_kind=by_kind,
        send_attempts=send_attempts,
        send_succeeded=send_succeeded,
        send_success_rate=round(send_succeeded / send_attempts, 4) if send_attempts else None,
        median_seconds_to_sent=round(statistics.median(waits), 3) if waits else None,
        series=[{"period_start": start, **counts} for start, counts in sorted(buckets.items())],
    )
