from __future__ import annotations

from typing import Any, ClassVar

from django.db.models import QuerySet
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import status
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from accounts.models import Team
from accounts.scopes import Scope
from core.api import idempotency
from core.api.examples import with_request_examples
from core.api.views import ListMixin, RetrieveMixin, TeamScopedViewSet, envelope
from webhooks import selectors, services
from webhooks.api import examples
from webhooks.api.serializers import (
    NoFieldsSerializer,
    WebhookDeletedSerializer,
    WebhookDeliverySerializer,
    WebhookEndpointCreateSerializer,
    WebhookEndpointSerializer,
    WebhookEndpointUpdateSerializer,
    WebhookEndpointWithSecretSerializer,
)
from webhooks.models import WebhookDelivery, WebhookEndpoint

TAGS = ["webhooks"]
READ, WRITE = Scope.WEBHOOKS_READ, Scope.WEBHOOKS_WRITE


def _with_secret(endpoint: WebhookEndpoint, secret: str, status_code: int) -> Response:
    return envelope(WebhookEndpointWithSecretSerializer(endpoint, context={"secret": secret}).data, status_code)


@with_request_examples(
    create=examples.CREATE_ENDPOINT,
    update_endpoint=examples.UPDATE_ENDPOINT,
    delete_endpoint=examples.NO_FIELDS,
    rotate_secret=examples.NO_FIELDS,
    test=examples.NO_FIELDS,
)
@extend_schema_view(
    list=extend_schema(summary="List webhook endpoints", tags=TAGS),
    retrieve=extend_schema(summary="Get a webhook endpoint", tags=TAGS),
    create=extend_schema(
        summary="Create a webhook endpoint (its signing secret is in this answer only)",
        tags=TAGS,
        request=WebhookEndpointCreateSerializer,
        responses={201: WebhookEndpointWithSecretSerializer},
    ),
    update_endpoint=extend_schema(
        summary="Change a webhook endpoint (active: true re-enables it)",
        tags=TAGS,
        request=WebhookEndpointUpdateSerializer,
        responses={200: WebhookEndpointSerializer},
    ),
    delete_endpoint=extend_schema(
        summary="Delete a webhook endpoint and its delivery log",
        tags=TAGS,
        request=NoFieldsSerializer,
        responses={200: WebhookDeletedSerializer},
    ),
    rotate_secret=extend_schema(
        summary="Rotate the signing secret (the previous one keeps signing for 24 hours)",
        tags=TAGS,
        request=NoFieldsSerializer,
        responses={200: WebhookEndpointWithSecretSerializer},
    ),
    test=extend_schema(
        summary="Send a ping event to this endpoint (queued)",
        tags=TAGS,
        request=NoFieldsSerializer,
        responses={202: WebhookDeliverySerializer},
    ),
)
class WebhookEndpointViewSet(ListMixin, RetrieveMixin, TeamScopedViewSet):
    queryset = WebhookEndpoint.objects.all()
    serializer_class = WebhookEndpointSerializer
    required_scopes: ClassVar[dict[str, str]] = {
        "list": READ,
        "retrieve": READ,
        **dict.fromkeys(("create", "update_endpoint", "delete_endpoint", "rotate_secret", "test"), WRITE),
    }

    def base_queryset(self, team: Team) -> QuerySet[WebhookEndpoint]:
        return selectors.endpoints_for(team=team)

    def finalize_response(self, request: Request, response: Any, *args: Any, **kwargs: Any) -> Any:
        """An `Idempotency-Key` replay of create/rotate-secret never repeats the secret: it is not stored
        in the idempotency log in clear; the replay shows `whsec_…<last 4>` instead."""
        record = getattr(self, "_idempotency", None)
        data = getattr(response, "data", None)
        if record is None or not isinstance(data, dict) or "secret" not in (data.get("data") or {}):
            return super().finalize_response(request, response, *args, **kwargs)
        self._idempotency = None
        response = super().finalize_response(request, response, *args, **kwargs)
        endpoint = data["data"]
        redacted = {**data, "data": {**endpoint, "secret": f"whsec_…{endpoint['secret_last4']}"}}
        idempotency.finish(record, Response(redacted, status=response.status_code))
        return response

    def create(self, request: Request) -> Response:
        data = self.validated(WebhookEndpointCreateSerializer)
        endpoint, secret = services.create_endpoint(team=self.team, actor=self.actor, **data)
        return _with_secret(endpoint, secret, status.HTTP_201_CREATED)

    @action(detail=True, methods=["post"], url_path="update", url_name="update")
    def update_endpoint(self, request: Request, id: str) -> Response:
        endpoint = self.get_object()
        data = self.validated(WebhookEndpointUpdateSerializer)
        return self.respond(services.update_endpoint(endpoint=endpoint, actor=self.actor, **data))

    @action(detail=True, methods=["post"], url_path="delete", url_name="delete")
    def delete_endpoint(self, request: Request, id: str) -> Response:
        endpoint = self.get_object()
        self.validated(NoFieldsSerializer)
        services.delete_endpoint(endpoint=endpoint, actor=self.actor)
        return envelope(WebhookDeletedSerializer({"id": endpoint.pk, "deleted": True}).data)

    @action(detail=True, methods=["post"], url_path="rotate-secret", url_name="rotate-secret")
    def rotate_secret(self, request: Request, id: str) -> Response:
        endpoint = self.get_object()
        self.validated(NoFieldsSerializer)
        endpoint, secret = services.rotate_secret(endpoint=endpoint, actor=self.actor)
        return _with_secret(endpoint, secret, status.HTTP_200_OK)

    @action(detail=True, methods=["post"])
    def test(self, request: Request, id: str) -> Response:
        endpoint = self.get_object()
        self.validated(NoFieldsSerializer)
        delivery = services.send_test_event(endpoint=endpoint, actor=self.actor)
        return _accepted(self.team, delivery, "Queued: a ping event will be sent to the endpoint.")


def _accepted(team: Team, delivery: WebhookDelivery, message: str) -> Response:
    fresh = selectors.deliveries_for(team=team).get(pk=delivery.pk)
    return envelope(WebhookDeliverySerializer(fresh).data, status.HTTP_202_ACCEPTED, message)


@extend_schema_view(list=extend_schema(summary="List an endpoint's deliveries, each with its attempts", tags=TAGS))
class EndpointDeliveryViewSet(ListMixin, TeamScopedViewSet):
    """`GET /v1/webhooks/{id}/deliveries`: newest first by default."""

    queryset = WebhookDelivery.objects.all()
    serializer_class = WebhookDeliverySerializer
    required_scopes: ClassVar[dict[str, str]] = {"list": READ}

    def base_queryset(self, team: Team) -> QuerySet[WebhookDelivery]:
        endpoint = self.team_object(selectors.endpoints_for(team=team), self.kwargs["id"])
        return selectors.deliveries_for(team=team, endpoint_id=endpoint.pk)


@with_request_examples(redeliver=examples.NO_FIELDS)
@extend_schema_view(
    retrieve=extend_schema(summary="Get a webhook delivery with its attempts", tags=TAGS),
    redeliver=extend_schema(
        summary="Send a delivery's event again, as a new delivery (queued)",
        tags=TAGS,
        request=NoFieldsSerializer,
        responses={202: WebhookDeliverySerializer},
    ),
)
class DeliveryViewSet(RetrieveMixin, TeamScopedViewSet):
    queryset = WebhookDelivery.objects.all()
    serializer_class = WebhookDeliverySerializer
    required_scopes: ClassVar[dict[str, str]] = {"retrieve": READ, "redeliver": WRITE}

    def base_queryset(self, team: Team) -> QuerySet[WebhookDelivery]:
        return selectors.deliveries_for(team=team)

    @action(detail=True, methods=["post"])
    def redeliver(self, request: Request, id: str) -> Response:
        """Refused with 409 while the delivery is still pending, or when the endpoint is disabled."""
        delivery = self.get_object()
        self.validated(NoFieldsSerializer)
        again = services.redeliver(delivery=delivery, actor=self.actor)
        return _accepted(self.team, again, "Queued: the event will be delivered again.")
