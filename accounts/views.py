"""Sign-in, password reset, the team switcher, each role's home, and Settings > Developer (API keys)."""

from __future__ import annotations

import uuid
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
    AcceptInvitationForm,
    APIKeyCreateForm,
    InvitationForm,
    MemberRoleForm,
    TeamSwitchForm,
    ThrottledAuthenticationForm,
    ThrottledPasswordResetForm,
)
from accounts.models import APIKey, Role, Team, User
from accounts.roles import team_permissions
from accounts.selectors import (
    ALL_TEAMS,
    CURRENT_TEAM_SESSION_KEY,
    invitation_by_token,
    open_invitations,
    switchable_teams,
    team_members,
)
from accounts.services import (
    accept_invitation,
    change_member_role,
    create_api_key,
    invite_member,
    remove_member,
    resend_invitation,
    revoke_api_key,
    revoke_invitation,
)
from accounts.team_context import TeamContext, team_context
from core.exceptions import DomainError, InvalidInputError

# The plaintext of a just-created key waits here for exactly one page view, then is gone.
NEW_TOKEN_SESSION_KEY = "new_api_key_once"  # noqa: S105 - a session key name, not a secret


def role_home_url(request: HttpRequest) -> str:
    """Where a person's work is: engineers My day (their jobs, phone first), dispatchers the dispatch board,
    finance the billing desk, owners and admins the dashboard; others without admin access their settings."""
    user = request.user
    role = team_permissions(request).role
    if role == Role.ENGINEER and user.is_active:
        return reverse("my-day")  # our own page: no admin access needed
    if role == Role.DISPATCHER and user.is_active:
        return reverse("dispatch-board")  # the week by engineer; our own page too
    if not (user.is_active and user.is_staff):
        return reverse("settings")
    if role == Role.FINANCE:
        return reverse("admin:invoicing_invoice_billing_desk")
    return reverse("admin:index")


@login_required
def home(request: HttpRequest) -> HttpResponse:
    """The page each role starts from (see `role_home_url`)."""
    return redirect(role_home_url(request))


class LoginView(auth_views.LoginView):
    template_name = "registration/login.html"
    form_class = ThrottledAuthenticationForm
    redirect_authenticated_user = True

    def get_default_redirect_url(self) -> str:
        return role_home_url(self.request)


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


# --- forgotten password: Django's own views, our templates, throttled like sign-in ------------------
class PasswordResetView(auth_views.PasswordResetView):
    template_name = "registration/password_reset_form.html"
    email_template_name = "registration/password_reset_email.txt"
    subject_template_name = "registration/password_reset_subject.txt"
    form_class = ThrottledPasswordResetForm
    success_url = reverse_lazy("password-reset-done")

    def get_form_kwargs(self) -> dict[str, Any]:
        return {**super().get_form_kwargs(), "request": self.request}


class PasswordResetDoneView(auth_views.PasswordResetDoneView):
    template_name = "registration/password_reset_done.html"


class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    template_name = "registration/password_reset_confirm.html"
    success_url = reverse_lazy("password-reset-complete")


class PasswordResetCompleteView(auth_views.PasswordResetCompleteView):
    template_name = "registration/password_reset_complete.html"


@login_required
@require_POST
def switch_team(request: HttpRequest) -> HttpResponse:
    """Choose the team to work in, for the settings pages and the admin alike (superusers may also
    choose "all teams", for the admin)."""
    form = TeamSwitchForm(request.POST)
    if form.is_valid():
        slug = form.cleaned_data["team"]
        if slug == ALL_TEAMS and request.user.is_superuser:
            request.session[CURRENT_TEAM_SESSION_KEY] = ALL_TEAMS
            messages.info(request, "You are seeing every team's rows (superuser).")
        else:
            team = next((team for team in switchable_teams(user=request.user) if team.slug == slug), None)
            if team is not None:
                request.session[CURRENT_TEAM_SESSION_KEY] = str(team.pk)
                messages.info(request, f"You are now working in {team.name}.")
    return redirect(_safe_next(request) or reverse("home"))


def _safe_next(request: HttpRequest) -> str | None:
    target = request.POST.get("next", "")
    return target if target.startswith("/") and not target.startswith("//") else None


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def developer_settings(request: HttpRequest) -> HttpResponse:
    """The team's API keys; owners and admins create keys here (the token is shown once)."""
    ctx = team_context(request)
    if not ctx.can_view_keys:
        raise PermissionDenied("Your role in this team does not include API keys.")
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
    """The first settings tab the person's role may use."""
    ctx = team_context(request)
    if ctx.can_view_members:
        return redirect("settings-team")
    if ctx.can_view_keys:
        return redirect("settings-developer")
    return redirect("password-change")


# --- Settings > Team: members and invitations ------------------------------------------------------
def _team_page(
    request: HttpRequest, ctx: TeamContext, form: InvitationForm | None = None, status: int = 200
) -> HttpResponse:
    if not ctx.can_view_members:
        raise PermissionDenied("Your role in this team does not include its member list.")
    return render(
        request,
        "settings/team.html",
        {
            "ctx": ctx,
            "section": "team",
            "members": team_members(team=ctx.team),
            "invitations": open_invitations(team=ctx.team) if ctx.can_manage_members else [],
            "form": form or InvitationForm(),
            "roles": Role.choices,
        },
        status=status,
    )


def _managing(request: HttpRequest) -> TeamContext:
    ctx = team_context(request)
    if not ctx.can_manage_members:
        raise PermissionDenied("Only the team's owners and admins can manage its members.")
    return ctx


def _site_url(request: HttpRequest) -> str:
    return request.build_absolute_uri("/")


def _refused(request: HttpRequest, ctx: TeamContext, error: DomainError) -> HttpResponse:
    """A refused change: the team page again, with the reason and the service's 4xx status."""
    messages.error(request, str(error))
    return _team_page(request, ctx, status=error.status_code)


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def team_settings(request: HttpRequest) -> HttpResponse:
    """The team's members and open invitations; owners and admins invite people here."""
    ctx = team_context(request)
    if request.method != "POST":
        return _team_page(request, ctx)
    ctx = _managing(request)
    form = InvitationForm(request.POST)
    if not form.is_valid():
        return _team_page(request, ctx, form, status=400)
    try:
        invitation, _ = invite_member(
            team=ctx.team,
            email=form.cleaned_data["email"],
            role=form.cleaned_data["role"],
            invited_by=request.user,  # type: ignore[arg-type]
            site_url=_site_url(request),
        )
    except DomainError as exc:
        form.add_error("email" if exc.issues[0][0] == "email" else "role", str(exc))
        return _team_page(request, ctx, form, status=exc.status_code)
    messages.success(request, f"Invitation sent to {invitation.email}. The link works for 7 days.")
    return redirect("settings-team")


@never_cache
@login_required
@require_POST
def invitation_action(request: HttpRequest, invitation_id: uuid.UUID, verb: str) -> HttpResponse:
    """Resend (a new link, 7 more days) or revoke an open invitation."""
    if verb not in ("resend", "revoke"):
        raise Http404("Unknown action.")
    ctx = _managing(request)
    invitation = get_object_or_404(open_invitations(team=ctx.team), pk=invitation_id)
    try:
        if verb == "resend":
            resend_invitation(invitation=invitation, site_url=_site_url(request))
            messages.success(request, f"Sent a new link to {invitation.email}.")
        else:
            revoke_invitation(invitation=invitation)
            messages.success(request, f"Revoked the invitation of {invitation.email}; its link no longer works.")
    except DomainError as exc:
        return _refused(request, ctx, exc)
    return redirect("settings-team")


@never_cache
@login_required
@require_POST
def member_action(request: HttpRequest, membership_id: uuid.UUID, verb: str) -> HttpResponse:
    """Change a member's role or remove them from the team (never the last owner)."""
    if verb not in ("role", "remove"):
        raise Http404("Unknown action.")
    ctx = _managing(request)
    membership = get_object_or_404(team_members(team=ctx.team), pk=membership_id)
    acting_user: Any = request.user
    try:
        if verb == "role":
            form = MemberRoleForm(request.POST)
            if not form.is_valid():
                raise InvalidInputError("Choose one of the roles.", "role")
            change_member_role(membership=membership, role=form.cleaned_data["role"], acting_user=acting_user)
            messages.success(request, f"{membership.user} is now {Role(form.cleaned_data['role']).label}.")
        else:
            remove_member(membership=membership, acting_user=acting_user)
            messages.success(request, f"Removed {membership.user} from {ctx.team.name}.")
    except DomainError as exc:
        return _refused(request, ctx, exc)
    return redirect("settings-team")


# --- accepting an invitation (no sign-in needed: the link is the proof) ---------------------------
@never_cache
@require_http_methods(["GET", "POST"])
def accept_invitation_view(request: HttpRequest, token: str) -> HttpResponse:
    """The emailed link: a new person sets a name and password; someone with an account just joins."""
    invitation = invitation_by_token(token=token)
    if invitation is None:
        return render(request, "accounts/invitation_invalid.html", status=404)
    new_account = not User.objects.filter(email__iexact=invitation.email).exists()
    form = AcceptInvitationForm(request.POST or None, email=invitation.email, new_account=new_account)
    if request.method == "POST" and form.is_valid():
        try:
            accept_invitation(
                token=token,
                full_name=form.cleaned_data.get("full_name", ""),
                password=form.cleaned_data.get("password1"),
            )
        except DomainError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, f"Welcome to {invitation.team.name}. Sign in with {invitation.email}.")
            return redirect(f"{reverse('login')}?next={reverse('home')}")
    return render(
        request,
        "accounts/invitation_accept.html",
        {"invitation": invitation, "form": form, "new_account": new_account, "role": Role(invitation.role).label},
    )
