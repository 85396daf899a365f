"""Flows moved from the `jobs` app to `flows`: an installation that upgrades keeps every row and permission.

The database is migrated back to before the move (flows still in `jobs`), rows are written with the
models of that time, and it is migrated forward again; the rows must read back through the `flows`
models, and the content types (so the permissions granted on them) must follow.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

import pytest
from django.contrib.auth.models import Group, Permission
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from accounts.models import Role
from accounts.roles import group_name
from flows.models import AttemptOutcome, Flow, FlowAttempt, FlowGroup, FlowKind, FlowStatus, FlowTemplate
from jobs.models import Job, JobStatus
from tests.factories import TeamFactory

BEFORE_THE_MOVE = [("jobs", "0002_flows")]
FLOW_MODELS = ("flow", "flowattempt", "flowgroup", "flowtemplate")


def _migrate(targets: list[tuple[str, str]] | None = None) -> Any:
    """Migrate to `targets` (every app's latest when None); the state's apps at the targets."""
    executor = MigrationExecutor(connection)
    targets = targets or executor.loader.graph.leaf_nodes()
    executor.migrate(targets)
    ContentType.objects.clear_cache()
    return MigrationExecutor(connection).loader.project_state(targets).apps


@pytest.fixture
def before_the_move(transactional_db: Any) -> Iterator[Any]:
    """The historical apps with flows still in `jobs`; the database is migrated forward again afterwards."""
    try:
        yield _migrate(BEFORE_THE_MOVE)
    finally:
        _migrate()


def test_rows_written_before_the_move_read_back_through_the_flows_app(before_the_move: Any) -> None:
    old = before_the_move
    assert not old.is_installed("flows")
    team = TeamFactory()
    # The job through the models of that time too: today's Job has columns (e.g. its time window) added later.
    old_type = old.get_model("jobs", "JobType").objects.create(team_id=team.pk, key="svc", name="Service")
    job = old.get_model("jobs", "Job").objects.create(team_id=team.pk, job_type=old_type, status=JobStatus.COMPLETED)
    completed_at = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)
    template = old.get_model("jobs", "FlowTemplate").objects.create(
        team_id=team.pk, job_type_id=job.job_type_id, name="Service report", kind="REPORT",
        subject="Report for {{ site.name }}", body="<p>Done.</p>", fixed_recipients=["a@example.com"],
    )  # fmt: skip
    group = old.get_model("jobs", "FlowGroup").objects.create(
        team_id=team.pk, job_id=job.pk, status="COMPLETED", job_completed_at=completed_at
    )
    flow = old.get_model("jobs", "Flow").objects.create(
        team_id=team.pk, group=group, template=template, kind="REPORT", name="Service report", status="SENT",
        attempts=1, render_pending=False, send_pending=False, document="flows/x/report.pdf", sent_at=completed_at,
    )  # fmt: skip
    attempt = old.get_model("jobs", "FlowAttempt").objects.create(
        flow=flow, number=1, stage="SEND", send_request=1, outcome="SUCCEEDED", started_at=completed_at
    )
    content_types = old.get_model("contenttypes", "ContentType").objects
    view_flow = Permission.objects.get(content_type__app_label="jobs", codename="view_flow")
    owners = Group.objects.get(name=group_name(Role.OWNER))
    owners.permissions.add(view_flow)
    assert set(content_types.filter(model__in=FLOW_MODELS).values_list("app_label", flat=True)) == {"jobs"}

    new = _migrate()
    job = Job.objects.get(pk=job.pk)

    assert not any(model._meta.model_name in FLOW_MODELS for model in new.get_app_config("jobs").get_models())
    historical = new.get_model("flows", "Flow").objects.get(pk=flow.pk)
    assert (historical.group_id, historical.template_id, historical.status) == (group.pk, template.pk, "SENT")
    # The current models read the same rows, relations and all.
    moved = Flow.objects.select_related("group__job", "template").get(pk=flow.pk)
    assert moved.status == FlowStatus.SENT and moved.kind == FlowKind.REPORT
    assert moved.group.job_id == job.pk and moved.group.job_completed_at == completed_at
    assert moved.template is not None and moved.template.fixed_recipients == ["a@example.com"]
    assert moved.document.name == "flows/x/report.pdf"
    assert FlowGroup.objects.get(job=job).pk == group.pk
    assert FlowTemplate.objects.filter(job_type_id=job.job_type_id).count() == 1
    assert FlowAttempt.objects.get(pk=attempt.pk).outcome == AttemptOutcome.SUCCEEDED
    assert job.flow_group.pk == group.pk  # the reverse relation on Job still works
    # The content types moved with the models: the same permission rows, still granted.
    assert set(ContentType.objects.filter(model__in=FLOW_MODELS).values_list("app_label", flat=True)) == {"flows"}
    assert Permission.objects.get(pk=view_flow.pk).content_type.app_label == "flows"
    assert owners.permissions.filter(pk=view_flow.pk).exists()
    assert ContentType.objects.get_for_model(Flow).pk == view_flow.content_type_id
