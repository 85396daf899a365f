from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils import timezone
from rest_framework import serializers

from accounts.models import Team
from assets.models import Asset
from core.api.serializers import (
    ClientBriefSerializer,
    InputSerializer,
    JSONObjectField,
    QueryParamsSerializer,
    SiteBriefSerializer,
    TeamMemberField,
    TeamPrimaryKeyField,
    UserSummarySerializer,
)
from invoicing.models import Contract
from jobs.models import Job, JobStatus, JobType
from plans import recurrence
from plans.models import MaintenancePlan, OccurrenceStatus, PlanOccurrence
from plans.selectors import Visit
from projects.models import Client, Site

RRULE_HELP = (
    "An RFC 5545 RRULE without DTSTART (the series starts on startDate), FREQ DAILY, WEEKLY, MONTHLY or "
    "YEARLY: e.g. `FREQ=YEARLY`, `FREQ=MONTHLY;INTERVAL=3`, `FREQ=MONTHLY;BYDAY=1MO`. As RFC 5545 says, "
    "a monthly series on the 31st skips shorter months (use `BYMONTHDAY=-1` for the last day)."
)


def _today(context: Any) -> dt.date:
    if "today" not in context:
        team: Team | None = context.get("team")
        context["today"] = recurrence.team_today(team.timezone if team else "UTC", timezone.now())
    today: dt.date = context["today"]
    return today


class MaintenancePlanSerializer(serializers.ModelSerializer[MaintenancePlan]):
    client = ClientBriefSerializer()
    site = SiteBriefSerializer()
    asset_ids = serializers.SerializerMethodField()
    job_type_id = serializers.UUIDField()
    job_type = serializers.CharField(source="job_type.key", help_text="The job type's key.")
    default_payload = JSONObjectField(help_text="The payload of each visit's job.")
    rrule = serializers.CharField(help_text=RRULE_HELP)
    preferred_engineer = UserSummarySerializer(allow_null=True)
    contract_id = serializers.UUIDField(allow_null=True)
    price = serializers.DecimalField(max_digits=12, decimal_places=2, allow_null=True)
    overdue = serializers.SerializerMethodField(help_text="nextDueOn has passed without its visit being done.")

    class Meta:
        model = MaintenancePlan
        fields = (
            "id", "name", "client", "site", "asset_ids", "job_type_id", "job_type", "default_payload", "rrule",
            "start_date", "end_date", "lead_time_days", "reminder_days", "preferred_engineer", "contract_id",
            "price", "status", "notes", "last_serviced_on", "next_due_on", "overdue", "created_at", "updated_at",
        )  # fmt: skip
        read_only_fields = fields

    def get_asset_ids(self, plan: MaintenancePlan) -> list[str]:
        return sorted(str(asset.pk) for asset in plan.assets.all())

    def get_overdue(self, plan: MaintenancePlan) -> bool:
        return plan.next_due_on is not None and plan.next_due_on < _today(self.context)


class OccurrenceJobSerializer(serializers.ModelSerializer[Job]):
    assigned_to_id = serializers.UUIDField(allow_null=True)
    status = serializers.ChoiceField(choices=JobStatus.choices)

    class Meta:
        model = Job
        fields = ("id", "status", "scheduled_date", "assigned_to_id", "completed_at")
        read_only_fields = fields


class VisitSerializer(serializers.Serializer[Visit]):
    """One date of the series; `recorded` when it has a job, a skip or a move."""

    due_on = serializers.DateField(help_text="The date in the plan's series.")
    visit_on = serializers.DateField(help_text="The visit's date (dueOn unless moved).")
    status = serializers.ChoiceField(choices=OccurrenceStatus.choices)
    overdue = serializers.BooleanField()
    recorded = serializers.SerializerMethodField()
    job = OccurrenceJobSerializer(allow_null=True)

    def get_recorded(self, visit: Visit) -> bool:
        return visit.occurrence is not None


class OccurrenceEventSerializer(serializers.ModelSerializer[PlanOccurrence]):
    """An occurrence as `plan.job_created` and `plan.due_soon` events carry it."""

    plan_id = serializers.UUIDField()
    plan_name = serializers.CharField(source="plan.name")
    visit_on = serializers.DateField()
    status = serializers.ChoiceField(choices=OccurrenceStatus.choices)
    job = OccurrenceJobSerializer(allow_null=True)

    class Meta:
        model = PlanOccurrence
        fields = ("id", "plan_id", "plan_name", "due_on", "visit_on", "status", "job", "created_at")
        read_only_fields = fields


class _PlanFieldsSerializer(InputSerializer):
    """The fields a plan is made of; `create` requires some of them, `update` none."""

    name = serializers.CharField(max_length=200)
    client_id = TeamPrimaryKeyField(Client, source="client", help_text="One of your team's clients.")
    site_id = TeamPrimaryKeyField(Site, source="site", help_text="One of the client's sites.")
    asset_ids = serializers.ListField(
        child=TeamPrimaryKeyField(Asset), source="assets", max_length=50, help_text="Assets at the site."
    )
    job_type_id = TeamPrimaryKeyField(JobType, source="job_type", help_text="The job type of each visit's job.")
    default_payload = JSONObjectField(help_text="Each job's payload; checked against the job type's schema.")
    rrule = serializers.CharField(max_length=recurrence.MAX_RULE_LENGTH, help_text=RRULE_HELP)
    start_date = serializers.DateField()
    end_date = serializers.DateField(allow_null=True)
    lead_time_days = serializers.IntegerField(
        min_value=0, max_value=365, help_text="Days before a visit its job is made."
    )
    reminder_days = serializers.IntegerField(
        min_value=0,
        max_value=365,
        allow_null=True,
        help_text="Email the client this many days before (≤ leadTimeDays).",
    )
    preferred_engineer_id = TeamMemberField(
        source="preferred_engineer", allow_null=True, help_text="Each job is assigned to this member."
    )
    contract_id = TeamPrimaryKeyField(Contract, source="contract", allow_null=True, help_text="The client's contract.")
    price = serializers.DecimalField(
        max_digits=12, decimal_places=2, min_value=0, allow_null=True, coerce_to_string=True
    )
    notes = serializers.CharField(max_length=5000, allow_blank=True)


class MaintenancePlanCreateSerializer(_PlanFieldsSerializer):
    def get_fields(self) -> dict[str, Any]:
        fields = super().get_fields()
        required = {"name", "client_id", "site_id", "job_type_id", "rrule", "start_date"}
        for name, field in fields.items():
            field.required = name in required
        return fields


class MaintenancePlanUpdateSerializer(_PlanFieldsSerializer):
    """A partial update: only the fields sent change; `assetIds` is replaced as a whole."""

    def get_fields(self) -> dict[str, Any]:
        fields = super().get_fields()
        for field in fields.values():
            field.required = False
        return fields


class PlanStatusChangeSerializer(InputSerializer):
    """Pausing, resuming and ending take no fields; an empty object (or no body) is fine."""


class SkipOccurrenceSerializer(InputSerializer):
    date = serializers.DateField(help_text="The visit's date in the plan's series (its `dueOn`).")
    reason = serializers.CharField(max_length=500, required=False, default="", allow_blank=True)


class OccurrencesQuerySerializer(QueryParamsSerializer):
    fromDate = serializers.DateField(  # noqa: N815
        source="from_date", required=False, help_text="First date (default: a year ago)."
    )
    toDate = serializers.DateField(  # noqa: N815
        source="to_date", required=False, help_text="Last date (default: a year ahead); at most 5 years on."
    )
