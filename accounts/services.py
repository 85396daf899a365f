"""Writes for accounts: teams, members and API keys."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from django.db import transaction
from django.utils import timezone

from accounts.models import APIKey, Membership, Role, Team, User
from accounts.scopes import invalid_scopes
from core.exceptions import InvalidInputError, StateConflictError


def create_team(*, slug: str, name: str, owner_email: str, owner_password: str | None = None,
                currency: str = "EUR", timezone_name: str = "UTC") -> Team:  # fmt: skip
    """Create a team and make `owner_email` (created if new) its owner."""
    if Team.objects.filter(slug=slug).exists():
        raise StateConflictError(f"A team with slug '{slug}' already exists.", "slug")
    with transaction.atomic():
        team = Team.objects.create(slug=slug, name=name, currency=currency, timezone=timezone_name)
        owner = get_or_create_user(owner_email, password=owner_password)
        Membership.objects.create(team=team, user=owner, role=Role.OWNER)
    return team


def get_or_create_user(email: str, *, password: str | None = None, full_name: str = "") -> User:
    user = User.objects.filter(email__iexact=email).first()
    if user is None:
        user = User.objects.create_user(email=email, password=password, full_name=full_name)
    elif password:
        user.set_password(password)
        user.save(update_fields=["password"])
    return user


def add_member(*, team: Team, email: str, role: str, full_name: str = "") -> Membership:
    """Add a person to a team with a role (or change the role of an existing member)."""
    if role not in Role.values:
        raise InvalidInputError(f"Unknown role '{role}'; choose one of: {', '.join(Role.values)}.", "role")
    with transaction.atomic():
        user = get_or_create_user(email, full_name=full_name)
        membership, created = Membership.objects.get_or_create(team=team, user=user, defaults={"role": role})
        if not created and membership.role != role:
            membership.role = role
            membership.save(update_fields=["role"])
    return membership


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
    from core.api.authentication import forget_api_key

    if key.revoked_at is None:
        key.revoked_at = timezone.now()
        key.save(update_fields=["revoked_at"])
    forget_api_key(key.hashed_token)
    return key
