from django.urls import URLPattern, URLResolver, path

from metrics.api.views import JobMetricsView

urlpatterns: list[URLPattern | URLResolver] = [
    path("metrics/jobs", JobMetricsView.as_view(), name="metrics-jobs"),
]
