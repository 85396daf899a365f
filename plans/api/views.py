"""Maintenance plans under /v1/maintenance-plans. Views are thin: services do the writes."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any, ClassVar

from django.db.models import QuerySet
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import status
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound
from rest_framework.request import Request
from rest_framework.response import Response

from accounts.models import Team
from accounts.scopes import Scope
from core.api.errors import bad_request
from core.api.examples import with_request_examples
from core.api.fast import as_dicts, wire_rows
from core.api.pagination import CREATED_AT, SortField
from core.api.statements import HotList
from core.api.views import TeamScopedViewSet, envelope
from plans import selectors, services
from plans.api import examples
from plans.api.filters import MaintenancePlanFilter
from plans.api.rows import plan_rows, plan_values
from plans.api.serializers import (
    MaintenancePlanCreateSerializer,
    MaintenancePlanSerializer,
    MaintenancePlanUpdateSerializer,
    OccurrencesQuerySerializer,
    PlanStatusChangeSerializer,
    SkipOccurrenceSerializer,
    VisitSerializer,
)
from plans.models import NO_DUE_DATE, MaintenancePlan

TAGS = ["maintenance plans"]
READ, WRITE = Scope.PLANS_READ, Scope.PLANS_WRITE
MAX_WINDOW = dt.timedelta(days=5 * 366)


def _write(summary: str, body: Any, description: str = "", code: int = 200) -> Any:
    return extend_schema(
        summary=summary, description=description, tags=TAGS, request=body, responses={code: MaintenancePlanSerializer}
    )


@with_request_examples(
    create=examples.CREATE_PLAN,
    update_plan=examples.UPDATE_PLAN,
    pause=examples.NO_FIELDS,
    resume=examples.NO_FIELDS,
    end=examples.NO_FIELDS,
    skip_occurrence=examples.SKIP,
)
@extend_schema_view(
    list=extend_schema(summary="List maintenance plans", tags=TAGS),
    retrieve=extend_schema(summary="Get a maintenance plan", tags=TAGS),
    create=_write(
        "Create a maintenance plan",
        MaintenancePlanCreateSerializer,
        "The plan is ACTIVE: the worker creates each visit's job `leadTimeDays` before its date, once. "
        "The series counts from the later of `startDate` and today: past dates get no jobs.",
        status.HTTP_201_CREATED,
    ),
    update_plan=_write(
        "Update a maintenance plan",
        MaintenancePlanUpdateSerializer,
        "Only the fields sent change. Visits that already have a job keep it; a new rule or start counts from today.",
    ),
    pause=_write("Pause a plan (no new jobs until resumed)", PlanStatusChangeSerializer),
    resume=_write("Resume a paused plan (visits missed while paused are not made up)", PlanStatusChangeSerializer),
    end=_write("End a plan for good (jobs already created stay)", PlanStatusChangeSerializer),
)
class MaintenancePlanViewSet(TeamScopedViewSet):
    """Recurring service: each visit of a plan's series becomes a job ahead of its date."""

    queryset = MaintenancePlan.objects.all()
    serializer_class = MaintenancePlanSerializer
    filterset_class = MaintenancePlanFilter
    sort_fields: ClassVar[dict[str, SortField]] = {
        "createdAt": CREATED_AT,
        "nextDueOn": SortField("next_due_on", nulls_as=NO_DUE_DATE),
        "name": SortField("name"),
    }
    required_scopes: ClassVar[dict[str, str]] = {
        "list": READ,
        "retrieve": READ,
        "occurrences": READ,
        **dict.fromkeys(("create", "update_plan", "pause", "resume", "end", "skip_occurrence"), WRITE),
    }

    fetch_rows = staticmethod(wire_rows)  # the page's rows as the wire wants them (see core.api.fast)
    hot_list = HotList(plan_values, lambda rows, view: plan_rows(as_dicts(rows), today=services.today_for(view.team)))

    def base_queryset(self, team: Team) -> QuerySet[MaintenancePlan]:
        # The list and the detail read bare rows and their relations by id (plans/api/rows.py); the
        # writes read the plan with its relations for the services and the serializer.
        return selectors.plans_for(team=team, with_related=self.action not in ("list", "retrieve"))

    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        # The hot path: rows built as JSON-ready dicts, exactly as `MaintenancePlanSerializer` shows them
        # (plans/api/rows.py). A comment, not a docstring: the schema would publish a docstring.
        # The page's statement is kept per shape (core.api.statements); plain GETs are dispatched lean.
        return self.hot_list_response(request)

    def retrieve(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        # One plan, its row built as the list builds it.
        try:
            pk = uuid.UUID(str(self.kwargs[self.lookup_url_kwarg]))
        except ValueError:
            raise NotFound() from None
        rows = self.fetch_rows(plan_values(self.get_queryset().filter(pk=pk)))
        if not rows:
            raise NotFound()
        return envelope(plan_rows(rows, today=services.today_for(self.team))[0])

    def create(self, request: Request) -> Response:
        fields = self.validated(MaintenancePlanCreateSerializer)
        plan = services.create_plan(team=self.team, actor=self.actor, **fields)
        return self.respond_fresh(plan, status.HTTP_201_CREATED)

    @action(detail=True, methods=["post"], url_path="update", url_name="update")
    def update_plan(self, request: Request, id: str) -> Response:
        plan = self.get_object()
        changes = self.validated(MaintenancePlanUpdateSerializer)
        return self.respond_fresh(services.update_plan(plan=plan, actor=self.actor, changes=changes))

    @action(detail=True, methods=["post"])
    def pause(self, request: Request, id: str) -> Response:
        plan = self.get_object()
        self.validated(PlanStatusChangeSerializer)
        return self.respond_fresh(services.pause_plan(plan=plan, actor=self.actor))

    @action(detail=True, methods=["post"])
    def resume(self, request: Request, id: str) -> Response:
        plan = self.get_object()
        self.validated(PlanStatusChangeSerializer)
        return self.respond_fresh(services.resume_plan(plan=plan, actor=self.actor))

    @action(detail=True, methods=["post"])
    def end(self, request: Request, id: str) -> Response:
        plan = self.get_object()
        self.validated(PlanStatusChangeSerializer)
        return self.respond_fresh(services.end_plan(plan=plan, actor=self.actor))

    @extend_schema(
        summary="A plan's visits: past and upcoming, with their jobs",
        description="Recorded occurrences (with a job, skipped or moved) and the series' dates still to come, "
        "by date, from `fromDate` (default a year ago) to `toDate` (default a year ahead; at most five years "
        "apart), at most 500. `overdue`: the visit's date has passed and it is neither done nor skipped.",
        tags=TAGS,
        parameters=[OccurrencesQuerySerializer],
        responses=VisitSerializer(many=True),
    )
    @action(detail=True, methods=["get"], pagination_class=None, filter_backends=[])
    def occurrences(self, request: Request, id: str) -> Response:
        plan = self.get_object()
        query = OccurrencesQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        today = services.today_for(self.team)
        first = query.validated_data.get("from_date", today - dt.timedelta(days=365))
        last = query.validated_data.get("to_date", today + dt.timedelta(days=365))
        if last < first:
            raise bad_request("toDate", "toDate must not be before fromDate.")
        if last - first > MAX_WINDOW:
            raise bad_request("toDate", "At most five years between fromDate and toDate.")
        found = selectors.visits(team=self.team, plan=plan, first=first, last=last, today=today)
        return envelope(VisitSerializer(found, many=True).data)  # type: ignore[arg-type]

    @extend_schema(
        summary="Skip one visit of a plan",
        description="The visit of `date` (a date of the plan's series) gets no job; its job is cancelled if it "
        "has not started (a started or done visit is a 409). The rest of the series is unchanged.",
        tags=TAGS,
        request=SkipOccurrenceSerializer,
        responses={200: VisitSerializer},
    )
    @action(detail=True, methods=["post"], url_path="occurrences/skip", url_name="skip-occurrence")
    def skip_occurrence(self, request: Request, id: str) -> Response:
        plan = self.get_object()
        data = self.validated(SkipOccurrenceSerializer)
        row = services.skip_occurrence(plan=plan, actor=self.actor, due_on=data["date"], reason=data["reason"])
        visit = selectors.Visit(row.due_on, row.visit_on, row.status, False, row)
        return envelope(VisitSerializer(visit).data)
