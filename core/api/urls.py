"""Every /v1 route: each app's `api/urls.py`, and the schema and Swagger UI."""

from django.urls import include, path
from drf_spectacular.views import SpectacularSwaggerSplitView

from core.api.docs import openapi_json

API_APPS = ["accounts", "jobs", "flows", "projects", "assets", "invoicing", "plans", "search", "metrics", "webhooks"]

urlpatterns = [
    path("openapi.json", openapi_json, name="openapi"),
    # The split view serves Swagger's init script as its own response (/v1/docs?script=): no inline script.
    path("docs", SpectacularSwaggerSplitView.as_view(url_name="openapi"), name="swagger-ui"),
    *(path("", include(f"{app}.api.urls")) for app in API_APPS),
]
