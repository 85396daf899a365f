"""`GET /v1/events` and `GET /v1/events/{eventId}`: the team's domain events, the feed for incremental export.

The rows are the webhook outbox (`WebhookEvent`): every event is recorded in the transaction of its
change whether or not an endpoint subscribes, with the very body the webhooks carry. Each kind of
event is shown only to a credential that could read its object (`job.*` needs `jobs.read`, …).
"""

from __future__ import annotations

import datetime as dt
from typing import Any, ClassVar

import django_filters
import orjson
from django.db.models import QuerySet
from django.utils import timezone
from drf_spectacular.utils import (
    OpenApiExample,
    OpenApiParameter,
    extend_schema,
    extend_schema_field,
    extend_schema_view,
)
from rest_framework import serializers
from rest_framework.exceptions import NotFound, PermissionDenied
from rest_framework.permissions import BasePermission
from rest_framework.request import Request
from rest_framework.response import Response

from accounts.models import Team
from accounts.scopes import Scope, grants
from core.api.errors import bad_request
from core.api.fast import iso_datetime
from core.api.filters import TeamFilterSet
from core.api.pagination import CREATED_AT, KeysetPagination, SortField
from core.api.renderers import PreCamelized
from core.api.schema import EnvelopeAutoSchema
from core.api.views import TeamScopedViewSet, envelope
from core.wire import to_wire
from webhooks import selectors
from webhooks.models import OBJECT_TYPE_SCOPES, EventObjectType, EventType, WebhookEvent, event_scope, object_type_of

TAGS = ["events"]
EVENT_ID_PATTERN = "evt_[0-9A-Za-z]{1,36}"
FEED_SCOPES: tuple[Scope, ...] = tuple(dict.fromkeys(OBJECT_TYPE_SCOPES.values()))
# In catch-up (ascending) order the feed stops this far behind now: an event's `createdAt` is taken
# before its transaction commits, so a newer cursor could step over an event still being committed.
CATCH_UP_SETTLE = dt.timedelta(seconds=5)


def _quoted(scopes: Any) -> str:
    return ", ".join(f"'{scope}'" for scope in scopes)


# Serializers (the schema; rows are built by `event_row`, in the same shape) ----------------------------
@extend_schema_field({"type": "object", "additionalProperties": True})
class _ObjectField(serializers.JSONField):
    pass


class EventDataSerializer(serializers.Serializer[Any]):
    object = _ObjectField(
        help_text="The object as `GET /v1/<resource>/{id}` returned it at the moment of the event (a snapshot)."
    )


class EventSerializer(serializers.Serializer[Any]):
    """One domain event, with the same `id`, `type`, `createdAt` and `data` as the webhook that carries it."""

    id = serializers.RegexField(
        rf"^{EVENT_ID_PATTERN}$", help_text="`evt_…`: the `SE-Event-Id` of its webhook deliveries."
    )
    type = serializers.ChoiceField(choices=EventType.choices)
    created_at = serializers.DateTimeField()
    object_type = serializers.ChoiceField(
        choices=EventObjectType.choices, help_text="The kind of object: the first part of `type`."
    )
    object_id = serializers.UUIDField(help_text="The id of `data.object`.")
    data = EventDataSerializer()  # type: ignore[assignment]  # a field (DRF takes it off the class), not `.data`


def event_row(event: WebhookEvent) -> dict[str, Any]:
    """An event as the feed sends it (camelCase, JSON-ready): its stored webhook body plus its object's kind and id."""
    body = orjson.loads(event.body)
    return {
        "id": event.pk,
        "type": event.type,
        "createdAt": iso_datetime(event.created_at),
        "objectType": object_type_of(event.type).value,
        "objectId": str(event.object_id) if event.object_id else body["data"]["object"]["id"],
        "data": to_wire(body["data"]),  # events recorded before the null rule hold `""`
    }


EXAMPLE_EVENT = {
    "id": "evt_5c1f0a9e3b7d4c2a8e6f1b0d",
    "type": "job.completed",
    "createdAt": "2026-03-02T10:15:00.123456Z",
    "objectType": "job",
    "objectId": "3f0c5a52-8d1e-4b7a-9c3e-2a6b1d0e4f17",
    "data": {
        "object": {
            "id": "3f0c5a52-8d1e-4b7a-9c3e-2a6b1d0e4f17",
            "status": "COMPLETED",
            "resultType": "SUCCESS",
            "completedAt": "2026-03-02T10:15:00.120000Z",
        }
    },
}
EXAMPLE_KEY = "WyJhdCIsImFzYyIsIjIwMjYtMDMtMDJUMDk6MzA6MDAuMDAwMDAwWiIsIjViMGYzYTUyIl0.Qk1dN2Hc7kPq0x_sYb3vTg2w"


# Filters, pagination, permission ------------------------------------------------------------------------
def requested_types(raw: str) -> list[str]:
    """The event types of a `type` parameter: one, or several separated by commas."""
    return raw.split(",")


TYPE_PATTERN = "^({0})(,({0}))*$".format("|".join(value.replace(".", "\\.") for value in EventType.values))


class EventFilter(TeamFilterSet):
    type = django_filters.CharFilter(
        method="filter_types",
        max_length=1000,
        help_text="Only events of this type, or of these types separated by commas (`job.completed,invoice.paid`).",
    )
    objectId = django_filters.UUIDFilter(field_name="object_id", help_text="Only events about this object.")  # noqa: N815

    class Meta:
        model = WebhookEvent
        fields: list[str] = []

    def filter_types(self, queryset: QuerySet[WebhookEvent], name: str, value: str) -> QuerySet[WebhookEvent]:
        types = requested_types(value)
        unknown = [event_type for event_type in types if event_type not in EventType.values]
        if unknown:
            raise bad_request("type", f"Unknown event type '{unknown[0]}'; one of: {', '.join(EventType.values)}.")
        return queryset.filter(type__in=types)


class EventFeedPagination(KeysetPagination):
    """Keyset pages as on every list, except that the ascending (catch-up) order has no last page.

    Ascending, `lastEvaluatedKey` is always the position after the last event returned (or the key
    that was sent, when nothing newer has settled yet): keep it and ask again later for what is new.
    """

    def paginate_queryset(self, queryset: Any, request: Request, view: Any = None) -> list[Any]:
        page = super().paginate_queryset(queryset, request, view)
        sort_by, order = self.parse_sort(request, view)
        if order == "asc" and self.next_key is None:
            sort = view.sort_fields[sort_by]
            self.next_key = (
                self.key_after(page[-1], sort_by, order, sort)
                if page
                else request.query_params.get("lastEvaluatedKey") or None
            )
        return page

    def get_paginated_response_schema(self, schema: dict[str, Any]) -> dict[str, Any]:
        response = super().get_paginated_response_schema(schema)
        # Example values let the schema show a whole page around an example event.
        response["properties"]["success"]["example"] = True
        response["properties"]["lastEvaluatedKey"]["example"] = EXAMPLE_KEY
        response["properties"]["lastEvaluatedKey"]["description"] = (
            "Pass back as `lastEvaluatedKey` for the next page. Newest first (`desc`), null on the last page; "
            "ascending (`sortOrder=asc`, catching up) it is always the position after the last event returned "
            "(or the key sent, when nothing newer exists; null only when none was sent and there is nothing to "
            "show yet): store it and ask again later."
        )
        return response


class EventFeedPermission(BasePermission):
    """The feed opens to a credential that may read at least one kind of event; the rows then show only those."""

    def has_permission(self, request: Request, view: Any) -> bool:
        principal: Any = request.user
        if principal is None or not getattr(principal, "is_authenticated", False):
            return False  # DRF answers 401
        if (request.method or "").lower() not in getattr(view, "action_map", {}):
            return True  # no handler for this method: DRF answers 405 next
        if not selectors.readable_event_types(principal.scopes):
            raise PermissionDenied(
                f"This operation requires one of the scopes {_quoted(FEED_SCOPES)}: "
                "each kind of event is read with its object's read scope."
            )
        return True


class EventFeedSchema(EnvelopeAutoSchema):
    """The operation names every scope that opens it, not only the first."""

    def get_operation(self, *args: Any, **kwargs: Any) -> Any:
        operation = super().get_operation(*args, **kwargs)
        if operation is None:
            return None
        scopes = ", ".join(f"`{scope}`" for scope in FEED_SCOPES)
        note = f"**Required scope:** `{operation['x-required-scope']}`"
        operation["description"] = operation["description"].replace(
            note,
            f"**Required scope:** any one of {scopes} (`{operation['x-required-scope']}` is the first); "
            "each kind of event is shown only with its object's read scope.",
        )
        operation["x-required-scopes-any-of"] = [str(scope) for scope in FEED_SCOPES]
        return operation


LIST_DESCRIPTION = (
    "Every domain event of the team — the events webhooks send (`job.completed`, `invoice.finalized`, …), "
    "recorded in the transaction of the change whether or not a webhook subscribes — newest first.\n\n"
    "**Catching up** (incremental export, or recovering from a webhook outage): page with `sortOrder=asc`, "
    "then keep the last `lastEvaluatedKey` and ask again later with it: you get exactly the events recorded "
    "since. In ascending order the feed stays 5 seconds behind now, so an event still being committed is "
    "never skipped. Events are kept 30 days.\n\n"
    "A credential sees only the kinds of event whose object it could read (`job.*` with `jobs.read`, "
    "`flow.*` with `flows.read`, `asset.*` with `assets.read`, `project.*` with `projects.read`, "
    "`invoice.*` with `invoices.read`, `plan.*` with `plans.read`); a `type` filter naming another kind "
    "is a 403 that names the scope."
)


@extend_schema_view(
    list=extend_schema(
        summary="List the team's events (the feed)",
        description=LIST_DESCRIPTION,
        tags=TAGS,
        parameters=[
            OpenApiParameter(
                "type",
                str,
                OpenApiParameter.QUERY,
                description=EventFilter.base_filters["type"].extra["help_text"],
                pattern=TYPE_PATTERN,
            )
        ],
        examples=[
            OpenApiExample(
                "A page of the feed",
                value=EXAMPLE_EVENT,
                response_only=True,
            )
        ],
    ),
    retrieve=extend_schema(
        summary="Get one event",
        description="The event with this id (`evt_…`, as in `SE-Event-Id`); 403 naming the scope when the "
        "credential cannot read its kind of object.",
        tags=TAGS,
        examples=[OpenApiExample("An event", value={"success": True, "data": EXAMPLE_EVENT}, response_only=True)],
    ),
)
class EventViewSet(TeamScopedViewSet):
    queryset = WebhookEvent.objects.all()
    serializer_class = EventSerializer
    filterset_class = EventFilter
    pagination_class = EventFeedPagination
    permission_classes = [EventFeedPermission]
    schema = EventFeedSchema()
    lookup_url_kwarg = "eventId"
    lookup_value_regex = EVENT_ID_PATTERN
    sort_fields: ClassVar[dict[str, SortField]] = {"createdAt": CREATED_AT}
    # What the schema and the scope audit name; `EventFeedPermission` accepts any kind's read scope.
    required_scopes: ClassVar[dict[str, str]] = {"list": FEED_SCOPES[0], "retrieve": FEED_SCOPES[0]}

    def base_queryset(self, team: Team) -> QuerySet[WebhookEvent]:
        if self.action != "list":
            return selectors.events_for(team=team)
        catching_up = self.request.query_params.get("sortOrder") == "asc"
        return selectors.events_for(
            team=team,
            types=selectors.readable_event_types(self.request.user.scopes),  # type: ignore[union-attr]
            settled_before=timezone.now() - CATCH_UP_SETTLE if catching_up else None,
        )

    def list(self, request: Request) -> Response:
        scopes = request.user.scopes  # type: ignore[union-attr]
        if len(request.query_params.getlist("type")) > 1:
            raise bad_request("type", "Give several types in one `type` parameter, separated by commas.")
        for event_type in requested_types(request.query_params.get("type") or ""):
            if event_type in EventType.values and not grants(scopes, event_scope(event_type)):
                raise PermissionDenied(f"Events of type '{event_type}' require the '{event_scope(event_type)}' scope.")
        page = self.paginate_queryset(self.filter_queryset(self.get_queryset())) or []
        return self.get_paginated_response(PreCamelized(event_row(event) for event in page))

    def retrieve(self, request: Request, eventId: str) -> Response:  # noqa: N803
        event = self.get_queryset().filter(pk=eventId).first()
        if event is None:
            raise NotFound()
        scope = event_scope(event.type)
        if not grants(request.user.scopes, scope):  # type: ignore[union-attr]
            raise PermissionDenied(f"Events of type '{event.type}' require the '{scope}' scope.")
        return envelope(event_row(event))
