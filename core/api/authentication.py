"""Bearer authentication for API keys (`se_…`); OAuth tokens (`se_oauth_…`) plug into the same class."""

from __future__ import annotations

import hmac
from dataclasses import dataclass, field
from typing import Any

from django.utils import timezone
from rest_framework.authentication import BaseAuthentication
from rest_framework.exceptions import AuthenticationFailed
from rest_framework.request import Request

from accounts.key_lookup import find_api_key
from accounts.models import LAST_USED_WRITE_INTERVAL, Actor, APIKey, Team, User, hash_token
from accounts.oauth import resolve_oauth_token

BEARER = "Bearer"


@dataclass(eq=False)
class APIPrincipal:
    """`request.user` for API calls: the team, the scopes and the credential behind them."""

    team: Team
    scopes: frozenset[str]
    credential: Any
    user: User | None = None
    is_authenticated: bool = field(default=True, init=False)
    is_anonymous: bool = field(default=False, init=False)

    @property
    def pk(self) -> str:
        return str(self.credential.pk)

    @property
    def actor(self) -> Actor:
        api_key = self.credential if isinstance(self.credential, APIKey) else None
        return Actor(user=self.user, api_key=api_key)


def authenticate_api_key(token: str) -> APIPrincipal:
    """Resolve an `se_…` token to its principal or raise 401. Lookup is by SHA-256, compared in constant time."""
    digest = hash_token(token)
    key = find_api_key(digest)
    if key is None or not hmac.compare_digest(key.hashed_token, digest):
        raise AuthenticationFailed("Invalid API key.")
    now = timezone.now()
    if key.revoked_at is not None:
        raise AuthenticationFailed("This API key has been revoked.")
    if key.expires_at is not None and key.expires_at <= now:
        raise AuthenticationFailed("This API key has expired.")
    if key.last_used_at is None or now - key.last_used_at >= LAST_USED_WRITE_INTERVAL:
        # At most one write a minute, so that reads don't turn into writes.
        APIKey.objects.filter(pk=key.pk).update(last_used_at=now)
        key.last_used_at = now
    return APIPrincipal(team=key.team, scopes=frozenset(key.scopes), credential=key, user=key.created_by)


# Longest prefix first: `se_oauth_` tokens must not be taken for API keys.
TOKEN_RESOLVERS: list[tuple[str, Any]] = [("se_", authenticate_api_key), ("se_oauth_", resolve_oauth_token)]


def authenticate_token(token: str) -> APIPrincipal:
    for prefix, resolve in sorted(TOKEN_RESOLVERS, key=lambda item: -len(item[0])):
        if token.startswith(prefix):
            return resolve(token)
    raise AuthenticationFailed("Unknown token format; expected an API key (se_…) or an OAuth token (se_oauth_…).")


class BearerAuthentication(BaseAuthentication):
    """`Authorization: Bearer <token>`. No header → 401 via DRF; anything wrong with it → 401."""

    def authenticate(self, request: Request) -> tuple[APIPrincipal, Any] | None:
        header = request.META.get("HTTP_AUTHORIZATION", "")
        if not header:
            return None
        scheme, _, token = header.partition(" ")
        token = token.strip()
        if scheme.lower() != BEARER.lower() or not token or " " in token:
            raise AuthenticationFailed("Malformed Authorization header; expected 'Bearer <token>'.")
        principal = authenticate_token(token)
        return principal, principal.credential

    def authenticate_header(self, request: Request) -> str:
        return f'{BEARER} realm="api"'
