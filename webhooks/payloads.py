"""The `data.object` of an event: exactly the JSON `GET /v1/<resource>/{id}` returns for the object.

Each model is mapped to the viewset that serves it, and that viewset's own `retrieve` is run for the
object's team (an in-process GET, no HTTP), camelized as the renderer does, so a webhook never drifts
from the REST API. Links the API would make absolute stay relative to the API's origin (there is
no request host to build them from).
"""

from __future__ import annotations

from typing import Any

from django.db import models
from django.http import HttpRequest
from django.utils.module_loading import import_string
from djangorestframework_camel_case.settings import api_settings as camel_settings
from djangorestframework_camel_case.util import camelize
from rest_framework.request import Request

from accounts.models import Team
from accounts.scopes import ALL_SCOPES
from core.api.authentication import APIPrincipal
from core.api.renderers import PreCamelized

# model label → the viewset whose `retrieve` answers `GET /v1/<resource>/{id}` for it
RETRIEVE_VIEWSETS: dict[str, str] = {
    "jobs.job": "jobs.api.views.JobViewSet",
    "flows.flow": "flows.api.views.FlowViewSet",
    "assets.asset": "assets.api.views.AssetViewSet",
    "projects.project": "projects.api.views.ProjectViewSet",
    "invoicing.invoice": "invoicing.api.views.InvoiceViewSet",
    "webhooks.webhookendpoint": "webhooks.api.views.WebhookEndpointViewSet",
}


def _relative_uri(location: str | None = None) -> str:
    return location or "/"


def object_json(team: Team, obj: models.Model) -> Any:
    """`obj` as its retrieve endpoint renders it (camelCase, JSON-ready), read now, in the caller's transaction."""
    label = obj._meta.label_lower
    if label not in RETRIEVE_VIEWSETS:
        raise LookupError(f"No API representation is registered for {label}.")
    http = HttpRequest()
    http.method = "GET"
    http.build_absolute_uri = _relative_uri  # type: ignore[method-assign]
    request = Request(http)
    request.user = APIPrincipal(team=team, scopes=frozenset(ALL_SCOPES), credential=None)  # type: ignore[assignment]
    view = import_string(RETRIEVE_VIEWSETS[label])()
    view.action_map, view.action, view.request = {"get": "retrieve"}, "retrieve", request
    view.args, view.kwargs, view.format_kwarg, view.headers = (), {"id": str(obj.pk)}, None, {}
    response = view.retrieve(request, **view.kwargs)
    if response.status_code != 200:
        raise LookupError(f"GET {label} {obj.pk} answered {response.status_code}.")
    data = response.data["data"]
    return data if isinstance(data, PreCamelized) else camelize(data, **camel_settings.JSON_UNDERSCOREIZE)
