from __future__ import annotations

from typing import Any

from rest_framework import serializers

from core.api.timerange import TimeRangeQuerySerializer
from core.timerange import Interval
from jobs.models import JobStatus, ResultType


class JobMetricsQuerySerializer(TimeRangeQuerySerializer):
    """Query parameters of `GET /v1/metrics/jobs` (camelCase, as on the wire): the shared time range
    (`dateFrom`, `dateTo` on the jobs' `createdAt`, `interval`) and the filters."""

    jobType = serializers.CharField(  # noqa: N815
        source="job_type", required=False, max_length=64, help_text="A job type's key or id."
    )
    assignedTo = serializers.UUIDField(source="assigned_to", required=False, help_text="An engineer's user id.")  # noqa: N815
    projectId = serializers.UUIDField(source="project_id", required=False)  # noqa: N815


class StatusCountSerializer(serializers.Serializer[Any]):
    status = serializers.ChoiceField(choices=JobStatus.choices)
    count = serializers.IntegerField()


class ResultTypeCountSerializer(serializers.Serializer[Any]):
    result_type = serializers.ChoiceField(choices=ResultType.choices)
    count = serializers.IntegerField()


class JobTypeCountSerializer(serializers.Serializer[Any]):
    job_type_id = serializers.UUIDField()
    key = serializers.CharField()
    name = serializers.CharField()
    count = serializers.IntegerField()


class PercentilesSerializer(serializers.Serializer[Any]):
    median_seconds = serializers.FloatField(allow_null=True)
    p90_seconds = serializers.FloatField(allow_null=True)


class DurationsSerializer(serializers.Serializer[Any]):
    created_to_completed = PercentilesSerializer(help_text="From creation to completion, completed jobs only.")
    started_to_completed = PercentilesSerializer(help_text="From start to completion, completed jobs only.")


class SeriesBucketSerializer(serializers.Serializer[Any]):
    start = serializers.DateField(help_text="First day of the bucket, in the team's timezone.")
    created = serializers.IntegerField(help_text="Jobs created in the bucket.")
    completed = serializers.IntegerField(help_text="Jobs completed in the bucket (whenever they were created).")


class JobMetricsSerializer(serializers.Serializer[Any]):
    range_start = serializers.DateTimeField()
    range_end = serializers.DateTimeField()
    interval = serializers.ChoiceField(choices=Interval.choices)
    timezone = serializers.CharField(help_text="The team's timezone, in which buckets and 'today' are computed.")
    total = serializers.IntegerField(help_text="Jobs created in the range.")
    by_status = StatusCountSerializer(many=True)
    by_result_type = ResultTypeCountSerializer(many=True)
    by_job_type = JobTypeCountSerializer(many=True, help_text="Job types with at least one job, most jobs first.")
    completion_rate = serializers.FloatField(
        allow_null=True, help_text="Completed / total for jobs created in the range; null when there are none."
    )
    durations = DurationsSerializer()
    overdue_open = serializers.IntegerField(
        help_text="Open jobs (pending, assigned, in progress) scheduled before today, as of now, whatever the range."
    )
    series = SeriesBucketSerializer(many=True)
