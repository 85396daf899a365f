"""The covering indexes `/v1/metrics/jobs` reads (PostgreSQL only; their plans at 1M jobs are in docs/metrics.md)."""

from __future__ import annotations

import pytest
from django.db import connection

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL indexes"),
]

INDEXES = {
    "metrics_job_created_idx": ("(team_id, created_at) INCLUDE (status, result_type", None),
    "metrics_job_completed_cohort_idx": ("(team_id, created_at) INCLUDE (completed_at, started_at", "COMPLETED"),
    "metrics_job_completed_idx": ("(team_id, completed_at) INCLUDE (", "completed_at IS NOT NULL"),
    "metrics_job_open_scheduled_idx": ("(team_id, scheduled_date) INCLUDE (", "IN_PROGRESS"),
}


def test_the_covering_indexes_exist() -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT indexname, indexdef FROM pg_indexes WHERE indexname LIKE 'metrics\\_job\\_%%'")
        indexes = dict(cursor.fetchall())
    assert set(indexes) == set(INDEXES)
    for name, (columns, predicate) in INDEXES.items():
        assert columns in indexes[name], indexes[name]
        assert "job_type_id, assigned_to_id, project_id" in indexes[name]
        if predicate:
            assert predicate in indexes[name].split("WHERE", 1)[1]
