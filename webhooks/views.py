"""Settings > Developer > Webhooks: a team's endpoints, their deliveries, test pings and secret rotation.

Everyone who may view webhooks sees the pages; owners and admins (who may change them) create,
test, rotate, enable/disable, delete and redeliver. A new secret is shown exactly once.
"""

from __future__ import annotations

import uuid

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Prefetch
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from accounts.models import Actor
from accounts.roles import team_permissions
from accounts.team_context import TeamContext, team_context
from core.exceptions import DomainError
from webhooks import services
from webhooks.forms import WebhookEndpointForm
from webhooks.models import ALL_EVENTS, WebhookAttempt, WebhookDelivery, WebhookEndpoint

NEW_SECRET_SESSION_KEY = "new_webhook_secret_once"  # noqa: S105 - a session key name, not a secret
RECENT_DELIVERIES = 25


def _rights(request: HttpRequest, ctx: TeamContext) -> tuple[bool, bool]:
    rights = team_permissions(request)
    can_view = rights.has(ctx.team.pk, "webhooks.view_webhookendpoint") or rights.has(
        ctx.team.pk, "webhooks.change_webhookendpoint"
    )
    return can_view, rights.has(ctx.team.pk, "webhooks.change_webhookendpoint")


def _context(request: HttpRequest, manage: bool = False) -> tuple[TeamContext, bool]:
    ctx = team_context(request)
    can_view, can_manage = _rights(request, ctx)
    if not can_view or (manage and not can_manage):
        raise PermissionDenied("Only the team's owners and admins can manage webhooks.")
    return ctx, can_manage


def _stash_secret(request: HttpRequest, endpoint: WebhookEndpoint, secret: str) -> None:
    request.session[NEW_SECRET_SESSION_KEY] = {"endpoint_id": str(endpoint.pk), "secret": secret}


def _pop_secret(request: HttpRequest, endpoint: WebhookEndpoint) -> str | None:
    stashed = request.session.pop(NEW_SECRET_SESSION_KEY, None)
    if stashed and stashed.get("endpoint_id") == str(endpoint.pk):
        return str(stashed["secret"])
    return None


def _actor(request: HttpRequest) -> Actor:
    return Actor(user=request.user)  # type: ignore[arg-type]


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def webhook_list(request: HttpRequest) -> HttpResponse:
    """The team's endpoints; owners and admins add one here (its secret is shown once, on its page)."""
    ctx, can_manage = _context(request, manage=request.method == "POST")
    form = WebhookEndpointForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            endpoint, secret = services.create_endpoint(team=ctx.team, actor=_actor(request), **form.cleaned_data)
        except DomainError as exc:
            for path, message in exc.issues:
                form.add_error("enabled_events" if path.startswith("enabledEvents") else "url", message)
        else:
            _stash_secret(request, endpoint, secret)
            return HttpResponseRedirect(reverse("settings-webhook", args=[endpoint.pk]) + "#new-secret")
    endpoints = WebhookEndpoint.objects.for_team(ctx.team).order_by("-created_at")
    return render(
        request,
        "webhooks/list.html",
        {
            "ctx": ctx,
            "section": "webhooks",
            "can_manage": can_manage,
            "endpoints": endpoints,
            "form": form,
            "all_events": ALL_EVENTS,
        },
    )


@never_cache
@login_required
@require_http_methods(["GET"])
def webhook_detail(request: HttpRequest, endpoint_id: uuid.UUID) -> HttpResponse:
    """One endpoint: its settings, the secret once after creation or rotation, and recent deliveries."""
    ctx, can_manage = _context(request)
    endpoint = get_object_or_404(WebhookEndpoint.objects.for_team(ctx.team), pk=endpoint_id)
    deliveries = (
        WebhookDelivery.objects.filter(team=ctx.team, endpoint=endpoint)
        .select_related("event")
        .prefetch_related(Prefetch("attempt_log", queryset=WebhookAttempt.objects.order_by("started_at", "id")))
        .order_by("-created_at", "-id")[:RECENT_DELIVERIES]
    )
    return render(
        request,
        "webhooks/detail.html",
        {
            "ctx": ctx,
            "section": "webhooks",
            "can_manage": can_manage,
            "endpoint": endpoint,
            "deliveries": deliveries,
            "new_secret": _pop_secret(request, endpoint),
            "all_events": ALL_EVENTS,
        },
    )


def _redirect_to(endpoint: WebhookEndpoint, anchor: str = "") -> HttpResponse:
    return HttpResponseRedirect(reverse("settings-webhook", args=[endpoint.pk]) + anchor)


@never_cache
@login_required
@require_POST
def webhook_action(request: HttpRequest, endpoint_id: uuid.UUID, verb: str) -> HttpResponse:
    """The buttons of an endpoint's page: test, rotate, enable, disable, delete."""
    ctx, _ = _context(request, manage=True)
    endpoint = get_object_or_404(WebhookEndpoint.objects.for_team(ctx.team).select_related("team"), pk=endpoint_id)
    actor = _actor(request)
    try:
        if verb == "test":
            services.send_test_event(endpoint=endpoint, actor=actor)
            messages.success(request, "A ping event is on its way; refresh to see the delivery.")
        elif verb == "rotate":
            endpoint, secret = services.rotate_secret(endpoint=endpoint, actor=actor)
            _stash_secret(request, endpoint, secret)
            messages.info(request, "New secret made. The previous one keeps signing for 24 hours.")
            return _redirect_to(endpoint, "#new-secret")
        elif verb in ("enable", "disable"):
            services.update_endpoint(endpoint=endpoint, actor=actor, active=verb == "enable")
            messages.success(request, f"Endpoint {verb}d.")
        elif verb == "delete":
            services.delete_endpoint(endpoint=endpoint, actor=actor)
            messages.success(request, f"Deleted the endpoint {endpoint.url}.")
            return HttpResponseRedirect(reverse("settings-webhooks"))
        else:
            raise PermissionDenied("Unknown action.")
    except DomainError as exc:
        messages.error(request, str(exc))
    return _redirect_to(endpoint)


@never_cache
@login_required
@require_POST
def redeliver_view(request: HttpRequest, delivery_id: uuid.UUID) -> HttpResponse:
    ctx, _ = _context(request, manage=True)
    deliveries = WebhookDelivery.objects.filter(team=ctx.team).select_related("endpoint")
    delivery = get_object_or_404(deliveries, pk=delivery_id)
    try:
        services.redeliver(delivery=delivery, actor=_actor(request))
        messages.success(request, f"Event {delivery.event_id} queued for redelivery.")
    except DomainError as exc:
        messages.error(request, str(exc))
    return _redirect_to(delivery.endpoint)
