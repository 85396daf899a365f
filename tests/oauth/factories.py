"""OAuth applications and tokens for tests, made the way the token endpoint makes them."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.utils import timezone
from oauth2_provider.models import AccessToken, Application, set_token_value

from accounts.models import OAuthToken, Team, User
from accounts.oauth import generate_access_token


def public_app(name: str = "Test agent", redirect_uri: str = "http://127.0.0.1:8765/callback") -> Application:
    return Application.objects.create(
        name=name,
        client_type=Application.CLIENT_PUBLIC,
        authorization_grant_type=Application.GRANT_AUTHORIZATION_CODE,
        redirect_uris=redirect_uri,
    )


def oauth_token(team: Team, user: User | None, scopes: Any, application: Application | None = None,
                expires_in: timedelta = timedelta(hours=1)) -> str:  # fmt: skip
    """Issue an `se_oauth_…` access token for `user` in `team`; returns the plaintext."""
    raw = generate_access_token(None)
    access = AccessToken(
        user=user,
        application=application or public_app(),
        scope=" ".join(sorted(scopes)),
        expires=timezone.now() + expires_in,
    )
    set_token_value(access, raw)
    access.save()
    OAuthToken.objects.create(access_token=access, team=team, prefix=raw[:13], last4=raw[-4:])
    return raw
