"""The admin's form for a project template's steps: each step's payload a form generated from its job type.

The schema is the step's job type (as sent, else as saved); picking another type redraws the form
(`static/js/schema-form.js`, from the job admin's team-scoped `type-schema/` view). `clean()` checks
the payload against the type with the jobs service's own validation, every issue at once, on the
step's row (the template service checks the same when it saves).
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.urls import reverse

from core.admin_schema import SchemaFormWidget, SchemaJSONField, issues_to_errors
from core.exceptions import DomainError
from jobs.services import validate_payload


class ProjectTemplateStepForm(forms.ModelForm):
    """One step of a template: its job type, and the created job's payload drawn from that type."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if "payload" not in self.fields:
            return
        field = SchemaJSONField(
            label="Payload",
            widget=SchemaFormWidget(
                source="job_type",
                schema_url=reverse("admin:jobs_job_type_schema"),
                empty_note="Choose the step's job type: what it asks for appears here (it may ask for nothing).",
            ),
            help_text="The created job's payload. Changing the type starts this form afresh.",
        )
        job_type = self.chosen_job_type()
        field.set_schema(job_type.payload_schema if job_type is not None else None)
        self.fields["payload"] = field

    def chosen_job_type(self) -> Any:
        field = self.fields.get("job_type")
        raw = self.data.get(self.add_prefix("job_type")) if self.is_bound else None
        if isinstance(field, forms.ModelChoiceField) and raw:
            try:
                return field.clean(raw)
            except forms.ValidationError:
                return None
        return self.instance.job_type if self.instance.job_type_id else None

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        job_type = cleaned.get("job_type")
        if job_type is not None and "payload" in cleaned:
            try:
                validate_payload(job_type, cleaned["payload"])
            except DomainError as exc:
                issues_to_errors(self, exc.issues, {"payload": "payload"})
        return cleaned
