"""Per-day job tallies behind `/v1/metrics/jobs`, kept by PostgreSQL itself.

A trigger on `jobs_job` (see migration 0002) adds and subtracts every inserted, updated and deleted
job in the same statement, so the tallies are exactly as current as the jobs and no code path (API,
admin, seed COPY, bulk updates) can forget them. Days are the team's local days; a change of team
timezone re-tallies the team. Metrics read whole days from here and only the partial days at the
edges of a range from `jobs_job`. On other databases (SQLite, the demo default) there is no trigger
and metrics read `jobs_job` alone.
"""

from __future__ import annotations

from django.db import models


class TallyKind(models.IntegerChoices):
    CREATED = 1, "Jobs created that day, by status, result and type"
    COMPLETED = 2, "Jobs completed that day, by type"
    OPEN_SCHEDULED = 3, "Open jobs scheduled for that day, by type"


class JobTally(models.Model):
    id = models.BigAutoField(primary_key=True)
    # No foreign-key constraints: the trigger writes these rows inside the jobs' own statements, and
    # a team's rows are removed by a trigger when the team is deleted.
    team = models.ForeignKey(
        "accounts.Team", on_delete=models.DO_NOTHING, db_constraint=False, db_index=False, related_name="+"
    )
    kind = models.PositiveSmallIntegerField(choices=TallyKind.choices)
    day = models.DateField()
    job_type = models.ForeignKey(
        "jobs.JobType", on_delete=models.DO_NOTHING, db_constraint=False, db_index=False, related_name="+"
    )
    status = models.CharField(max_length=16, blank=True, default="")
    result_type = models.CharField(max_length=16, blank=True, default="")
    count = models.BigIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=("team", "kind", "day", "job_type", "status", "result_type"), name="metrics_jobtally_key"
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.day}: {self.count}"
