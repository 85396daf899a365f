"""OAuth 2.1 on django-oauth-toolkit: `se_oauth_…` tokens bound to one team, resolved like API keys.

- Tokens: `se_oauth_<random>` access tokens (1 h) and `se_oauth_rt_<random>` refresh tokens (rotated,
  replay revokes the family); only their SHA-256 checksums are stored.
- Team: the consent screen passes the chosen team into the authorization request; the validator
  records it on the grant (`OAuthGrantTeam`), then on every access and refresh token that grant
  yields (`OAuthToken`, `OAuthRefreshTeam`). Client-credentials apps act for their `OAuthClientTeam`.
- The API: `resolve_oauth_token` is registered in `core.api.authentication.TOKEN_RESOLVERS`, so the
  one Bearer class accepts both kinds of token and every scope, tenant and throttle rule is shared.
"""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
import secrets
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from django.db import transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone
from oauth2_provider.models import get_access_token_model, get_application_model, get_refresh_token_model
from oauth2_provider.oauth2_validators import OAuth2Validator
from oauth2_provider.scopes import BaseScopes
from oauthlib.oauth2.rfc6749 import errors  # type: ignore[import-untyped]
from rest_framework.exceptions import AuthenticationFailed

from accounts.models import (
    LAST_USED_WRITE_INTERVAL,
    Membership,
    OAuthClientTeam,
    OAuthGrantTeam,
    OAuthRefreshTeam,
    OAuthToken,
    Team,
    User,
)
from accounts.scopes import ALL_SCOPES, Scope, invalid_scopes
from core.exceptions import InvalidInputError

if TYPE_CHECKING:
    from core.api.authentication import APIPrincipal

ACCESS_TOKEN_PREFIX = "se_oauth_"  # noqa: S105 - a prefix, not a secret
REFRESH_TOKEN_PREFIX = "se_oauth_rt_"  # noqa: S105 - a prefix, not a secret
DEFAULT_SCOPES = [Scope.TEAM_READ.value]
LOOPBACK_HOSTS = {"localhost", "127.0.0.1", "::1"}


# Token values --------------------------------------------------------------------------------------
def generate_access_token(request: Any, refresh_token: bool = False) -> str:
    """`ACCESS_TOKEN_GENERATOR`: a recognisable prefix and 256 random bits."""
    return ACCESS_TOKEN_PREFIX + secrets.token_urlsafe(32)


def generate_refresh_token(request: Any, refresh_token: bool = True) -> str:
    """`REFRESH_TOKEN_GENERATOR`: refresh tokens are told apart from access tokens by their prefix."""
    return REFRESH_TOKEN_PREFIX + secrets.token_urlsafe(32)


def token_checksum(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


# Scopes --------------------------------------------------------------------------------------------
class APIScopes(BaseScopes):
    """OAuth scopes are the API's scopes (`accounts.scopes.Scope`); client-credentials apps are capped."""

    def get_all_scopes(self) -> dict[str, str]:
        return {scope.value: str(scope.label) for scope in Scope}

    def get_available_scopes(
        self, application: Any = None, request: Any = None, *args: Any, **kwargs: Any
    ) -> list[str]:
        binding = OAuthClientTeam.objects.filter(application=application).first() if application is not None else None
        if binding is not None:
            return [scope for scope in ALL_SCOPES if scope in binding.scopes]
        return list(ALL_SCOPES)

    def get_default_scopes(self, application: Any = None, request: Any = None, *args: Any, **kwargs: Any) -> list[str]:
        binding = OAuthClientTeam.objects.filter(application=application).first() if application is not None else None
        if binding is not None:
            return list(binding.scopes)
        return list(DEFAULT_SCOPES)


def is_allowed_redirect_uri(uri: str) -> bool:
    """https anywhere; plain http only back to this machine (RFC 8252 loopback redirects of native apps)."""
    parts = urlsplit(uri)
    if parts.scheme == "https":
        return True
    if parts.scheme != "http" or not parts.hostname:
        return False
    if parts.hostname in LOOPBACK_HOSTS:
        return True
    try:
        return ipaddress.ip_address(parts.hostname).is_loopback
    except ValueError:
        return False


# The validator: where the team travels from consent to tokens --------------------------------------
class TeamOAuth2Validator(OAuth2Validator):
    """django-oauth-toolkit's validator, plus the team binding and our redirect and grant rules."""

    def validate_redirect_uri(self, client_id: str, redirect_uri: str, request: Any, *args: Any, **kwargs: Any) -> bool:
        if not is_allowed_redirect_uri(redirect_uri):
            return False
        return bool(super().validate_redirect_uri(client_id, redirect_uri, request, *args, **kwargs))

    def validate_grant_type(
        self, client_id: str, grant_type: str, client: Any, request: Any, *args: Any, **kwargs: Any
    ) -> bool:
        if grant_type == "client_credentials" and not OAuthClientTeam.objects.filter(application=client).exists():
            return False  # a server-to-server app must belong to a team
        return bool(super().validate_grant_type(client_id, grant_type, client, request, *args, **kwargs))

    def _create_authorization_code(self, request: Any, code: dict[str, str], expires: datetime | None = None) -> Any:
        team_id = getattr(request, "team_id", None)
        if team_id is None or not member_of(request.user, team_id):
            raise errors.AccessDeniedError(description="Choose one of your teams to authorize.", request=request)
        grant = super()._create_authorization_code(request, code, expires)
        OAuthGrantTeam.objects.create(grant=grant, team_id=team_id)
        return grant

    def validate_code(self, client_id: str, code: str, client: Any, request: Any, *args: Any, **kwargs: Any) -> bool:
        if not super().validate_code(client_id, code, client, request, *args, **kwargs):
            return False
        binding = OAuthGrantTeam.objects.filter(grant__code=code, grant__application=client).first()
        if binding is None:
            return False
        request.team_id = binding.team_id
        return True

    def validate_refresh_token(self, refresh_token: str, client: Any, request: Any, *args: Any, **kwargs: Any) -> bool:
        if not super().validate_refresh_token(refresh_token, client, request, *args, **kwargs):
            return False
        instance = getattr(request, "refresh_token_instance", None)
        binding = OAuthRefreshTeam.objects.filter(refresh_token=instance).first() if instance is not None else None
        if binding is None:
            return False
        if request.user is not None and not member_of(request.user, binding.team_id):
            return False  # left the team since consenting
        request.team_id = binding.team_id
        return True

    def _create_access_token(
        self, expires: datetime, request: Any, token: dict[str, Any], source_refresh_token: Any = None
    ) -> Any:
        access_token = super()._create_access_token(expires, request, token, source_refresh_token)
        raw = token["access_token"]
        OAuthToken.objects.create(
            access_token=access_token,
            team_id=_team_of(request),
            prefix=raw[: len(ACCESS_TOKEN_PREFIX) + 4],
            last4=raw[-4:],
        )
        return access_token

    def _create_refresh_token(
        self, request: Any, refresh_token_code: str, access_token: Any, previous_refresh_token: Any
    ) -> Any:
        refresh_token = super()._create_refresh_token(request, refresh_token_code, access_token, previous_refresh_token)
        OAuthRefreshTeam.objects.create(refresh_token=refresh_token, team_id=_team_of(request))
        return refresh_token


def _team_of(request: Any) -> Any:
    if request.grant_type == "client_credentials":
        return OAuthClientTeam.objects.values_list("team_id", flat=True).get(application=request.client)
    team_id = getattr(request, "team_id", None)
    if team_id is None:
        raise errors.AccessDeniedError(description="This authorization is not bound to a team.", request=request)
    return team_id


def member_of(user: Any, team_id: Any) -> bool:
    """Whether `user` is an active member of the team (the precondition of every user-bound token)."""
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    return Membership.objects.filter(team_id=team_id, user=user, is_active=True).exists()


# The API side: resolve a bearer token to its principal ---------------------------------------------
def resolve_oauth_token(token: str) -> APIPrincipal:
    """Resolve an `se_oauth_…` token to its principal or raise 401; lookup by SHA-256, compared in constant time."""
    from core.api.authentication import APIPrincipal

    digest = token_checksum(token)
    still_member = Membership.objects.filter(
        team=OuterRef("team"), user=OuterRef("access_token__user"), is_active=True, user__is_active=True
    )
    binding = (
        OAuthToken.objects.select_related(
            "team", "access_token", "access_token__application", "access_token__application__user", "access_token__user"
        )
        .annotate(still_member=Exists(still_member))
        .filter(access_token__token_checksum=digest)
        .first()
    )
    if binding is None or not hmac.compare_digest(binding.access_token.token_checksum, digest):
        raise AuthenticationFailed("Invalid OAuth token.")
    access = binding.access_token
    now = timezone.now()
    if access.expires <= now:
        raise AuthenticationFailed("This OAuth token has expired; refresh it.")
    user = access.user
    if user is not None and not binding.still_member:
        raise AuthenticationFailed("The user who authorized this token is no longer a member of its team.")
    if binding.last_used_at is None or now - binding.last_used_at >= LAST_USED_WRITE_INTERVAL:
        OAuthToken.objects.filter(pk=binding.pk).update(last_used_at=now)
        binding.last_used_at = now
    scopes = frozenset(access.scope.split()) & frozenset(ALL_SCOPES)
    # A client-credentials token acts for the person who registered the app.
    actor = user if user is not None else (access.application.user if access.application is not None else None)
    return APIPrincipal(team=binding.team, scopes=scopes, credential=binding, user=actor)


# Services: server-to-server apps, authorized apps and their revocation ----------------------------
def create_server_app(*, team: Team, created_by: User | None, name: str, scopes: Iterable[str]) -> tuple[Any, str]:
    """Register a confidential client-credentials app for `team`; returns it and its secret (shown once)."""
    scopes = sorted(set(scopes))
    unknown = invalid_scopes(scopes)
    if unknown:
        raise InvalidInputError(f"Unknown scopes: {', '.join(unknown)}.", "scopes")
    if not scopes:
        raise InvalidInputError("Give the app at least one scope.", "scopes")
    application_model = get_application_model()
    application = application_model(
        name=name,
        user=created_by,
        client_type=application_model.CLIENT_CONFIDENTIAL,
        authorization_grant_type=application_model.GRANT_CLIENT_CREDENTIALS,
    )
    secret = application.client_secret  # hashed on save
    with transaction.atomic():
        application.save()
        OAuthClientTeam.objects.create(application=application, team=team, scopes=scopes)
    return application, secret


@dataclass
class AuthorizedApp:
    """One app a user has authorized for one team, as listed under Settings."""

    application_id: int
    name: str
    team: Team
    scopes: set[str] = field(default_factory=set)
    authorized_at: datetime | None = None
    last_used_at: datetime | None = None

    @property
    def scope_labels(self) -> list[str]:
        labels = APIScopes().get_all_scopes()
        return [labels[scope] for scope in ALL_SCOPES if scope in self.scopes]


def authorized_apps(user: User) -> list[AuthorizedApp]:
    """The apps holding a live access or refresh token of `user`, one entry per (app, team)."""
    now = timezone.now()
    found: dict[tuple[int, Any], AuthorizedApp] = {}

    def add(application: Any, team: Team, scope: str, created: datetime, last_used: datetime | None) -> None:
        key = (application.pk, team.pk)
        app = found.setdefault(key, AuthorizedApp(application.pk, application.name or application.client_id, team))
        app.scopes.update(scope.split())
        app.authorized_at = min(filter(None, [app.authorized_at, created]))
        if last_used is not None:
            app.last_used_at = max(filter(None, [app.last_used_at, last_used]))

    refresh_model = get_refresh_token_model()
    for refresh in (
        refresh_model.objects.filter(user=user, revoked__isnull=True, team_binding__isnull=False)
        .select_related("application", "team_binding__team", "access_token")
        .order_by("created")
    ):
        scope = refresh.access_token.scope if refresh.access_token is not None else ""
        add(refresh.application, refresh.team_binding.team, scope, refresh.created, None)
    for binding in OAuthToken.objects.filter(access_token__user=user, access_token__expires__gt=now).select_related(
        "team", "access_token__application"
    ):
        access = binding.access_token
        add(access.application, binding.team, access.scope, access.created, binding.last_used_at)
    return sorted(found.values(), key=lambda app: (app.name.lower(), app.team.name))


def revoke_authorization(*, user: User, application_id: int, team_id: Any) -> int:
    """Revoke every token `user` gave `application` for the team; returns how many tokens stopped working."""
    refresh_model = get_refresh_token_model()
    access_model = get_access_token_model()
    with transaction.atomic():
        refreshes = list(
            refresh_model.objects.filter(
                user=user, application_id=application_id, team_binding__team_id=team_id, revoked__isnull=True
            )
        )
        for refresh in refreshes:
            refresh.revoke()
        access_tokens = access_model.objects.filter(
            user=user, application_id=application_id, team_binding__team_id=team_id
        )
        revoked_access = access_tokens.count()
        access_tokens.delete()
    return len(refreshes) + revoked_access
