"""Comparison builds of GET /v1/jobs, mounted only in the benchmark settings.

- naive: what a first DRF tutorial produces — ModelViewSet, ModelSerializer, LimitOffsetPagination.
- careful: a plain DRF keyset list — ListAPIView, ModelSerializer, DRF's CursorPagination.
Both use the same authentication and team scoping as the real endpoint.
"""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from rest_framework import generics, serializers, viewsets
from rest_framework.pagination import CursorPagination, LimitOffsetPagination
from rest_framework.permissions import IsAuthenticated
from rest_framework.renderers import JSONRenderer

from core.api.authentication import BearerAuthentication
from jobs.models import Job


class PlainJobSerializer(serializers.ModelSerializer[Job]):
    job_type = serializers.CharField(source="job_type.key")

    class Meta:
        model = Job
        exclude = ("team",)


class _Common:
    authentication_classes = [BearerAuthentication]
    permission_classes = [IsAuthenticated]
    renderer_classes = [JSONRenderer]
    throttle_classes: list[Any] = []
    serializer_class = PlainJobSerializer

    def get_queryset(self) -> QuerySet[Job]:
        return Job.objects.filter(team=self.request.user.team).select_related("job_type")


class NaivePagination(LimitOffsetPagination):
    default_limit = 25


class NaiveJobViewSet(_Common, viewsets.ReadOnlyModelViewSet):
    pagination_class = NaivePagination


class KeysetPagination(CursorPagination):
    page_size = 25
    ordering = "-created_at"


class CarefulJobList(_Common, generics.ListAPIView):
    pagination_class = KeysetPagination
