"""Covering indexes on jobs for `/v1/metrics/jobs`, so that each of its aggregates is one index-only scan.

The indexes live on the jobs table but belong to metrics: they exist only for its aggregates.
Each is led by the team, then the column the query ranges over, and INCLUDEs every column the
aggregate or an optional filter reads (status, result, type, engineer, project, timestamps), so
PostgreSQL never visits the table. PostgreSQL only (on SQLite this migration does nothing).
"""

from django.db import migrations

from metrics.migrations._postgres import PostgresOnlyRunSQL

FILTERS = "job_type_id, assigned_to_id, project_id"

INDEXES = {
    # The cohort (jobs created in the range): counts by status, result, type and creation bucket.
    "metrics_job_created_idx": (
        f"(team_id, created_at) INCLUDE (status, result_type, {FILTERS})",
        "",
    ),
    # Durations of the cohort's completed jobs (the percentiles sort only these).
    "metrics_job_completed_cohort_idx": (
        f"(team_id, created_at) INCLUDE (completed_at, started_at, {FILTERS})",
        "WHERE status = 'COMPLETED' AND completed_at IS NOT NULL",
    ),
    # Completions per bucket: only completed jobs, by completion time.
    "metrics_job_completed_idx": (
        f"(team_id, completed_at) INCLUDE ({FILTERS})",
        "WHERE completed_at IS NOT NULL",
    ),
    # Overdue open jobs: only open jobs, by scheduled date.
    "metrics_job_open_scheduled_idx": (
        f"(team_id, scheduled_date) INCLUDE ({FILTERS})",
        "WHERE status IN ('PENDING', 'ASSIGNED', 'IN_PROGRESS') AND scheduled_date IS NOT NULL",
    ),
}


class Migration(migrations.Migration):

    initial = True

    dependencies = [("jobs", "0001_initial")]

    operations = [
        PostgresOnlyRunSQL(
            sql=[f"CREATE INDEX {name} ON jobs_job {columns} {where}".strip() for name, (columns, where) in INDEXES.items()],
            reverse_sql=[f"DROP INDEX IF EXISTS {name}" for name in INDEXES],
        ),
    ]
