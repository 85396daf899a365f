"""The admin's forms for jobs and job types: generated from the type's schema, choices that fit, every error at once.

- A job's payload is a form drawn from its type's `payload_schema` (`core.admin_schema`); the schema
  is the type the form is bound to (the type sent, else the job's), and the page redraws it when the
  type select changes. Raw JSON stays behind "Advanced".
- Sites and projects are the chosen client's, assets the chosen site's (the page reloads them when
  the client or site changes); assignees are the team's people who may be assigned jobs
  (`jobs.rules.ASSIGNABLE_ROLES`).
- `clean()` runs the services' own checks (payload against the schema, links that agree, the
  assignee's role) and adds their issues beside Django's field errors, so one save shows them all.
- A job type's schemas are edited as rows (`core.schema_builder`), the JSON Schema behind "Advanced".
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.admin.widgets import RelatedFieldWidgetWrapper
from django.urls import reverse

from accounts.models import User
from core.admin import TeamConsistentForm
from core.admin_schema import SchemaFormWidget, SchemaJSONField, SchemaRowsCodec, issues_to_errors
from core.exceptions import DomainError
from jobs.models import Job, JobType
from jobs.rules import assignable_memberships, assignee_issues, link_issues
from jobs.schemas import check_schema, validate_payload, validate_result

# API issue paths → the job form's fields.
JOB_ISSUE_FIELDS = {"jobTypeId": "job_type", "payload": "payload", "engineerId": "assigned_to", "siteId": "site",
                    "clientId": "client", "assetId": "asset", "projectId": "project"}  # fmt: skip


# (field, the field whose choice narrows it, the admin URL name of the view listing its choices)
FOLLOWS = (("site", "client", "jobs_job_client_sites"), ("project", "client", "jobs_job_client_projects"),
           ("asset", "site", "jobs_job_site_assets"))  # fmt: skip


def inner_widget(field: forms.Field) -> forms.Widget:
    """The widget itself, inside the admin's add/change-related wrapper if it has one."""
    widget = field.widget
    return widget.widget if isinstance(widget, RelatedFieldWidgetWrapper) else widget


class JobForm(TeamConsistentForm):
    """Adding or changing a job in the admin (written by `create_job`/`update_job`/`assign_job`)."""

    class Meta:
        model = Job
        fields = "__all__"

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.team = self.chosen("team") or (self.instance.team if self.instance.team_id else None)
        if "payload" in self.fields:
            job_type = self.chosen("job_type")
            field = SchemaJSONField(
                label="Payload",
                widget=SchemaFormWidget(
                    source="job_type",
                    schema_url=reverse("admin:jobs_job_type_schema"),
                    empty_note="Choose a job type: the details it asks for appear here (it may ask for none).",
                ),
                help_text="What the job type asks for when booking. Changing the type starts this form afresh.",
            )
            field.set_schema(job_type.payload_schema if job_type is not None else None)
            self.fields["payload"] = field
        # Each select follows the one it depends on: sites and projects the client, assets the site.
        for name, parent, url in FOLLOWS:
            if name not in self.fields or parent not in self.fields:
                continue
            chosen = self.chosen(parent)
            if chosen is not None:
                narrowed = self.fields[name]
                narrowed.queryset = narrowed.queryset.filter(**{parent: chosen})  # type: ignore[attr-defined]
                narrowed.error_messages["invalid_choice"] = f"Choose one of {chosen}'s {name}s."
            inner_widget(self.fields[name]).attrs.update(
                {"data-choices-source": parent, "data-choices-url": reverse(f"admin:{url}")}
            )
        if "assigned_to" in self.fields and self.team is not None:
            people = assignable_memberships(team=self.team).values("user_id")
            self.fields["assigned_to"].queryset = User.objects.filter(pk__in=people).order_by("full_name", "email")  # type: ignore[attr-defined]
            self.fields["assigned_to"].help_text = "Engineers, owners and admins of the team."
            self.fields["assigned_to"].error_messages["invalid_choice"] = (
                "Choose an engineer, owner or admin of the team: dispatchers and finance are not assigned jobs."
            )

    def chosen(self, name: str) -> Any:
        """The row picked in `name`: as sent (when valid for the field), else as first shown, else the job's."""
        field = self.fields.get(name)
        if field is None or not isinstance(field, forms.ModelChoiceField):
            return getattr(self.instance, name) if getattr(self.instance, f"{name}_id", None) else None
        raw = self.data.get(self.add_prefix(name)) if self.is_bound else self.initial.get(name)
        if raw in (None, ""):
            return getattr(self.instance, name) if getattr(self.instance, f"{name}_id", None) else None
        try:
            return field.clean(raw)
        except forms.ValidationError:
            return None

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        issues: list[tuple[str, str]] = []
        job_type = cleaned.get("job_type") or (self.instance.job_type if self.instance.job_type_id else None)
        if "job_type" in self.fields and job_type is not None and not job_type.active:
            issues.append(("jobTypeId", "This job type is inactive."))
        if "payload" in self.fields and job_type is not None and "payload" in cleaned:
            try:
                validate_payload(job_type, cleaned["payload"])
            except DomainError as exc:
                issues.extend(exc.issues)
        if "site" in self.fields:
            links = {name: cleaned.get(name) for name in ("client", "site", "asset", "project")}
            issues.extend(link_issues(**links)[1])
        if "assigned_to" in self.fields and self.team is not None and cleaned.get("assigned_to") is not None:
            issues.extend(assignee_issues(team=self.team, engineer=cleaned["assigned_to"]))
        issues_to_errors(self, issues, JOB_ISSUE_FIELDS)
        return cleaned


class JobTypeForm(TeamConsistentForm):
    """A job type; its schemas edited as rows of fields (the JSON Schema behind "Advanced")."""

    schema_fields = {"payload_schema": "payloadSchema", "result_schema": "resultSchema"}
    schema_help = {
        "payload_schema": "What booking a job of this type asks for: one row per field.",
        "result_schema": "What the engineer records when completing a job of this type: one row per reading.",
    }

    class Meta:
        model = JobType
        fields = "__all__"

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name in self.schema_fields:
            if name in self.fields:
                old = self.fields[name]
                self.fields[name] = SchemaJSONField(
                    label=old.label,
                    codec=SchemaRowsCodec(),
                    empty=lambda: None,
                    widget=SchemaFormWidget(codec=SchemaRowsCodec()),
                    help_text=f"{self.schema_help[name]} The JSON Schema it makes is under Advanced.",
                )

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        for name, wire in self.schema_fields.items():
            if cleaned.get(name) is None:
                continue
            try:
                check_schema(cleaned[name], wire)
            except DomainError as exc:
                issues_to_errors(self, exc.issues, {wire: name})
        return cleaned


class ResultFormMixin(forms.Form):
    """The readings a completion records, as a form drawn from the job type's `result_schema`.

    The job's type comes in `initial["job_type"]` (the object action's `initial(job)`); `clean()`
    checks the result with `jobs.schemas.validate_result`, all issues at once. A form left empty is
    no result (so Failed or No access may leave it out, as the API allows).
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.job_type = (self.initial or {}).get("job_type")
        schema = getattr(self.job_type, "result_schema", None)
        if schema:
            field = SchemaJSONField(
                label="Readings",
                empty=lambda: None,
                widget=SchemaFormWidget(empty_note="This job type records no readings."),
                help_text="What the job type asks the engineer to record.",
            )
            field.set_schema(schema)
            self.fields["result"] = field
            self.order_fields(self.field_order)

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if "result" not in self.fields:
            return cleaned
        result = cleaned.get("result") or None  # {} from an untouched form is no result
        cleaned["result"] = result
        if self.job_type is not None and cleaned.get("result_type"):
            try:
                validate_result(self.job_type, cleaned["result_type"], result)
            except DomainError as exc:
                issues_to_errors(self, exc.issues, {"result": "result"})
        return cleaned
