"""Writes for accounts: teams, members, invitations and API keys."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone

from accounts.key_lookup import forget_api_key
from accounts.models import APIKey, Invitation, Membership, Role, Team, User, hash_token
from accounts.scopes import invalid_scopes
from core.exceptions import DomainError, InvalidInputError, StateConflictError


class RoleNotAllowedError(DomainError):
    """The acting person's own role does not allow this change of roles."""

    status_code = 403


def create_team(*, slug: str, name: str, owner_email: str, owner_password: str | None = None,
                currency: str = "EUR", timezone_name: str = "UTC") -> Team:  # fmt: skip
    """Create a team and make `owner_email` (created if new) its owner."""
    if Team.objects.filter(slug=slug).exists():
        raise StateConflictError(f"A team with slug '{slug}' already exists.", "slug")
    with transaction.atomic():
        team = Team.objects.create(slug=slug, name=name, currency=currency, timezone=timezone_name)
        owner = get_or_create_user(owner_email, password=owner_password)
        Membership.objects.create(team=team, user=owner, role=Role.OWNER)
        sync_staff_flag(owner)
    return team


def get_or_create_user(email: str, *, password: str | None = None, full_name: str = "") -> User:
    user = User.objects.filter(email__iexact=email).first()
    if user is None:
        user = User.objects.create_user(email=email, password=password, full_name=full_name)
    elif password:
        user.set_password(password)
        user.save(update_fields=["password"])
    return user


def sync_staff_flag(user: User) -> None:
    """Set `is_staff` from the person's memberships: every team role works in the admin, so any
    active membership lets them in; none (and not a superuser) keeps them out. Never set by hand."""
    wanted = user.is_superuser or Membership.objects.filter(user=user, is_active=True).exists()
    if user.is_staff != wanted:
        user.is_staff = wanted
        user.save(update_fields=["is_staff"])


def _check_role(role: str) -> None:
    if role not in Role.values:
        raise InvalidInputError(f"Unknown role '{role}'; choose one of: {', '.join(Role.values)}.", "role")


def _check_may_grant(*, team: Team, acting_user: User | None, roles: Iterable[str]) -> None:
    """Only owners (or superusers, or the system) make, unmake or remove owners."""
    if acting_user is None or acting_user.is_superuser or Role.OWNER not in roles:
        return
    if not Membership.objects.filter(team=team, user=acting_user, role=Role.OWNER, is_active=True).exists():
        raise RoleNotAllowedError("Only an owner can make, change or remove an owner.", "role")


def _check_keeps_an_owner(membership: Membership) -> None:
    """The last active owner of a team can be neither removed nor demoted: someone must run it."""
    if membership.role != Role.OWNER or not membership.is_active:
        return
    others = Membership.objects.filter(team_id=membership.team_id, role=Role.OWNER, is_active=True)
    if not others.exclude(pk=membership.pk).exists():
        raise StateConflictError(
            f"{membership.user} is the last owner of {membership.team}: make someone else an owner first.", "role"
        )


def add_member(*, team: Team, email: str, role: str, full_name: str = "", password: str | None = None,
               acting_user: User | None = None) -> Membership:  # fmt: skip
    """Add a person to a team with a role (or change the role of an existing member).

    The person can sign in to the admin afterwards: `is_staff` follows from the membership.
    """
    _check_role(role)
    with transaction.atomic():
        user = get_or_create_user(email, full_name=full_name, password=password)
        membership, created = Membership.objects.get_or_create(team=team, user=user, defaults={"role": role})
        if not created and (membership.role != role or not membership.is_active):
            _check_may_grant(team=team, acting_user=acting_user, roles=(membership.role, role))
            if role != Role.OWNER:
                _check_keeps_an_owner(membership)
            membership.role, membership.is_active = role, True
            membership.save(update_fields=["role", "is_active"])
        elif created:
            _check_may_grant(team=team, acting_user=acting_user, roles=(role,))
        sync_staff_flag(user)
    return membership


def change_member_role(*, membership: Membership, role: str, acting_user: User | None = None) -> Membership:
    """Give a member another role; the team's last owner cannot be demoted."""
    _check_role(role)
    if membership.role == role:
        return membership
    _check_may_grant(team=membership.team, acting_user=acting_user, roles=(membership.role, role))
    with transaction.atomic():
        membership = Membership.objects.select_for_update().select_related("team", "user").get(pk=membership.pk)
        _lock_owners(membership.team_id)
        _check_keeps_an_owner(membership)
        membership.role = role
        membership.save(update_fields=["role"])
    return membership


def set_member_active(*, membership: Membership, active: bool, acting_user: User | None = None) -> Membership:
    """Suspend or restore a membership (the row stays); the team's last owner cannot be suspended."""
    if membership.is_active == active:
        return membership
    _check_may_grant(team=membership.team, acting_user=acting_user, roles=(membership.role,))
    with transaction.atomic():
        membership = Membership.objects.select_for_update().select_related("team", "user").get(pk=membership.pk)
        _lock_owners(membership.team_id)
        if not active:
            _check_keeps_an_owner(membership)
        membership.is_active = active
        membership.save(update_fields=["is_active"])
        sync_staff_flag(membership.user)
    return membership


def remove_member(*, membership: Membership, acting_user: User | None = None) -> None:
    """Take a person out of a team (their account stays); the team's last owner cannot be removed."""
    _check_may_grant(team=membership.team, acting_user=acting_user, roles=(membership.role,))
    with transaction.atomic():
        membership = Membership.objects.select_for_update().select_related("team", "user").get(pk=membership.pk)
        _lock_owners(membership.team_id)
        _check_keeps_an_owner(membership)
        user = membership.user
        membership.delete()
        sync_staff_flag(user)


def _lock_owners(team_id: Any) -> None:
    # Two owners demoting each other at once must not leave the team without one.
    list(Membership.objects.select_for_update().filter(team_id=team_id, role=Role.OWNER).values_list("pk"))


# --- invitations -------------------------------------------------------------------------------
def invite_member(*, team: Team, email: str, role: str, invited_by: User | None,
                  site_url: str) -> tuple[Invitation, str]:  # fmt: skip
    """Invite a person by email with a role; the email carries a one-time link valid for 7 days.

    Inviting an address that already has an open invitation renews and resends that one (with the
    new role). Returns the invitation and the link token, which is never stored.
    """
    _check_role(role)
    email = User.objects.normalize_email(email.strip()).lower()
    if not email:
        raise InvalidInputError("An email address is required.", "email")
    if Membership.objects.filter(team=team, user__email__iexact=email, is_active=True).exists():
        raise StateConflictError(f"{email} is already a member of {team}.", "email")
    _check_may_grant(team=team, acting_user=invited_by, roles=(role,))
    with transaction.atomic():
        invitation = Invitation.objects.select_for_update().open().filter(team=team, email=email).first()
        if invitation is None:
            invitation = Invitation(team=team, email=email)
        invitation.role = role
        invitation.invited_by = invited_by
        token = invitation.set_new_token()
        invitation.save()
    _send_invitation(invitation, token, site_url)
    return invitation, token


def resend_invitation(*, invitation: Invitation, site_url: str) -> str:
    """Send an open invitation again with a new link (the old link stops working) and 7 more days."""
    if invitation.accepted_at or invitation.revoked_at:
        raise StateConflictError("Only an open invitation can be sent again.", "invitation")
    token = invitation.set_new_token()
    invitation.save(update_fields=["hashed_token", "sent_at", "expires_at"])
    _send_invitation(invitation, token, site_url)
    return token


def revoke_invitation(*, invitation: Invitation) -> Invitation:
    """Withdraw an invitation: its link stops working at once."""
    if invitation.accepted_at:
        raise StateConflictError("This invitation has already been accepted.", "invitation")
    if invitation.revoked_at is None:
        invitation.revoked_at = timezone.now()
        invitation.save(update_fields=["revoked_at"])
    return invitation


def accept_invitation(*, token: str, full_name: str = "", password: str | None = None) -> Membership:
    """Accept an invitation: create the account (or link the existing one) and join the team.

    A new account gets the name and password given here; an existing account keeps its password.
    The role, the team's permissions and the admin access all follow from the membership.
    """
    with transaction.atomic():
        invitation = (
            Invitation.objects.select_for_update()
            .pending()
            .select_related("team")
            .filter(hashed_token=hash_token(token))
            .first()
        )
        if invitation is None:
            raise InvalidInputError("This invitation link is no longer valid. Ask for a new one.", "token")
        user = User.objects.filter(email__iexact=invitation.email).first()
        if user is None:
            if not password:
                raise InvalidInputError("Choose a password.", "password")
            user = User.objects.create_user(email=invitation.email, password=password, full_name=full_name.strip())
        elif full_name.strip() and not user.full_name:
            user.full_name = full_name.strip()
            user.save(update_fields=["full_name"])
        membership = add_member(team=invitation.team, email=user.email, role=invitation.role)
        invitation.accepted_at = timezone.now()
        invitation.accepted_by = user
        invitation.save(update_fields=["accepted_at", "accepted_by"])
    return membership


def _send_invitation(invitation: Invitation, token: str, site_url: str) -> None:
    context = {
        "invitation": invitation,
        "team": invitation.team,
        "inviter": invitation.invited_by,
        "role": Role(invitation.role).label,
        "link": f"{site_url.rstrip('/')}/invitations/{token}/",
        "expires_at": invitation.expires_at,
    }
    send_mail(
        subject=f"You are invited to join {invitation.team.name} on Shocking Energy",
        message=render_to_string("accounts/invitation_email.txt", context),
        from_email=settings.DEFAULT_FROM_EMAIL,
        recipient_list=[invitation.email],
    )


def create_api_key(*, team: Team, name: str, scopes: Iterable[str], created_by: User | None = None,
                   expires_at: dt.datetime | None = None) -> tuple[APIKey, str]:  # fmt: skip
    """Create a key; returns it with its plaintext token, which is never stored or shown again."""
    scopes = sorted(set(scopes))
    if not name.strip():
        raise InvalidInputError("A key needs a name.", "name")
    if not scopes:
        raise InvalidInputError("A key needs at least one scope.", "scopes")
    if bad := invalid_scopes(scopes):
        raise InvalidInputError(f"Unknown scopes: {', '.join(bad)}.", "scopes")
    if expires_at is not None and expires_at <= timezone.now():
        raise InvalidInputError("The expiry must be in the future.", "expiresAt")
    key = APIKey(team=team, name=name.strip(), scopes=scopes, created_by=created_by, expires_at=expires_at)
    token = key.set_new_token()
    key.save()
    return key, token


def revoke_api_key(*, key: APIKey) -> APIKey:
    """Revoke a key: its next request is a 401 (every worker's lookup cache lets go within a second)."""
    if key.revoked_at is None:
        key.revoked_at = timezone.now()
        key.save(update_fields=["revoked_at"])
    forget_api_key(key.hashed_token)
    return key
