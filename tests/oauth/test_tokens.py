"""OAuth tokens on /v1 through the shared Bearer class, and the Settings page of authorized apps."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import Client as DjangoClient

from accounts.models import Membership, OAuthToken
from accounts.oauth import is_allowed_redirect_uri
from tests.conftest import Api, World
from tests.oauth.factories import oauth_token, public_app

pytestmark = pytest.mark.django_db


def test_an_oauth_token_sees_only_its_team(world: World) -> None:
    token = oauth_token(world.a.team, world.a.owner, ["jobs.read"])
    response = Api(token).get("/v1/jobs")
    assert response.status_code == 200
    assert response.headers["RateLimit-Limit"], "the throttle applies to OAuth tokens too"


@pytest.mark.parametrize(
    "token", ["se_oauth_", "se_oauth_unknown", "se_oauth_rt_refresh-tokens-are-not-bearer-tokens", "se_oauthx"]
)
def test_unknown_oauth_tokens_are_401(world: World, token: str) -> None:
    response = Api(token).get("/v1/jobs")
    assert response.status_code == 401
    assert response.json["error"]["name"] == "UnauthorizedError"


def test_an_expired_token_is_401(world: World) -> None:
    token = oauth_token(world.a.team, world.a.owner, ["jobs.read"], expires_in=timedelta(seconds=-1))
    response = Api(token).get("/v1/jobs")
    assert response.status_code == 401 and "expired" in response.issues[0]["message"]


def test_a_token_stops_when_its_user_leaves_the_team(world: World) -> None:
    token = oauth_token(world.a.team, world.a.dispatcher, ["jobs.read"])
    assert Api(token).get("/v1/jobs").status_code == 200
    Membership.objects.filter(team=world.a.team, user=world.a.dispatcher).update(is_active=False)
    response = Api(token).get("/v1/jobs")
    assert response.status_code == 401 and "no longer a member" in response.issues[0]["message"]


def test_last_used_is_written_at_most_once_a_minute(world: World) -> None:
    token = oauth_token(world.a.team, world.a.owner, ["jobs.read"])
    Api(token).get("/v1/jobs")
    binding = OAuthToken.objects.get()
    first = binding.last_used_at
    assert first is not None
    Api(token).get("/v1/jobs")
    binding.refresh_from_db()
    assert binding.last_used_at == first


def test_unknown_scopes_in_a_token_grant_nothing(world: World) -> None:
    token = oauth_token(world.a.team, world.a.owner, ["jobs.everything", "read", "write"])
    assert Api(token).get("/v1/jobs").status_code == 403


@pytest.mark.parametrize(
    ("uri", "allowed"),
    [
        ("https://app.example.com/cb", True),
        ("http://127.0.0.1:51234/callback", True),
        ("http://localhost:3000/cb", True),
        ("http://[::1]:3000/cb", True),
        ("http://app.example.com/cb", False),
        ("http://127.0.0.1.evil.example.com/cb", False),
        ("javascript:alert(1)", False),
        ("myapp://callback", False),
    ],
)
def test_redirect_uri_rule(uri: str, allowed: bool) -> None:
    assert is_allowed_redirect_uri(uri) is allowed


def signed_in(user: object) -> DjangoClient:
    client = DjangoClient(enforce_csrf_checks=True)
    client.force_login(user)
    return client


def csrf_of(client: DjangoClient, path: str) -> str:
    page = client.get(path)
    return str(page.context["csrf_token"])


def test_authorized_apps_lists_and_revokes(world: World) -> None:
    app = public_app(name="Claude Desktop")
    token_a = oauth_token(world.a.team, world.a.owner, ["jobs.read", "team.read"], application=app)
    Membership.objects.create(team=world.b.team, user=world.a.owner)  # the owner of alpha also works for bravo
    token_b = oauth_token(world.b.team, world.a.owner, ["jobs.read"], application=app)
    someone_else = oauth_token(world.a.team, world.a.dispatcher, ["jobs.read"], application=app)

    client = signed_in(world.a.owner)
    page = client.get("/settings/authorized-apps/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "Claude Desktop" in html and "Read jobs and job types" in html and "Read the team and its members" in html
    assert html.count('name="application"') == 2, "one row per (app, team)"

    revoke = client.post(
        "/settings/authorized-apps/",
        {
            "application": app.pk,
            "team": str(world.a.team.pk),
            "csrfmiddlewaretoken": csrf_of(client, "/settings/authorized-apps/"),
        },
    )
    assert revoke.status_code == 302
    assert Api(token_a).get("/v1/jobs").status_code == 401
    assert Api(token_b).get("/v1/jobs").status_code == 200, "the other team's authorization stays"
    assert Api(someone_else).get("/v1/jobs").status_code == 200, "other users' authorizations stay"


def test_authorized_apps_needs_a_signed_in_user_and_csrf(world: World) -> None:
    assert DjangoClient().get("/settings/authorized-apps/").status_code == 302
    app = public_app()
    token = oauth_token(world.a.team, world.a.owner, ["jobs.read"], application=app)
    forged = signed_in(world.a.owner).post(
        "/settings/authorized-apps/", {"application": app.pk, "team": str(world.a.team.pk)}
    )
    assert forged.status_code == 403
    assert Api(token).get("/v1/jobs").status_code == 200


def test_a_user_cannot_revoke_someone_elses_authorization(world: World) -> None:
    app = public_app()
    token = oauth_token(world.a.team, world.a.dispatcher, ["jobs.read"], application=app)
    client = signed_in(world.a.owner)
    answer = client.post(
        "/settings/authorized-apps/",
        {
            "application": app.pk,
            "team": str(world.a.team.pk),
            "csrfmiddlewaretoken": csrf_of(client, "/settings/authorized-apps/"),
        },
    )
    assert answer.status_code == 404
    assert Api(token).get("/v1/jobs").status_code == 200
