# Flows moved here from the `jobs` app. The tables were made by jobs/migrations/0002_flows.py and
# keep their names (`jobs_flow`...), so this migration only takes over Django's record of the models
# (no SQL) and renames their content types, which keeps the permissions granted on them.

import uuid

import django.db.models.deletion
import django.utils.timezone
from django.db import migrations, models

import flows.models

MODELS = ("flow", "flowattempt", "flowgroup", "flowtemplate")


def _move_content_types(apps, old_label, new_label):
    content_type = apps.get_model("contenttypes", "ContentType")
    for model in MODELS:
        if not content_type.objects.filter(app_label=new_label, model=model).exists():
            content_type.objects.filter(app_label=old_label, model=model).update(app_label=new_label)


def content_types_to_flows(apps, schema_editor):
    _move_content_types(apps, "jobs", "flows")


def content_types_to_jobs(apps, schema_editor):
    _move_content_types(apps, "flows", "jobs")


class Migration(migrations.Migration):
    initial = True

    dependencies = [
        ("accounts", "0002_oauth_team_bindings"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("jobs", "0003_flows_move_to_flows_app"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="FlowGroup",
                    fields=[
                        ("id", models.UUIDField(default=uuid.uuid4, editable=False, primary_key=True, serialize=False)),
                        ("created_at", models.DateTimeField(default=django.utils.timezone.now, editable=False)),
                        ("updated_at", models.DateTimeField(default=django.utils.timezone.now, editable=False)),
                        (
                            "status",
                            models.CharField(
                                choices=[
                                    ("IN_PROGRESS", "Some documents are still being rendered or sent"),
                                    ("COMPLETED", "Every document is settled and none failed"),
                                    ("FAILED", "Every document is settled and at least one failed"),
                                ],
                                default="IN_PROGRESS",
                                max_length=16,
                            ),
                        ),
                        ("job_completed_at", models.DateTimeField()),
                        (
                            "job",
                            models.OneToOneField(
                                on_delete=django.db.models.deletion.CASCADE, related_name="flow_group", to="jobs.job"
                            ),
                        ),
                        (
                            "team",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.CASCADE, related_name="+", to="accounts.team"
                            ),
                        ),
                    ],
                    options={
                        "db_table": "jobs_flowgroup",
                        "ordering": ("-created_at", "-id"),
                    },
                ),
                migrations.CreateModel(
                    name="FlowTemplate",
                    fields=[
                        ("id", models.UUIDField(default=uuid.uuid4, editable=False, primary_key=True, serialize=False)),
                        ("created_at", models.DateTimeField(default=django.utils.timezone.now, editable=False)),
                        ("updated_at", models.DateTimeField(default=django.utils.timezone.now, editable=False)),
                        ("name", models.CharField(max_length=200)),
                        (
                            "kind",
                            models.CharField(
                                choices=[
                                    ("REPORT", "Service report"),
                                    ("CERTIFICATE", "Certificate"),
                                    ("NOTICE", "Completion notice"),
                                ],
                                max_length=16,
                            ),
                        ),
                        (
                            "subject",
                            models.CharField(
                                help_text="Django template for the email subject and document title.", max_length=500
                            ),
                        ),
                        ("body", models.TextField(help_text="Django template (HTML) for the document's content.")),
                        (
                            "recipient_rule",
                            models.CharField(
                                choices=[
                                    ("CLIENT", "The job's client's email"),
                                    ("SITE_CONTACT", "The site contact's email"),
                                    ("FIXED", "Fixed addresses"),
                                ],
                                default="CLIENT",
                                max_length=16,
                            ),
                        ),
                        (
                            "fixed_recipients",
                            models.JSONField(blank=True, default=list, help_text="Addresses used by the FIXED rule."),
                        ),
                        (
                            "result_types",
                            models.JSONField(
                                blank=True,
                                default=list,
                                help_text="Result types this document is sent for; empty means every result.",
                            ),
                        ),
                        ("active", models.BooleanField(default=True)),
                        (
                            "job_type",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="flow_templates",
                                to="jobs.jobtype",
                            ),
                        ),
                        (
                            "team",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.CASCADE, related_name="+", to="accounts.team"
                            ),
                        ),
                    ],
                    options={
                        "db_table": "jobs_flowtemplate",
                        "ordering": ("name",),
                    },
                ),
                migrations.CreateModel(
                    name="Flow",
                    fields=[
                        ("id", models.UUIDField(default=uuid.uuid4, editable=False, primary_key=True, serialize=False)),
                        ("created_at", models.DateTimeField(default=django.utils.timezone.now, editable=False)),
                        ("updated_at", models.DateTimeField(default=django.utils.timezone.now, editable=False)),
                        (
                            "kind",
                            models.CharField(
                                choices=[
                                    ("REPORT", "Service report"),
                                    ("CERTIFICATE", "Certificate"),
                                    ("NOTICE", "Completion notice"),
                                ],
                                max_length=16,
                            ),
                        ),
                        ("name", models.CharField(max_length=200)),
                        (
                            "status",
                            models.CharField(
                                choices=[
                                    ("QUEUED", "Queued"),
                                    ("RENDERING", "Rendering"),
                                    ("RENDERED", "Rendered"),
                                    ("SENDING", "Sending"),
                                    ("SENT", "Sent"),
                                    ("FAILED", "Failed"),
                                ],
                                default="QUEUED",
                                max_length=16,
                            ),
                        ),
                        (
                            "attempts",
                            models.PositiveIntegerField(default=0, help_text="Attempts made for the current request."),
                        ),
                        ("last_error", models.TextField(blank=True)),
                        ("render_pending", models.BooleanField(default=True)),
                        ("send_pending", models.BooleanField(default=True)),
                        ("send_request", models.PositiveIntegerField(default=1)),
                        ("next_attempt_at", models.DateTimeField(blank=True, null=True)),
                        ("lease_owner", models.CharField(blank=True, max_length=64)),
                        ("lease_expires_at", models.DateTimeField(blank=True, null=True)),
                        ("subject", models.CharField(blank=True, max_length=500)),
                        ("recipients", models.JSONField(blank=True, default=list)),
                        (
                            "document",
                            models.FileField(blank=True, max_length=300, upload_to=flows.models.flow_document_path),
                        ),
                        ("document_size", models.PositiveIntegerField(blank=True, null=True)),
                        ("rendered_at", models.DateTimeField(blank=True, null=True)),
                        ("sent_at", models.DateTimeField(blank=True, null=True)),
                        (
                            "team",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.CASCADE, related_name="+", to="accounts.team"
                            ),
                        ),
                        (
                            "group",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.CASCADE, related_name="flows", to="flows.flowgroup"
                            ),
                        ),
                        (
                            "template",
                            models.ForeignKey(
                                blank=True,
                                null=True,
                                on_delete=django.db.models.deletion.SET_NULL,
                                related_name="flows",
                                to="flows.flowtemplate",
                            ),
                        ),
                    ],
                    options={
                        "db_table": "jobs_flow",
                        "ordering": ("group", "kind", "name"),
                    },
                ),
                migrations.CreateModel(
                    name="FlowAttempt",
                    fields=[
                        ("id", models.UUIDField(default=uuid.uuid4, editable=False, primary_key=True, serialize=False)),
                        ("number", models.PositiveIntegerField(help_text="The flow's attempt counter when this ran.")),
                        ("stage", models.CharField(choices=[("RENDER", "Render"), ("SEND", "Send")], max_length=8)),
                        ("send_request", models.PositiveIntegerField(blank=True, null=True)),
                        (
                            "outcome",
                            models.CharField(
                                choices=[
                                    ("IN_PROGRESS", "In Progress"),
                                    ("SUCCEEDED", "Succeeded"),
                                    ("FAILED", "Failed"),
                                    ("UNKNOWN", "The worker stopped mid-delivery: the email may or may not have left"),
                                ],
                                default="IN_PROGRESS",
                                max_length=16,
                            ),
                        ),
                        ("error", models.TextField(blank=True)),
                        ("recipients", models.JSONField(blank=True, default=list)),
                        ("message_id", models.CharField(blank=True, max_length=300)),
                        ("started_at", models.DateTimeField()),
                        ("finished_at", models.DateTimeField(blank=True, null=True)),
                        (
                            "flow",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.CASCADE, related_name="log", to="flows.flow"
                            ),
                        ),
                    ],
                    options={
                        "db_table": "jobs_flowattempt",
                        "ordering": ("started_at", "id"),
                        "indexes": [models.Index(fields=["flow", "started_at"], name="flowattempt_flow_started_idx")],
                        "constraints": [
                            models.UniqueConstraint(
                                condition=models.Q(
                                    ("outcome__in", ["IN_PROGRESS", "SUCCEEDED", "UNKNOWN"]), ("stage", "SEND")
                                ),
                                fields=("flow", "send_request"),
                                name="flowattempt_one_delivery_per_request",
                            )
                        ],
                    },
                ),
                migrations.AddIndex(
                    model_name="flowgroup",
                    index=models.Index(fields=["team", "created_at", "id"], name="flowgroup_team_created_idx"),
                ),
                migrations.AddIndex(
                    model_name="flowgroup",
                    index=models.Index(fields=["team", "status", "created_at", "id"], name="flowgroup_team_status_idx"),
                ),
                migrations.AddIndex(
                    model_name="flowtemplate",
                    index=models.Index(
                        fields=["team", "job_type", "created_at", "id"], name="flowtpl_team_type_created_idx"
                    ),
                ),
                migrations.AddConstraint(
                    model_name="flowtemplate",
                    constraint=models.UniqueConstraint(
                        fields=("job_type", "name"), name="flowtemplate_unique_type_name"
                    ),
                ),
                migrations.AddIndex(
                    model_name="flow",
                    index=models.Index(fields=["team", "created_at", "id"], name="flow_team_created_idx"),
                ),
                migrations.AddIndex(
                    model_name="flow",
                    index=models.Index(fields=["status", "next_attempt_at"], name="flow_status_due_idx"),
                ),
            ],
            database_operations=[],
        ),
        migrations.RunPython(content_types_to_flows, content_types_to_jobs),
    ]
