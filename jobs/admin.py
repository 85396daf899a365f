"""Admin for job types and jobs: team-scoped, writes through `jobs.services`, events as a timeline."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from django import forms
from django.contrib import admin, messages
from django.db.models import Count, Q, QuerySet
from django.http import HttpRequest
from django.urls import path, reverse
from django.utils import timezone

from accounts.models import Actor
from accounts.roles import team_permissions
from assets.models import Asset
from core.admin import (
    DashboardTile,
    ReadOnlyTeamScopedInline,
    TeamScopedAdmin,
    dashboard_panel,
    is_staff,
    permitted_team_ids,
    registered_admin,
    superuser_team_id,
)
from core.admin_actions import ReasonForm, object_action
from core.admin_inlines import ContributedInlinesMixin
from core.admin_schema import SchemaFormWidget, related_choices_view, type_schema_view
from core.exceptions import DomainError, InvalidInputError
from jobs.admin_forms import JobForm, JobTypeForm, ResultFormMixin
from jobs.models import Job, JobEvent, JobStatus, JobType, ResultType
from jobs.services import (
    ALLOWED_FROM,
    EDITABLE_JOB_FIELDS,
    EDITABLE_JOB_TYPE_FIELDS,
    assign_job,
    cancel_job,
    complete_job,
    create_job,
    create_job_type,
    engineer_in_team,
    start_job,
    update_job,
    update_job_type,
)
from projects.models import Project, Site


def actor_of(request: HttpRequest) -> Actor:
    return Actor(user=request.user)  # type: ignore[arg-type]


@admin.register(JobType)
class JobTypeAdmin(ContributedInlinesMixin, TeamScopedAdmin):
    form = JobTypeForm
    list_display = ("name", "key", "team", "active", "created_at")
    list_filter = ("active",)
    list_select_related = ("team",)
    search_fields = ("name", "key", "description")
    ordering = ("name",)
    fields = ("team", "key", "name", "description", "payload_schema", "result_schema", "active", "created_at",
              "updated_at")  # fmt: skip
    readonly_fields = ("created_at", "updated_at")
    # Flows show the type's document templates inline here (`flows.admin`, through `change_page_inline`).

    def get_inline_instances(self, request: HttpRequest, obj: Any = None) -> list[Any]:
        # Flow templates are added once the type exists (the add page stays one simple form).
        return super().get_inline_instances(request, obj) if obj is not None else []

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[str] | tuple[str, ...]:
        readonly = list(super().get_readonly_fields(request, obj))
        # Integrations refer to a type by its key: fixed once created.
        return [*readonly, "key"] if obj is not None else readonly

    def create_object(self, request: HttpRequest, form: Any, formsets: Sequence[Any]) -> JobType:
        data = form.cleaned_data
        return create_job_type(
            team=data["team"],
            actor=actor_of(request),
            key=data["key"],
            name=data["name"],
            description=data["description"],
            payload_schema=data["payload_schema"],
            result_schema=data["result_schema"],
            active=data["active"],
        )

    def change_object(self, request: HttpRequest, obj: JobType, form: Any) -> None:
        changes = {name: form.cleaned_data[name] for name in EDITABLE_JOB_TYPE_FIELDS if name in form.changed_data}
        if changes:
            update_job_type(job_type=obj, actor=actor_of(request), changes=changes)
        obj.refresh_from_db()


class JobEventInline(ReadOnlyTeamScopedInline):
    """The job's timeline: every transition, who made it and when."""

    model = JobEvent
    verbose_name = "event"
    verbose_name_plural = "timeline"
    fields = ("at", "from_status", "to_status", "actor", "note")
    readonly_fields = fields
    ordering = ("at", "id")

    @admin.display(description="By")
    def actor(self, event: JobEvent) -> str:
        return Actor(user=event.actor_user, api_key=event.actor_key).label

    def get_queryset(self, request: HttpRequest) -> QuerySet[JobEvent]:
        return super().get_queryset(request).select_related("actor_user", "actor_key")


class CompleteJobForm(ResultFormMixin, forms.Form):
    """What the Complete button asks: the outcome, the readings (a form from the type's result schema,
    see `ResultFormMixin`), and the job's notes (as they are, to add to)."""

    result_type = forms.ChoiceField(label="Result", choices=ResultType.choices)
    notes = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 3}))
    field_order = ("result_type", "result", "notes")


OPEN_STATUSES = (JobStatus.PENDING, JobStatus.ASSIGNED, JobStatus.IN_PROGRESS)


class DueFilter(admin.SimpleListFilter):
    """Jobs scheduled today, and open jobs whose scheduled day has passed."""

    title = "due"
    parameter_name = "due"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        return [("today", "Today"), ("overdue", "Overdue")]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> QuerySet[Any]:
        today = timezone.localdate()
        if self.value() == "today":
            return queryset.filter(scheduled_date=today)
        if self.value() == "overdue":
            return queryset.filter(scheduled_date__lt=today, status__in=OPEN_STATUSES)
        return queryset


@admin.register(Job)
class JobAdmin(TeamScopedAdmin):
    """Jobs are created through `create_job` and assigned through `assign_job`; their status moves
    only by transitions (the API, or the cancel action here), each one recorded on the timeline."""

    # What a person needs to tell jobs apart, not ids: type, client, site, day, engineer, status.
    list_display = ("job_title", "client", "site", "scheduled_date", "assigned_to", "status")
    list_filter = (DueFilter, "status", "result_type", "job_type", "assigned_to", "scheduled_date")
    list_select_related = ("job_type", "assigned_to", "client", "site", "team")
    search_fields = ("notes", "job_type__name", "job_type__key", "assigned_to__email", "assigned_to__full_name",
                     "site__name", "client__name")  # fmt: skip
    ordering = ("-created_at", "-id")
    inlines = (JobEventInline,)
    actions = ("start_jobs", "complete_jobs", "cancel_jobs")
    object_actions = ("start", "complete", "cancel")
    show_full_result_count = False  # no COUNT(*) over the whole table on every changelist page
    service_error_fields = {"jobTypeId": "job_type", "engineerId": "assigned_to", "siteId": "site",
                            "clientId": "client", "assetId": "asset", "projectId": "project"}  # fmt: skip

    add_fields = ("team", "job_type", "scheduled_date", "assigned_to", "client", "site", "asset", "project",
                  "payload", "notes")  # fmt: skip
    change_fields = ("team", "job_type", "status", "result_type", "scheduled_date", "assigned_to", "client", "site",
                     "asset", "project", "payload", "result", "notes", "cancel_reason", "created_by", "created_at",
                     "assigned_at", "started_at", "completed_at", "cancelled_at", "updated_at")  # fmt: skip
    # Fields a person may change directly; everything else moves through a service.
    change_editable = ("scheduled_date", "assigned_to", "notes")
    form = JobForm

    @property
    def media(self) -> forms.Media:
        # The Complete button's panel draws the readings form: its scripts load with the page.
        return super().media + SchemaFormWidget().media

    def get_urls(self) -> list[Any]:
        """The job form's helpers (team-scoped): a type's payload schema; a client's sites and projects, a site's
        assets. The type, client, site, asset, project and assignee are plain selects (no autocomplete)."""
        helpers = [
            path("type-schema/", type_schema_view(self, JobType, "payload_schema"), name="jobs_job_type_schema"),
            path("client-sites/", related_choices_view(self, Site, "client"), name="jobs_job_client_sites"),
            path("client-projects/", related_choices_view(self, Project, "client"), name="jobs_job_client_projects"),
            path("site-assets/", related_choices_view(self, Asset, "site"), name="jobs_job_site_assets"),
        ]
        return helpers + super().get_urls()

    @admin.display(description="Job", ordering="created_at")
    def short_id(self, job: Job) -> str:
        return str(job.pk)[:8]

    @admin.display(description="Job", ordering="job_type__name")
    def job_title(self, job: Job) -> str:
        return job.job_type.name

    def get_list_display(self, request: HttpRequest) -> Any:
        # Rows of several teams mix only in a superuser's all-teams view: only there is the team a column.
        columns = list(super().get_list_display(request))
        return [*columns, "team"] if request.user.is_superuser and superuser_team_id(request) is None else columns

    @admin.display(description="Created by")
    def created_by(self, job: Job) -> str:
        return Actor(user=job.created_by_user, api_key=job.created_by_key).label

    def get_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        return self.change_fields if obj is not None else self.add_fields

    def get_inline_instances(self, request: HttpRequest, obj: Any = None) -> list[Any]:
        # A job being added has no timeline yet.
        return super().get_inline_instances(request, obj) if obj is not None else []

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[str] | tuple[str, ...]:
        if obj is None:
            return ()
        # Someone with rights on their assigned jobs only (an engineer) may keep notes, nothing more.
        editable = self.change_editable if self.manages(request, obj.team_id) else ("notes",)
        return [name for name in self.change_fields if name not in editable]

    # --- row-level rights: people holding `*_assigned_job` see and update their own jobs only ----
    def manages(self, request: HttpRequest, team_id: Any) -> bool:
        return team_permissions(request).has(team_id, "jobs.change_job")

    def _assigned_team_ids(self, request: HttpRequest, action: str) -> list[Any]:
        perms = ["jobs.change_assigned_job"] + (["jobs.view_assigned_job"] if action == "view" else [])
        return team_permissions(request).teams_with(*perms) if action in ("view", "change") else []

    def scope_rows(self, request: HttpRequest, queryset: QuerySet[Any], action: str) -> QuerySet[Any]:
        team_ids = permitted_team_ids(request, Job, action)
        assigned_team_ids = self._assigned_team_ids(request, action)
        if not assigned_team_ids:
            return queryset.filter(team_id__in=team_ids)
        return queryset.filter(
            Q(team_id__in=team_ids) | Q(team_id__in=assigned_team_ids, assigned_to_id=request.user.pk)
        )

    def has_row_permission(self, request: HttpRequest, action: str) -> bool:
        return is_staff(request) and bool(self._assigned_team_ids(request, action))

    def has_manage_permission(self, request: HttpRequest, obj: Job | None = None) -> bool:
        """Cancelling (and bulk moves) are for people who manage the team's jobs, not only their own."""
        if obj is not None:
            return self.manages(request, obj.team_id)
        return bool(request.user.is_superuser or permitted_team_ids(request, Job, "change"))

    def create_object(self, request: HttpRequest, form: Any, formsets: Sequence[Any]) -> Job:
        data = form.cleaned_data
        job = create_job(
            team=data["team"],
            actor=actor_of(request),
            job_type=data["job_type"],
            payload=data["payload"],
            scheduled_date=data["scheduled_date"],
            notes=data["notes"],
            client=data["client"],
            site=data["site"],
            asset=data["asset"],
            project=data["project"],
        )
        if data["assigned_to"] is not None:
            job = assign_job(
                job=job, actor=actor_of(request), engineer=engineer_in_team(job.team, data["assigned_to"].pk)
            )
        return job

    def change_object(self, request: HttpRequest, obj: Job, form: Any) -> None:
        changes = {name: form.cleaned_data[name] for name in EDITABLE_JOB_FIELDS if name in form.changed_data}
        if changes:
            update_job(job=obj, actor=actor_of(request), changes=changes)
        if "assigned_to" in form.changed_data:
            # Assignment is a transition (status and timeline), not a plain field edit.
            engineer = form.cleaned_data["assigned_to"]
            if engineer is None:
                raise InvalidInputError("A job cannot be unassigned: assign someone else or cancel it.", "engineerId")
            assign_job(job=obj, actor=actor_of(request), engineer=engineer_in_team(obj.team, engineer.pk))
        obj.refresh_from_db()

    # --- buttons on the job's page (see `core.admin_actions`) -------------------------------------
    @object_action(
        label="Start", when=lambda job: job.status in ALLOWED_FROM[JobStatus.IN_PROGRESS], done="Job started."
    )
    def start(self, request: HttpRequest, job: Job, data: dict[str, Any]) -> None:
        start_job(job=job, actor=actor_of(request))

    @object_action(
        label="Complete",
        when=lambda job: job.status in ALLOWED_FROM[JobStatus.COMPLETED],
        form=CompleteJobForm,
        initial=lambda job: {"notes": job.notes, "job_type": job.job_type},
    )
    def complete(self, request: HttpRequest, job: Job, data: dict[str, Any]) -> str:
        result_type = ResultType(data["result_type"])
        complete_job(job=job, actor=actor_of(request), result_type=result_type, result=data.get("result"),
                     notes=data["notes"])  # fmt: skip
        return f"Job completed: {result_type.label}."

    @object_action(
        label="Cancel job",
        permission="manage",
        when=lambda job: job.status in ALLOWED_FROM[JobStatus.CANCELLED],
        confirm="The job stops here: it cannot be started or completed afterwards.",
        form=ReasonForm,
        done="Job cancelled.",
        danger=True,
    )
    def cancel(self, request: HttpRequest, job: Job, data: dict[str, Any]) -> None:
        cancel_job(job=job, actor=actor_of(request), reason=data["reason"])

    # --- the list's bulk actions: for people who manage the team's jobs; an engineer works one job at
    # a time, from its page (the buttons above) ---------------------------------------------------
    @admin.action(description="Start selected jobs", permissions=["manage"])
    def start_jobs(self, request: HttpRequest, queryset: QuerySet[Job]) -> None:
        self._transition_each(request, queryset, "Started", lambda job: start_job(job=job, actor=actor_of(request)))

    @admin.action(description="Complete selected jobs (success)", permissions=["manage"])
    def complete_jobs(self, request: HttpRequest, queryset: QuerySet[Job]) -> None:
        self._transition_each(
            request,
            queryset,
            "Completed",
            lambda job: complete_job(job=job, actor=actor_of(request), result_type=ResultType.SUCCESS),
        )

    @admin.action(description="Cancel selected jobs", permissions=["manage"])
    def cancel_jobs(self, request: HttpRequest, queryset: QuerySet[Job]) -> None:
        queryset = queryset.filter(team_id__in=permitted_team_ids(request, Job, "change"))
        reason = "Cancelled in the admin"
        self._transition_each(
            request, queryset, "Cancelled", lambda job: cancel_job(job=job, actor=actor_of(request), reason=reason)
        )

    def _transition_each(
        self, request: HttpRequest, queryset: QuerySet[Job], done: str, transition: Callable[[Job], Job]
    ) -> None:
        moved, refused = 0, []
        for job in queryset:
            try:
                transition(job)
                moved += 1
            except DomainError as exc:
                refused.append(f"{str(job.pk)[:8]}: {exc}")
        if moved:
            self.message_user(request, f"{done} {moved} job{'s' if moved != 1 else ''}.", messages.SUCCESS)
        if refused:
            self.message_user(request, f"Not {done.lower()} — " + "; ".join(refused), messages.WARNING)


STATUS_TONES = {JobStatus.PENDING: "neutral", JobStatus.ASSIGNED: "neutral", JobStatus.IN_PROGRESS: "warn",
                JobStatus.COMPLETED: "good", JobStatus.CANCELLED: "bad"}  # fmt: skip


@dashboard_panel
def jobs_dashboard(request: HttpRequest) -> list[DashboardTile]:
    """Today's jobs by status and the overdue ones, counted over the jobs this person may see."""
    job_admin = registered_admin(Job)
    if not isinstance(job_admin, JobAdmin) or not job_admin.has_view_permission(request):
        return []
    today = timezone.localdate()
    visible = job_admin.get_queryset(request).order_by()
    counts = dict(visible.filter(scheduled_date=today).values_list("status").annotate(n=Count("id")))
    overdue = visible.filter(scheduled_date__lt=today, status__in=OPEN_STATUSES).count()
    changelist = reverse("admin:jobs_job_changelist")
    tiles = [
        DashboardTile(
            "Jobs today",
            JobStatus(status).label,
            counts.get(status, 0),
            f"{changelist}?due=today&status__exact={status}",
            STATUS_TONES[status],
        )
        for status in JobStatus
    ]
    tiles.append(
        DashboardTile("Jobs today", "Overdue", overdue, f"{changelist}?due=overdue", "bad" if overdue else "good")
    )
    return tiles
