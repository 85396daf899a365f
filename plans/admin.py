"""Admin for maintenance plans: team-scoped, written through `plans.services`, the plan's recorded
visits inline (read-only: a visit changes through its job, or is skipped through the API), and
"due in the next 30 days" / "overdue" filters."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any
from urllib.parse import urlencode

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html

from accounts.models import Actor
from assets.models import Asset
from core.admin import (
    DashboardTile,
    ReadOnlyTeamScopedInline,
    TeamScopedAdmin,
    dashboard_panel,
    permitted_team_ids,
    registered_admin,
)
from core.admin_inlines import change_page_inline
from plans import selectors, services
from plans.models import MaintenancePlan, PlanOccurrence, PlanStatus

DUE_SOON_DAYS = 30


def actor_of(request: HttpRequest) -> Actor:
    return Actor(user=request.user)  # type: ignore[arg-type]


class DueFilter(admin.SimpleListFilter):
    title = "next visit"
    parameter_name = "due"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        return [("soon", f"Due in the next {DUE_SOON_DAYS} days"), ("overdue", "Overdue")]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> QuerySet[Any] | None:
        today = timezone.localdate()
        open_plans = queryset.exclude(status=PlanStatus.ENDED)
        match self.value():
            case "soon":
                return open_plans.filter(next_due_on__gte=today, next_due_on__lte=today + dt.timedelta(DUE_SOON_DAYS))
            case "overdue":
                return open_plans.filter(next_due_on__lt=today)
        return queryset


class OccurrenceInline(ReadOnlyTeamScopedInline):
    """The plan's recorded visits, newest first; open a visit's job to assign, start or complete it."""

    model = PlanOccurrence
    fields = ("due_on", "moved_to", "status", "job", "reminded_at")
    readonly_fields = fields
    ordering = ("-due_on",)
    verbose_name_plural = "Visits (recorded: with a job, skipped or moved)"

    def get_queryset(self, request: HttpRequest) -> QuerySet[Any]:
        return super().get_queryset(request).select_related("job", "job__job_type")


@admin.register(MaintenancePlan)
class MaintenancePlanAdmin(TeamScopedAdmin):
    """Plans change only through the services: the same rule checks and schedule as the API."""

    list_display = ("name", "client", "site", "job_type", "rrule", "status", "next_due_on", "last_serviced_on")
    list_filter = ("status", DueFilter, "job_type")
    list_select_related = ("client", "site", "job_type", "team")
    search_fields = ("name", "client__name", "site__name")
    ordering = ("next_due_on",)
    inlines = (OccurrenceInline,)
    fields = (
        "team", "name", "client", "site", "assets", "job_type", "default_payload", "rrule", "start_date",
        "end_date", "lead_time_days", "reminder_days", "preferred_engineer", "contract", "price", "notes",
        "status", "last_serviced_on", "next_due_on",
    )  # fmt: skip
    readonly_fields = ("status", "last_serviced_on", "next_due_on")
    actions = ("pause_plans", "resume_plans")
    service_error_fields = {
        "clientId": "client", "siteId": "site", "assetIds": "assets", "jobTypeId": "job_type",
        "defaultPayload": "default_payload", "rrule": "rrule", "endDate": "end_date", "reminderDays": "reminder_days",
        "contractId": "contract", "date": "name", "status": "name",
    }  # fmt: skip

    def create_object(self, request: HttpRequest, form: Any, formsets: Sequence[Any]) -> MaintenancePlan:
        data = form.cleaned_data
        fields = {name: data[name] for name in services.EDITABLE_FIELDS if name in data}
        fields["assets"] = list(fields.get("assets") or [])
        fields["default_payload"] = fields.get("default_payload") or {}
        return services.create_plan(team=data["team"], actor=actor_of(request), **fields)

    def change_object(self, request: HttpRequest, obj: MaintenancePlan, form: Any) -> None:
        changes = {name: form.cleaned_data[name] for name in form.changed_data if name in services.EDITABLE_FIELDS}
        if changes:
            services.update_plan(plan=obj, actor=actor_of(request), changes=changes)
            obj.refresh_from_db()

    @admin.action(description="Pause the selected plans")
    def pause_plans(self, request: HttpRequest, queryset: QuerySet[MaintenancePlan]) -> None:
        for plan in queryset.filter(status=PlanStatus.ACTIVE):
            services.pause_plan(plan=plan, actor=actor_of(request))

    @admin.action(description="Resume the selected plans")
    def resume_plans(self, request: HttpRequest, queryset: QuerySet[MaintenancePlan]) -> None:
        for plan in queryset.filter(status=PlanStatus.PAUSED):
            services.resume_plan(plan=plan, actor=actor_of(request))


def new_plan_url(asset: Asset) -> str:
    """The plan form, filled in for `asset`: its team, client, site, the asset, a likely job type, yearly from today."""
    job_type = selectors.suggested_job_type(asset=asset)
    initial = {
        "team": asset.team_id, "name": f"{asset.name} service", "client": asset.site.client_id,
        "site": asset.site_id, "assets": asset.pk, "job_type": job_type.pk if job_type else "",
        "rrule": "FREQ=YEARLY", "start_date": services.today_for(asset.team).isoformat(),
    }  # fmt: skip
    return f"{reverse('admin:plans_maintenanceplan_add')}?{urlencode(initial)}"


@change_page_inline(Asset)
class AssetPlansInline(ReadOnlyTeamScopedInline):
    """On an asset's page: the plans that cover it, and a button to plan its recurring service (the plan
    form filled in for the asset; saving it goes through `create_plan` like any other plan)."""

    model = MaintenancePlan.assets.through
    fields = ("plan", "plan_status", "next_due")
    readonly_fields = fields
    verbose_name = "maintenance plan"
    verbose_name_plural = "Maintenance plans"
    template = "admin/plans/asset_plans_inline.html"

    def _team_access(self, request: HttpRequest, action: str) -> bool:
        if request.method not in ("GET", "HEAD"):
            return False  # shown only: saving the asset neither needs nor reads it
        return bool(
            request.user.is_staff
            and (request.user.is_superuser or permitted_team_ids(request, MaintenancePlan, action))
        )

    def get_queryset(self, request: HttpRequest) -> QuerySet[Any]:
        return super().get_queryset(request).select_related("maintenanceplan").order_by("maintenanceplan__name")

    def get_formset(self, request: HttpRequest, obj: Any = None, **kwargs: Any) -> Any:
        formset = super().get_formset(request, obj, **kwargs)
        may_add = (
            obj is not None
            and not obj.archived
            and (request.user.is_superuser or obj.team_id in permitted_team_ids(request, MaintenancePlan, "add"))
        )
        formset.new_plan_url = new_plan_url(obj) if may_add else ""
        return formset

    @admin.display(description="Plan")
    def plan(self, row: Any) -> str:
        plan = row.maintenanceplan
        return format_html('<a href="{}">{}</a>', reverse("admin:plans_maintenanceplan_change", args=[plan.pk]), plan)

    @admin.display(description="Status")
    def plan_status(self, row: Any) -> str:
        return str(row.maintenanceplan.status).title()

    @admin.display(description="Next visit")
    def next_due(self, row: Any) -> Any:
        return row.maintenanceplan.next_due_on or "—"


@dashboard_panel
def plans_dashboard(request: HttpRequest) -> list[DashboardTile]:
    """Maintenance visits due in the next 30 days and overdue ones, over the plans this person may see."""
    plan_admin = registered_admin(MaintenancePlan)
    if not isinstance(plan_admin, MaintenancePlanAdmin) or not plan_admin.has_view_permission(request):
        return []
    today = timezone.localdate()
    open_plans = plan_admin.get_queryset(request).exclude(status=PlanStatus.ENDED).order_by()
    soon = open_plans.filter(next_due_on__gte=today, next_due_on__lte=today + dt.timedelta(DUE_SOON_DAYS)).count()
    overdue = open_plans.filter(next_due_on__lt=today).count()
    url = reverse("admin:plans_maintenanceplan_changelist")
    return [
        DashboardTile("Maintenance visits", f"Due in {DUE_SOON_DAYS} days", soon, f"{url}?due=soon"),
        DashboardTile("Maintenance visits", "Overdue", overdue, f"{url}?due=overdue", "bad" if overdue else "good"),
    ]
