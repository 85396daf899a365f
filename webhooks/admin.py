"""Admin for webhooks: endpoints (created, changed, tested and rotated through the services) and a
read-only delivery log with its attempts, from which failed deliveries can be redelivered."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django import forms
from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.urls import reverse
from django.utils.html import format_html

from accounts.models import Actor
from core.admin import ReadOnlyTeamScopedInline, TeamConsistentForm, TeamScopedAdmin, object_action
from core.exceptions import DomainError
from webhooks.api.serializers import SUBSCRIBABLE
from webhooks.models import ALL_EVENTS, WebhookAttempt, WebhookDelivery, WebhookEndpoint
from webhooks.services import (
    create_endpoint,
    delete_endpoint,
    redeliver,
    rotate_secret,
    send_test_event,
    update_endpoint,
)


def actor_of(request: HttpRequest) -> Actor:
    return Actor(user=request.user)  # type: ignore[arg-type]


class WebhookEndpointForm(TeamConsistentForm):
    url = forms.URLField(max_length=2000, assume_scheme="https", help_text="An https URL on the public internet.")
    enabled_events = forms.MultipleChoiceField(
        choices=SUBSCRIBABLE,
        widget=forms.CheckboxSelectMultiple,
        initial=[ALL_EVENTS],
        help_text="“Every event” alone, or the event types this endpoint wants.",
    )

    class Meta:
        model = WebhookEndpoint
        fields = ("team", "url", "description", "enabled_events", "active")


@admin.register(WebhookEndpoint)
class WebhookEndpointAdmin(TeamScopedAdmin):
    form = WebhookEndpointForm
    list_display = ("url", "team", "active", "events", "consecutive_failures", "disabled_at", "created_at")
    list_filter = ("active",)
    list_select_related = ("team",)
    search_fields = ("url", "description")
    ordering = ("-created_at", "-id")
    actions = ("send_ping", "rotate_secrets")
    object_actions = ("send_test",)
    readonly_fields = (
        "secret_hint", "previous_secret_expires_at", "consecutive_failures", "failing_since", "disabled_at",
        "disabled_reason", "delivery_log", "created_by", "created_at", "updated_at",
    )  # fmt: skip
    service_error_fields = {"enabledEvents": "enabled_events"}

    def get_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        editable = ["team", "url", "description", "enabled_events", "active"]
        return editable if obj is None else [*editable, *self.readonly_fields]

    @admin.display(description="Events")
    def events(self, endpoint: WebhookEndpoint) -> str:
        return "all" if ALL_EVENTS in endpoint.enabled_events else ", ".join(endpoint.enabled_events)

    @admin.display(description="Signing secret")
    def secret_hint(self, endpoint: WebhookEndpoint) -> str:
        return f"whsec_…{endpoint.secret_last4} (shown only when created or rotated)"

    @admin.display(description="Deliveries")
    def delivery_log(self, endpoint: WebhookEndpoint) -> str:
        url = reverse("admin:webhooks_webhookdelivery_changelist") + f"?endpoint__id__exact={endpoint.pk}"
        return format_html('<a href="{}">Delivery log</a>', url)

    def create_object(self, request: HttpRequest, form: Any, formsets: Sequence[Any]) -> WebhookEndpoint:
        data = form.cleaned_data
        endpoint, secret = create_endpoint(
            team=data["team"], actor=actor_of(request), url=data["url"], description=data["description"],
            enabled_events=data["enabled_events"], active=data["active"],
        )  # fmt: skip
        messages.warning(request, f"Signing secret for {endpoint.url}: {secret} — copy it now, it is shown only once.")
        return endpoint

    def change_object(self, request: HttpRequest, obj: Any, form: Any) -> None:
        data = {name: form.cleaned_data[name] for name in form.changed_data if name in form.cleaned_data}
        data.pop("team", None)
        if data:
            update_endpoint(endpoint=obj, actor=actor_of(request), **data)

    def delete_model(self, request: HttpRequest, obj: WebhookEndpoint) -> None:
        delete_endpoint(endpoint=obj, actor=actor_of(request))

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[WebhookEndpoint]) -> None:
        for endpoint in queryset:
            delete_endpoint(endpoint=endpoint, actor=actor_of(request))

    @object_action(label="Send test event", when=lambda endpoint: endpoint.active)
    def send_test(self, request: HttpRequest, endpoint: WebhookEndpoint, data: dict[str, Any]) -> str:
        delivery = send_test_event(endpoint=endpoint, actor=actor_of(request))
        url = reverse("admin:webhooks_webhookdelivery_change", args=[delivery.pk])
        return format_html('Queued a test event (ping) to {}: <a href="{}">see its delivery</a>.', endpoint.url, url)

    @admin.action(description="Send a test ping", permissions=["change"])
    def send_ping(self, request: HttpRequest, queryset: QuerySet[WebhookEndpoint]) -> None:
        queued = 0
        for endpoint in queryset.select_related("team"):
            try:
                send_test_event(endpoint=endpoint, actor=actor_of(request))
                queued += 1
            except DomainError as exc:
                messages.error(request, f"No ping to {endpoint.url}: {exc}")
        if queued:
            messages.success(request, f"Queued a ping to {queued} endpoint(s); see their delivery logs.")

    @admin.action(description="Rotate the signing secret (old one signs 24 more hours)", permissions=["change"])
    def rotate_secrets(self, request: HttpRequest, queryset: QuerySet[WebhookEndpoint]) -> None:
        for endpoint in queryset:
            rotated, secret = rotate_secret(endpoint=endpoint, actor=actor_of(request))
            messages.warning(request, f"New signing secret for {rotated.url}: {secret} — shown only once.")


class WebhookAttemptInline(ReadOnlyTeamScopedInline):
    model = WebhookAttempt
    verbose_name_plural = "attempts"
    fields = ("number", "started_at", "duration_ms", "status_code", "succeeded", "error", "response_body")
    readonly_fields = fields
    ordering = ("started_at", "id")


@admin.register(WebhookDelivery)
class WebhookDeliveryAdmin(TeamScopedAdmin):
    list_display = ("event_id", "event_type", "endpoint", "status", "attempts", "last_status_code", "created_at")
    list_filter = ("status", "endpoint")
    list_select_related = ("endpoint", "event")
    search_fields = ("event__id", "event__type", "endpoint__url")
    ordering = ("-created_at", "-id")
    inlines = (WebhookAttemptInline,)
    actions = ("redeliver_selected",)
    show_full_result_count = False
    fields = ("endpoint", "event_id", "event_type", "status", "attempts", "next_attempt_at", "last_status_code",
              "last_error", "delivered_at", "redelivery_of", "body", "created_at")  # fmt: skip
    readonly_fields = fields

    @admin.display(description="Event type")
    def event_type(self, delivery: WebhookDelivery) -> str:
        return delivery.event.type

    @admin.display(description="Body sent")
    def body(self, delivery: WebhookDelivery) -> str:
        return format_html("<pre style='white-space:pre-wrap'>{}</pre>", delivery.event.body)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    @admin.action(description="Redeliver (as a new delivery of the same event)", permissions=["view"])
    def redeliver_selected(self, request: HttpRequest, queryset: QuerySet[WebhookDelivery]) -> None:
        if not self.has_team_permission(request, "add"):
            messages.error(request, "You may not redeliver webhooks.")
            return
        done = 0
        for delivery in queryset:
            try:
                redeliver(delivery=delivery, actor=actor_of(request))
                done += 1
            except DomainError as exc:
                messages.error(request, f"{delivery.event_id}: {exc}")
        if done:
            messages.success(request, f"Queued {done} redelivery(ies).")
