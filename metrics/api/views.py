from __future__ import annotations

from typing import ClassVar

from drf_spectacular.utils import extend_schema
from rest_framework.request import Request
from rest_framework.response import Response

from accounts.scopes import Scope
from core.api.views import BaseAPIView, envelope
from metrics.api.serializers import JobMetricsQuerySerializer, JobMetricsSerializer
from metrics.selectors import job_metrics


class JobMetricsView(BaseAPIView):
    required_scopes: ClassVar[dict[str, str]] = {"GET": Scope.METRICS_READ}
    extra_error_statuses = (400,)

    @extend_schema(
        summary="Job metrics over a date range",
        tags=["metrics"],
        parameters=[JobMetricsQuerySerializer],
        responses=JobMetricsSerializer,
    )
    def get(self, request: Request) -> Response:
        """Counts by status, job type and result; completion rate; duration percentiles; overdue open jobs;
        and created/completed per day, week or month in the team's timezone. The range spans at most 2 years.
        """
        query = JobMetricsQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        return envelope(JobMetricsSerializer(job_metrics(team=self.team, **query.validated_data)).data)
