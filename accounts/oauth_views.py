"""OAuth endpoints: consent (with the team choice), registration, discovery metadata, authorized apps.

The token, revocation (RFC 7009) and introspection endpoints are django-oauth-toolkit's own views;
`urlpatterns` below mounts everything under the `oauth2_provider` namespace that toolkit expects.
"""

from __future__ import annotations

import copy
import json
import time
from typing import Any

from django import forms
from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.cache import cache
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBase, HttpResponseRedirect, JsonResponse
from django.shortcuts import render
from django.urls import URLPattern, path, reverse
from django.utils.decorators import method_decorator
from django.views.decorators.csrf import ensure_csrf_cookie
from django.views.decorators.http import require_http_methods
from oauth2_provider import views as dot_views
from oauth2_provider.forms import AllowForm

from accounts.models import Membership
from accounts.oauth import authorized_apps, revoke_authorization
from core.api.throttling import parse_rate
from core.security import allow_form_target

# RFC 9728: the resources this server protects, by the path after /.well-known/oauth-protected-resource.
PROTECTED_RESOURCES = {"": "Shocking Energy", "v1": "Shocking Energy REST API", "mcp": "Shocking Energy MCP server"}


# Consent -------------------------------------------------------------------------------------------
class ConsentForm(AllowForm):
    """The toolkit's allow form plus the team the token will act for (one of the user's teams)."""

    team = forms.ChoiceField(choices=(), required=False)

    def __init__(self, *args: Any, user: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        memberships = Membership.objects.filter(user=user, is_active=True).select_related("team").order_by("team__name")
        self.fields["team"].choices = [(str(m.team_id), m.team.name) for m in memberships]
        if len(self.fields["team"].choices) == 1:
            self.fields["team"].initial = self.fields["team"].choices[0][0]

    def clean(self) -> dict[str, Any]:
        cleaned: dict[str, Any] = super().clean() or {}
        if cleaned.get("allow") and not cleaned.get("team"):
            self.add_error("team", "Choose the team this app may act for.")
        return cleaned


class ConsentView(dot_views.AuthorizationView):
    """`GET/POST /oauth/authorize`: a signed-in user sees the app, the scopes in words, and picks a team."""

    template_name = "oauth/consent.html"
    form_class = ConsentForm
    chosen_team_id: str | None = None

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        # Consent is asked every time: a silent `approval_prompt=auto` could not choose the team. The
        # toolkit reads the parameter from the request it is given, so it gets a copy without it.
        if "approval_prompt" in request.GET:
            query = request.GET.copy()
            query.pop("approval_prompt")
            without_prompt = copy.copy(request)
            without_prompt.GET = query  # type: ignore[assignment]  # a QueryDict the stubs call mutable
            return super().get(without_prompt, *args, **kwargs)
        return super().get(request, *args, **kwargs)

    def get_form_kwargs(self) -> dict[str, Any]:
        kwargs: dict[str, Any] = super().get_form_kwargs()
        kwargs["user"] = self.request.user
        return kwargs

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context: dict[str, Any] = super().get_context_data(**kwargs)
        form = context.get("form")
        context["has_teams"] = bool(form is not None and form.fields["team"].choices)
        return context

    def render_to_response(self, context: dict[str, Any], **response_kwargs: Any) -> HttpResponse:
        response: HttpResponse = super().render_to_response(context, **response_kwargs)
        # Only a request oauthlib validated carries `redirect_uri` (the client's registered one) next
        # to its application; the form's answer redirects there, so the page's policy must allow it.
        redirect_uri = context.get("redirect_uri")
        if context.get("application") is not None and isinstance(redirect_uri, str) and not context.get("error"):
            allow_form_target(response, redirect_uri)
        return response

    def form_valid(self, form: ConsentForm) -> HttpResponse:
        self.chosen_team_id = form.cleaned_data.get("team") or None
        return super().form_valid(form)

    def form_invalid(self, form: ConsentForm) -> HttpResponse:
        # The hidden fields came from our own GET; only the team choice can be wrong here.
        context = self.get_context_data(form=form, application=None, error=None)
        context["team_missing"] = True
        return self.render_to_response(context, status=400)

    def create_authorization_response(self, request: HttpRequest, scopes: str, credentials: Any, allow: bool) -> Any:
        if allow:
            credentials = {**credentials, "team_id": self.chosen_team_id}
        return super().create_authorization_response(
            request=request, scopes=scopes, credentials=credentials, allow=allow
        )


# Dynamic client registration (RFC 7591): public clients only, rate-limited --------------------------
@method_decorator(require_http_methods(["POST"]), name="dispatch")
class PublicClientRegistrationView(dot_views.DynamicClientRegistrationView):
    """`POST /oauth/register`: MCP clients register themselves; only public code+PKCE clients are accepted."""

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        limited = _registration_rate_limited(request)
        if limited is not None:
            return limited
        try:
            metadata = json.loads(request.body or b"{}")
        except ValueError:
            metadata = None
        if isinstance(metadata, dict):
            if metadata.get("token_endpoint_auth_method", "client_secret_basic") != "none":
                return _registration_error(
                    'Only public clients can register here: set token_endpoint_auth_method to "none" and use PKCE. '
                    "Server-to-server apps are created by a team admin."
                )
            grant_types = metadata.get("grant_types", ["authorization_code"])
            if not isinstance(grant_types, list) or set(grant_types) - {"authorization_code", "refresh_token"}:
                return _registration_error("Only the authorization_code (and refresh_token) grant types are allowed.")
            redirect_uris = metadata.get("redirect_uris")
            if isinstance(redirect_uris, list):
                from accounts.oauth import is_allowed_redirect_uri

                insecure = [uri for uri in redirect_uris if isinstance(uri, str) and not is_allowed_redirect_uri(uri)]
                if insecure:
                    return _registration_error(
                        f"redirect_uris must use https, or http on a loopback address: {', '.join(insecure)}",
                        error="invalid_redirect_uri",
                    )
        return super().post(request, *args, **kwargs)


def _registration_error(description: str, error: str = "invalid_client_metadata") -> JsonResponse:
    return JsonResponse({"error": error, "error_description": description}, status=400)


def _client_ip(request: HttpRequest) -> str:
    return str(request.META.get("REMOTE_ADDR") or "unknown")


def _registration_rate_limited(request: HttpRequest) -> JsonResponse | None:
    limit, period = parse_rate(settings.OAUTH_REGISTRATION_RATE_LIMIT)
    window = int(time.time() // period)
    key = f"oauth-register:{_client_ip(request)}:{window}"
    if cache.add(key, 1, timeout=period + 1):
        count = 1
    else:
        try:
            count = int(cache.incr(key))
        except ValueError:
            cache.set(key, 1, timeout=period + 1)
            count = 1
    if count <= limit:
        return None
    response = JsonResponse(
        {"error": "too_many_requests", "error_description": "Too many client registrations; retry later."}, status=429
    )
    response["Retry-After"] = str(max(1, int((window + 1) * period - time.time())))
    return response


# Discovery ------------------------------------------------------------------------------------------
class ProtectedResourceMetadataView(dot_views.OAuthProtectedResourceMetadataView):
    """RFC 9728 documents for the origin, `/v1` and `/mcp`; one token works for all of them."""

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        self.resource_path = str(kwargs.get("resource_path", "")).strip("/")
        if self.resource_path not in PROTECTED_RESOURCES:
            raise Http404("No such protected resource.")
        return super().get(request, *args, **kwargs)

    def get_resource_name(self) -> str:
        return PROTECTED_RESOURCES[self.resource_path]

    def get_resource_documentation(self) -> str:
        return self.request.build_absolute_uri("/v1/docs")


# Settings > Authorized apps --------------------------------------------------------------------------
@login_required
@ensure_csrf_cookie
@require_http_methods(["GET", "POST"])
def authorized_apps_view(request: HttpRequest) -> HttpResponseBase:
    """List the apps the signed-in user has authorized (per team) and revoke one (POST, CSRF-protected)."""
    revoked = None
    if request.method == "POST":
        try:
            application_id = int(request.POST.get("application", ""))
        except ValueError:
            raise Http404("No such app.") from None
        count = revoke_authorization(user=request.user, application_id=application_id, team_id=request.POST.get("team"))  # type: ignore[arg-type]
        if count:
            return HttpResponseRedirect(reverse("oauth-authorized-apps") + "?revoked=1")
        raise Http404("No such authorized app.")
    if request.GET.get("revoked"):
        revoked = "Access revoked. The app's tokens stopped working immediately."
    return render(request, "oauth/authorized_apps.html", {"apps": authorized_apps(request.user), "revoked": revoked})  # type: ignore[arg-type]


# Routes (mounted at the site root by config/urls.py, namespace `oauth2_provider`) -------------------
urlpatterns: list[URLPattern] = [
    path("oauth/authorize", ConsentView.as_view(), name="authorize"),
    path("oauth/token", dot_views.TokenView.as_view(), name="token"),
    path("oauth/revoke", dot_views.RevokeTokenView.as_view(), name="revoke-token"),
    path("oauth/introspect", dot_views.IntrospectTokenView.as_view(), name="introspect"),
    path("oauth/register", PublicClientRegistrationView.as_view(), name="dcr-register"),
    path(
        "oauth/register/<str:client_id>",
        dot_views.DynamicClientRegistrationManagementView.as_view(),
        name="dcr-register-management",
    ),
    path(
        ".well-known/oauth-authorization-server",
        dot_views.OAuthServerMetadataView.as_view(),
        name="oauth-server-metadata",
    ),
    path(
        ".well-known/oauth-protected-resource",
        ProtectedResourceMetadataView.as_view(),
        name="oauth-resource-metadata",
    ),
    path(
        ".well-known/oauth-protected-resource/<path:resource_path>",
        ProtectedResourceMetadataView.as_view(),
        name="oauth-resource-metadata-path",
    ),
]
