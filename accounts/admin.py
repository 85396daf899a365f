"""Admin for people, teams, memberships and API keys, all scoped through `TeamScopedAdmin`."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from django import forms
from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.forms import BaseUserCreationForm, UserChangeForm
from django.db import transaction
from django.db.models import Q, QuerySet
from django.http import HttpRequest, HttpResponseRedirect
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html

from accounts.models import APIKey, Invitation, Membership, Role, Team, User
from accounts.scopes import Scope
from accounts.services import (
    add_member,
    change_member_role,
    create_api_key,
    invite_member,
    remove_member,
    resend_invitation,
    revoke_api_key,
    revoke_invitation,
    set_member_active,
)
from core.admin import ReadOnlyTeamScopedInline, TeamConsistentForm, TeamScopedAdmin, object_action, permitted_team_ids
from core.exceptions import DomainError


# --- people ------------------------------------------------------------------------------------
class UserCreationForm(BaseUserCreationForm):
    class Meta:
        model = User
        fields = ("email", "full_name")


class UserEditForm(UserChangeForm):
    class Meta:
        model = User
        fields = "__all__"


class MembershipOfUserInline(ReadOnlyTeamScopedInline):
    """The person's teams, shown; roles change on the membership's page or in Settings > Team, through
    the services (the last owner stays, only owners make owners)."""

    model = Membership
    fk_name = "user"
    fields = ("team", "role", "is_active")
    show_change_link = True

    def get_queryset(self, request: HttpRequest) -> QuerySet[Membership]:
        queryset = super().get_queryset(request).select_related("team")
        if request.user.is_superuser:
            return queryset
        return queryset.filter(team_id__in=permitted_team_ids(request, Membership, "view"))


@admin.register(User)
class UserAdmin(TeamScopedAdmin, DjangoUserAdmin):
    """People sign in with their email. Team admins may look people of their teams up; only
    superusers create or edit accounts (a person can belong to several teams)."""

    team_lookup = "memberships__team"
    team_lookup_is_multi = True
    form = UserEditForm  # type: ignore[assignment]
    add_form = UserCreationForm
    ordering = ("email",)
    list_display = ("email", "full_name", "is_staff", "is_active", "date_joined")
    list_filter = ("is_staff", "is_superuser", "is_active")
    search_fields = ("email", "full_name")
    readonly_fields = ("date_joined", "last_login")
    inlines = (MembershipOfUserInline,)
    fieldsets = (
        (None, {"fields": ("email", "password")}),
        ("Profile", {"fields": ("full_name",)}),
        ("Access", {"fields": ("is_active", "is_staff", "is_superuser", "groups", "user_permissions")}),
        ("Dates", {"fields": ("last_login", "date_joined")}),
    )
    add_fieldsets = ((None, {"classes": ("wide",), "fields": ("email", "full_name", "password1", "password2")}),)

    def get_list_filter(self, request: HttpRequest) -> Any:
        return self.list_filter if request.user.is_superuser else ()

    def has_add_permission(self, request: HttpRequest) -> bool:
        return bool(request.user.is_superuser)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return bool(request.user.is_superuser)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return bool(request.user.is_superuser)


# --- teams and members ---------------------------------------------------------------------------
class MembershipInline(ReadOnlyTeamScopedInline):
    """The team's members, shown; people are invited, re-roled and removed through the services."""

    model = Membership
    fk_name = "team"
    fields = ("user", "role", "is_active", "created_at")
    readonly_fields = ("created_at",)
    show_change_link = True

    def get_queryset(self, request: HttpRequest) -> QuerySet[Membership]:
        return super().get_queryset(request).select_related("user")


@admin.register(Team)
class TeamAdmin(TeamScopedAdmin):
    team_lookup = "pk"
    list_display = ("name", "slug", "currency", "timezone", "created_at")
    search_fields = ("name", "slug")
    ordering = ("name",)
    readonly_fields = ("created_at",)
    prepopulated_fields = {"slug": ("name",)}
    inlines = (MembershipInline,)

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[str] | tuple[str, ...]:
        readonly = list(super().get_readonly_fields(request, obj))
        # The slug is an identifier integrations and commands use: fixed once created.
        return [*readonly, "slug"] if obj is not None else readonly

    def get_prepopulated_fields(self, request: HttpRequest, obj: Any = None) -> dict[str, Sequence[str]]:
        return {} if obj is not None else dict(self.prepopulated_fields)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return bool(request.user.is_superuser)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return bool(request.user.is_superuser)


class MembershipAddForm(TeamConsistentForm):
    """Add a person by email: an existing account joins the team, a new address gets an account."""

    email = forms.EmailField(help_text="The person's sign-in email; an account is created if there is none.")

    class Meta:
        model = Membership
        fields = ("team", "role")


@admin.register(Membership)
class MembershipAdmin(TeamScopedAdmin):
    list_display = ("user", "team", "role", "is_active", "created_at")
    list_filter = ("role", "is_active")
    list_select_related = ("user", "team")
    search_fields = ("user__email", "user__full_name", "team__name")
    ordering = ("team__name", "user__email")
    readonly_fields = ("created_at",)
    autocomplete_fields = ("user",)

    def get_form(self, request: HttpRequest, obj: Any = None, change: bool = False, **kwargs: Any) -> Any:
        if obj is None:
            kwargs["form"] = MembershipAddForm
        return super().get_form(request, obj, change=change, **kwargs)

    def get_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        if obj is None:
            return ("team", "email", "role")
        return ("user", "team", "role", "is_active", "created_at")

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[str] | tuple[str, ...]:
        readonly = list(super().get_readonly_fields(request, obj))
        return [*readonly, "user"] if obj is not None else readonly

    def create_object(self, request: HttpRequest, form: Any, formsets: Sequence[Any]) -> Membership:
        data = form.cleaned_data
        return add_member(team=data["team"], email=data["email"], role=data["role"], acting_user=request.user)  # type: ignore[arg-type]

    def change_object(self, request: HttpRequest, obj: Any, form: Any) -> None:
        # Role and suspension go through the services: the last owner stays, only owners make owners.
        acting_user: Any = request.user
        stored = Membership.objects.select_related("team", "user").get(pk=obj.pk)
        if "role" in form.changed_data:
            stored = change_member_role(membership=stored, role=obj.role, acting_user=acting_user)
        if "is_active" in form.changed_data:
            set_member_active(membership=stored, active=obj.is_active, acting_user=acting_user)

    def delete_model(self, request: HttpRequest, obj: Any) -> None:
        remove_member(membership=obj, acting_user=request.user)  # type: ignore[arg-type]

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> None:
        for membership in queryset.select_related("team", "user"):
            remove_member(membership=membership, acting_user=request.user)  # type: ignore[arg-type]

    def delete_view(self, request: HttpRequest, object_id: str, extra_context: dict[str, Any] | None = None) -> Any:
        """A refused removal (the last owner) is a message on the member's page, not a 500."""
        try:
            with transaction.atomic():
                return super().delete_view(request, object_id, extra_context)
        except DomainError as exc:
            self.message_user(request, str(exc), messages.ERROR)
            return HttpResponseRedirect(reverse("admin:accounts_membership_change", args=[object_id]))

    def changelist_view(self, request: HttpRequest, extra_context: dict[str, Any] | None = None) -> Any:
        try:
            with transaction.atomic():
                return super().changelist_view(request, extra_context)
        except DomainError as exc:
            self.message_user(request, str(exc), messages.ERROR)
            return HttpResponseRedirect(request.get_full_path())


# --- invitations -----------------------------------------------------------------------------------
class InvitationAddForm(TeamConsistentForm):
    class Meta:
        model = Invitation
        fields = ("team", "email", "role")


@admin.register(Invitation)
class InvitationAdmin(TeamScopedAdmin):
    """Invitations are sent by `invite_member` (an email with a one-time link), resent and revoked
    through their services; they are never edited."""

    list_display = ("email", "role", "status_label", "invited_by", "sent_at", "expires_at")
    list_select_related = ("team", "invited_by")
    search_fields = ("email",)
    ordering = ("-sent_at",)
    actions = ("resend_invitations", "revoke_invitations")

    @admin.display(description="Status")
    def status_label(self, invitation: Invitation) -> str:
        return invitation.status.label

    def get_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        if obj is None:
            return ("team", "email", "role")
        return ("team", "email", "role", "status_label", "invited_by", "sent_at", "expires_at", "accepted_at",
                "accepted_by", "revoked_at")  # fmt: skip

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[str] | tuple[str, ...]:
        return () if obj is None else self.get_fields(request, obj)

    def get_form(self, request: HttpRequest, obj: Any = None, change: bool = False, **kwargs: Any) -> Any:
        if obj is None:
            kwargs["form"] = InvitationAddForm
        return super().get_form(request, obj, change=change, **kwargs)

    def create_object(self, request: HttpRequest, form: Any, formsets: Sequence[Any]) -> Invitation:
        data = form.cleaned_data
        invitation, _ = invite_member(
            team=data["team"],
            email=data["email"],
            role=data["role"],
            invited_by=request.user,  # type: ignore[arg-type]
            site_url=request.build_absolute_uri("/"),
        )
        return invitation

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return obj is None and super().has_change_permission(request)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    @admin.action(description="Resend selected invitations (new link, 7 more days)", permissions=["add"])
    def resend_invitations(self, request: HttpRequest, queryset: QuerySet[Invitation]) -> None:
        sent = 0
        for invitation in queryset.open().select_related("team"):  # type: ignore[attr-defined]
            resend_invitation(invitation=invitation, site_url=request.build_absolute_uri("/"))
            sent += 1
        self.message_user(request, f"Sent {sent} invitation{'s' if sent != 1 else ''} again.", messages.SUCCESS)

    @admin.action(description="Revoke selected invitations", permissions=["add"])
    def revoke_invitations(self, request: HttpRequest, queryset: QuerySet[Invitation]) -> None:
        revoked = 0
        for invitation in queryset.open():  # type: ignore[attr-defined]
            revoke_invitation(invitation=invitation)
            revoked += 1
        self.message_user(request, f"Revoked {revoked} invitation{'s' if revoked != 1 else ''}.", messages.SUCCESS)


# --- API keys ------------------------------------------------------------------------------------
class APIKeyStatusFilter(admin.SimpleListFilter):
    title = "status"
    parameter_name = "status"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        return [("active", "Active"), ("expired", "Expired"), ("revoked", "Revoked")]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> QuerySet[Any]:
        now = timezone.now()
        if self.value() == "active":
            return queryset.filter(revoked_at__isnull=True).filter(Q(expires_at__isnull=True) | Q(expires_at__gt=now))
        if self.value() == "expired":
            return queryset.filter(revoked_at__isnull=True, expires_at__lte=now)
        if self.value() == "revoked":
            return queryset.filter(revoked_at__isnull=False)
        return queryset


class APIKeyAddForm(TeamConsistentForm):
    scopes = forms.MultipleChoiceField(
        choices=Scope.choices, widget=forms.CheckboxSelectMultiple, help_text="A write scope includes its read scope."
    )

    class Meta:
        model = APIKey
        fields = ("team", "name", "scopes", "expires_at")

    def clean_expires_at(self) -> dt.datetime | None:
        expires_at: dt.datetime | None = self.cleaned_data.get("expires_at")
        if expires_at is not None and expires_at <= timezone.now():
            raise forms.ValidationError("The expiry must be in the future.")
        return expires_at


@admin.register(APIKey)
class APIKeyAdmin(TeamScopedAdmin):
    """Keys are created through `create_api_key` and revoked, never edited or deleted: the token
    is shown once in a message after creation; only its hash is stored."""

    list_display = ("name", "display", "scope_list", "status_label", "last_used_at", "expires_at", "team")
    list_filter = (APIKeyStatusFilter,)
    list_select_related = ("team", "created_by")
    search_fields = ("name", "prefix", "last4")
    ordering = ("-created_at",)
    actions = ("revoke_keys",)
    object_actions = ("revoke",)
    service_error_fields = {"expiresAt": "expires_at"}

    @admin.display(description="Key")
    def display(self, key: APIKey) -> str:
        return key.display

    @admin.display(description="Scopes")
    def scope_list(self, key: APIKey) -> str:
        return " ".join(key.scopes)

    @admin.display(description="Status")
    def status_label(self, key: APIKey) -> str:
        return key.status.capitalize()

    def get_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        if obj is None:
            return ("team", "name", "scopes", "expires_at")
        return ("name", "team", "display", "scope_list", "status_label", "created_by", "created_at", "expires_at",
                "last_used_at", "revoked_at")  # fmt: skip

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[str] | tuple[str, ...]:
        if obj is None:
            return ()
        return ("team", "display", "scope_list", "status_label", "created_by", "created_at", "expires_at",
                "last_used_at", "revoked_at")  # fmt: skip

    def get_form(self, request: HttpRequest, obj: Any = None, change: bool = False, **kwargs: Any) -> Any:
        if obj is None:
            kwargs["form"] = APIKeyAddForm
        return super().get_form(request, obj, change=change, **kwargs)

    def create_object(self, request: HttpRequest, form: Any, formsets: Sequence[Any]) -> APIKey:
        data = form.cleaned_data
        key, token = create_api_key(
            team=data["team"],
            name=data["name"],
            scopes=data["scopes"],
            created_by=request.user,  # type: ignore[arg-type]
            expires_at=data["expires_at"],
        )
        # The one and only time the token is shown: a message on the next page, never a URL or log.
        self.message_user(
            request,
            format_html(
                'Copy the token of “{}” now — it will not be shown again: <code class="api-token">{}</code>',
                key.name,
                token,
            ),
            messages.WARNING,
        )
        return key

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        # Keys are revoked, not deleted: jobs and events keep pointing at the key that made them.
        return False

    @object_action(label="Revoke", when=lambda key: key.revoked_at is None, danger=True,
                   confirm="Requests using this key will get 401 from now on; it cannot be used again.")  # fmt: skip
    def revoke(self, request: HttpRequest, key: APIKey, data: dict[str, Any]) -> str:
        return f"Revoked “{revoke_api_key(key=key).name}”: requests using it now get 401."

    @admin.action(description="Revoke selected keys", permissions=["change"])
    def revoke_keys(self, request: HttpRequest, queryset: QuerySet[APIKey]) -> None:
        revoked = 0
        for key in queryset.filter(revoked_at__isnull=True):
            revoke_api_key(key=key)
            revoked += 1
        self.message_user(request, f"Revoked {revoked} key{'s' if revoked != 1 else ''}.", messages.SUCCESS)


__all__ = ["APIKeyAdmin", "InvitationAdmin", "MembershipAdmin", "Role", "TeamAdmin", "UserAdmin"]
