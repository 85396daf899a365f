"""Sign-in and the Settings > Developer pages: a team's API keys, created and revoked by its owners/admins."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse, reverse_lazy
from django.utils.decorators import method_decorator
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from accounts.forms import (
    READ_ONLY_RESOURCES,
    READ_WRITE_RESOURCES,
    APIKeyCreateForm,
    TeamSwitchForm,
    ThrottledAuthenticationForm,
)
from accounts.models import APIKey, Membership, Team
from accounts.roles import team_permissions
from accounts.services import create_api_key, revoke_api_key
from core.exceptions import DomainError

CURRENT_TEAM_SESSION_KEY = "current_team_id"
# The plaintext of a just-created key waits here for exactly one page view, then is gone.
NEW_TOKEN_SESSION_KEY = "new_api_key_once"  # noqa: S105 - a session key name, not a secret


@dataclass(frozen=True)
class TeamContext:
    """The team the signed-in person is working in, and what they may do there."""

    team: Team
    membership: Membership
    memberships: list[Membership]
    can_manage_keys: bool
    can_revoke_keys: bool


def team_context(request: HttpRequest) -> TeamContext:
    """The person's current team (chosen in the switcher, else their first); 404 if they have none."""
    memberships = list(
        Membership.objects.filter(user=request.user, is_active=True).select_related("team").order_by("team__name")  # type: ignore[misc]
    )
    if not memberships:
        raise Http404("You are not a member of any team yet.")
    chosen = request.session.get(CURRENT_TEAM_SESSION_KEY)
    membership = next((m for m in memberships if str(m.team_id) == chosen), memberships[0])
    rights = team_permissions(request)
    return TeamContext(
        team=membership.team,
        membership=membership,
        memberships=memberships,
        can_manage_keys=rights.has(membership.team_id, "accounts.add_apikey"),
        can_revoke_keys=rights.has(membership.team_id, "accounts.change_apikey"),
    )


class LoginView(auth_views.LoginView):
    template_name = "registration/login.html"
    form_class = ThrottledAuthenticationForm
    redirect_authenticated_user = True

    def get_default_redirect_url(self) -> str:
        return reverse("settings-developer")


class LogoutView(auth_views.LogoutView):
    next_page = "login"


@method_decorator(never_cache, name="dispatch")
class PasswordChangeView(auth_views.PasswordChangeView):
    template_name = "registration/password_change_form.html"
    success_url = reverse_lazy("password-change-done")

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        return {**super().get_context_data(**kwargs), "ctx": team_context(self.request), "section": "account"}


@method_decorator(never_cache, name="dispatch")
class PasswordChangeDoneView(auth_views.PasswordChangeDoneView):
    template_name = "registration/password_change_done.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        return {**super().get_context_data(**kwargs), "ctx": team_context(self.request), "section": "account"}


@login_required
@require_POST
def switch_team(request: HttpRequest) -> HttpResponse:
    form = TeamSwitchForm(request.POST)
    if form.is_valid():
        membership = Membership.objects.filter(
            user=request.user,  # type: ignore[misc]
            is_active=True,
            team__slug=form.cleaned_data["team"],
        ).first()
        if membership is not None:
            request.session[CURRENT_TEAM_SESSION_KEY] = str(membership.team_id)
            messages.info(request, f"You are now working in {membership.team.name}.")
    return redirect(_safe_next(request) or reverse("settings-developer"))


def _safe_next(request: HttpRequest) -> str | None:
    target = request.POST.get("next", "")
    return target if target.startswith("/") and not target.startswith("//") else None


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def developer_settings(request: HttpRequest) -> HttpResponse:
    """The team's API keys; owners and admins create keys here (the token is shown once)."""
    ctx = team_context(request)
    form = APIKeyCreateForm(request.POST or None)
    if request.method == "POST":
        if not ctx.can_manage_keys:
            raise PermissionDenied("Only the team's owners and admins can create API keys.")
        if form.is_valid():
            try:
                key, token = create_api_key(
                    team=ctx.team,
                    name=form.cleaned_data["name"],
                    scopes=form.scopes(),
                    created_by=request.user,  # type: ignore[arg-type]
                    expires_at=form.expires_at(),
                )
            except DomainError as exc:
                form.add_error(None, str(exc))
            else:
                request.session[NEW_TOKEN_SESSION_KEY] = {"key_id": str(key.pk), "token": token}
                return HttpResponseRedirect(reverse("settings-developer") + "#new-key")
    new_key = _pop_new_token(request, ctx.team)
    keys = APIKey.objects.for_team(ctx.team).select_related("created_by").order_by("-created_at")
    return render(
        request,
        "settings/developer.html",
        {
            "ctx": ctx,
            "section": "developer",
            "keys": keys,
            "form": form,
            "new_key": new_key,
            "docs_url": request.build_absolute_uri("/v1/docs"),
            "api_base": request.build_absolute_uri("/v1"),
            "read_write_resources": READ_WRITE_RESOURCES,
            "read_only_resources": READ_ONLY_RESOURCES,
        },
    )


def _pop_new_token(request: HttpRequest, team: Team) -> dict[str, Any] | None:
    """The just-created key and its token, once: removed from the session as it is read."""
    stashed = request.session.pop(NEW_TOKEN_SESSION_KEY, None)
    if not stashed:
        return None
    key = APIKey.objects.for_team(team).filter(pk=stashed["key_id"]).first()
    return {"key": key, "token": stashed["token"]} if key is not None else None


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def revoke_key(request: HttpRequest, key_id: uuid.UUID) -> HttpResponse:
    """Confirm, then revoke: the key's next request is a 401."""
    ctx = team_context(request)
    key = get_object_or_404(APIKey.objects.for_team(ctx.team).select_related("created_by"), pk=key_id)
    if not ctx.can_revoke_keys:
        raise PermissionDenied("Only the team's owners and admins can revoke API keys.")
    if request.method == "POST":
        revoke_api_key(key=key)
        messages.success(request, f"Revoked “{key.name}”. Requests using it now get 401 Unauthorized.")
        return redirect("settings-developer")
    return render(request, "settings/revoke.html", {"ctx": ctx, "section": "developer", "key": key})


@login_required
def settings_home(request: HttpRequest) -> HttpResponse:
    return redirect("settings-developer")
