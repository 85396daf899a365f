"""OAuth 2.1 end to end over real HTTP: register, authorize with consent, exchange with PKCE, use, refresh, revoke."""

from __future__ import annotations

import base64
import hashlib
import re
import secrets
from html import unescape
from typing import Any
from urllib.parse import parse_qs, urlsplit

import anyio
import httpx2
import pytest
from django.conf import settings
from django.test import Client as DjangoClient
from mcp import Client
from mcp.client.streamable_http import streamable_http_client
from oauth2_provider.models import AccessToken, RefreshToken

from accounts.models import OAuthToken, User
from accounts.oauth import create_server_app
from jobs.models import Job
from tests.conftest import World
from tests.factories import JobTypeFactory

pytestmark = pytest.mark.django_db(transaction=True)

REDIRECT_URI = "http://127.0.0.1:8765/callback"


def pkce_pair() -> tuple[str, str]:
    verifier = secrets.token_urlsafe(48)
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
    return verifier, challenge


def signed_in(server_url: str, user: User) -> httpx2.Client:
    """A browser-like HTTP client with the user's session cookie (as after signing in)."""
    django_client = DjangoClient()
    django_client.force_login(user)
    session_cookie = django_client.cookies[settings.SESSION_COOKIE_NAME].value
    browser = httpx2.Client(base_url=server_url, timeout=30, follow_redirects=False)
    browser.cookies.set(settings.SESSION_COOKIE_NAME, session_cookie, domain="127.0.0.1")
    return browser


def hidden_fields(html: str) -> dict[str, str]:
    fields = {}
    for tag in re.findall(r"<input[^>]*>", html):
        name = re.search(r'name="([^"]+)"', tag)
        value = re.search(r'value="([^"]*)"', tag)
        if name and 'type="hidden"' in tag:
            fields[name.group(1)] = unescape(value.group(1)) if value else ""
    return fields


def register_client(server_url: str, **metadata: Any) -> httpx2.Response:
    body = {
        "client_name": "Claude (test)",
        "redirect_uris": [REDIRECT_URI],
        "grant_types": ["authorization_code", "refresh_token"],
        "response_types": ["code"],
        "token_endpoint_auth_method": "none",
        **metadata,
    }
    return httpx2.post(f"{server_url}/oauth/register", json=body, timeout=30)


def authorize(server_url: str, browser: httpx2.Client, client_id: str, challenge: str, team_id: Any,
              scope: str = "jobs.write team.read") -> httpx2.Response:  # fmt: skip
    """GET the consent page, then POST it as the user would; returns the POST's answer."""
    params = {
        "response_type": "code",
        "client_id": client_id,
        "redirect_uri": REDIRECT_URI,
        "scope": scope,
        "state": "st4te",
        "code_challenge": challenge,
        "code_challenge_method": "S256",
    }
    page = browser.get("/oauth/authorize", params=params)
    assert page.status_code == 200, page.text
    form = hidden_fields(page.text)
    return browser.post("/oauth/authorize", data={**form, "team": str(team_id), "allow": "Authorize"})


def exchange(server_url: str, client_id: str, code: str, verifier: str) -> httpx2.Response:
    return httpx2.post(
        f"{server_url}/oauth/token",
        data={
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": REDIRECT_URI,
            "client_id": client_id,
            "code_verifier": verifier,
        },
        timeout=30,
    )


def get_jobs(server_url: str, token: str) -> httpx2.Response:
    return httpx2.get(f"{server_url}/v1/jobs", headers={"Authorization": f"Bearer {token}"}, timeout=30)


def mcp_create_job(server_url: str, token: str) -> Any:
    async def main() -> Any:
        async with (
            httpx2.AsyncClient(headers={"Authorization": f"Bearer {token}"}, timeout=30) as http,
            Client(streamable_http_client(f"{server_url}/mcp", http_client=http)) as client,
        ):
            return await client.call_tool("create_job", {"job_type": "meter-read"})

    return anyio.run(main)


def test_the_full_code_flow_with_pkce(server_url: str, world: World) -> None:
    JobTypeFactory(team=world.a.team, key="meter-read")
    # Discovery, then dynamic registration of a public client, as an MCP client does.
    metadata = httpx2.get(f"{server_url}/.well-known/oauth-authorization-server", timeout=30).json()
    assert metadata["issuer"] == server_url
    assert metadata["authorization_endpoint"] == f"{server_url}/oauth/authorize"
    assert metadata["code_challenge_methods_supported"] == ["S256"]
    registered = register_client(server_url)
    assert registered.status_code == 201, registered.text
    client_id = registered.json()["client_id"]
    assert "client_secret" not in registered.json()

    # The signed-in owner consents for team alpha.
    verifier, challenge = pkce_pair()
    with signed_in(server_url, world.a.owner) as browser:
        page = browser.get(
            "/oauth/authorize",
            params={"response_type": "code", "client_id": client_id, "redirect_uri": REDIRECT_URI,
                    "scope": "jobs.write team.read", "state": "s", "code_challenge": challenge,
                    "code_challenge_method": "S256"},
        )  # fmt: skip
        assert page.status_code == 200
        assert "Authorize Claude (test)?" in page.text
        assert "Create and change jobs and job types" in page.text and "Read the team and its members" in page.text
        assert world.a.team.name in page.text and world.b.team.name not in page.text

        answer = authorize(server_url, browser, client_id, challenge, world.a.team.pk)
        assert answer.status_code == 302, answer.text
        location = urlsplit(answer.headers["Location"])
        assert f"{location.scheme}://{location.netloc}{location.path}" == REDIRECT_URI
        query = parse_qs(location.query)
        assert query["state"] == ["st4te"] and query["iss"] == [server_url]

        # Exchange: a wrong verifier is refused, the right one gives se_oauth_ tokens.
        assert exchange(server_url, client_id, query["code"][0], "wrong-verifier-" + "x" * 40).status_code == 400
        answer = authorize(server_url, browser, client_id, challenge, world.a.team.pk)
        code = parse_qs(urlsplit(answer.headers["Location"]).query)["code"][0]
        tokens = exchange(server_url, client_id, code, verifier)
        assert tokens.status_code == 200, tokens.text
        issued = tokens.json()
        access, refresh = issued["access_token"], issued["refresh_token"]
        assert access.startswith("se_oauth_") and refresh.startswith("se_oauth_rt_")
        assert issued["expires_in"] == 3600 and set(issued["scope"].split()) == {"jobs.write", "team.read"}
        assert exchange(server_url, client_id, code, verifier).status_code == 400, "a code is used once"

        # Stored hashed: the plaintext is nowhere in the database.
        assert not AccessToken.objects.filter(token=access).exists()
        assert not RefreshToken.objects.filter(token=refresh).exists()
        assert OAuthToken.objects.get(
            access_token__token_checksum=hashlib.sha256(access.encode()).hexdigest()
        ).team == (world.a.team)

        # The token works on /v1 (its team, its scopes) and on /mcp.
        assert get_jobs(server_url, access).status_code == 200
        team = httpx2.get(f"{server_url}/v1/team", headers={"Authorization": f"Bearer {access}"}, timeout=30).json()
        assert team["data"]["team"]["id"] == str(world.a.team.pk)
        assert team["data"]["credential"]["kind"] == "oauthToken"
        assert team["data"]["credential"]["name"] == "Claude (test)"
        refused = httpx2.get(f"{server_url}/v1/invoices", headers={"Authorization": f"Bearer {access}"}, timeout=30)
        assert refused.status_code == 403 and "invoices.read" in refused.text
        created = mcp_create_job(server_url, access)
        assert not created.is_error, created
        job = Job.objects.get(pk=created.structured_content["data"]["id"])
        assert job.team == world.a.team and job.created_by_user == world.a.owner

        # Refresh rotates both tokens; the old access token stops working.
        renewed = httpx2.post(
            f"{server_url}/oauth/token",
            data={"grant_type": "refresh_token", "refresh_token": refresh, "client_id": client_id},
            timeout=30,
        )
        assert renewed.status_code == 200, renewed.text
        access2, refresh2 = renewed.json()["access_token"], renewed.json()["refresh_token"]
        assert access2.startswith("se_oauth_") and refresh2 != refresh
        assert get_jobs(server_url, access).status_code == 401
        assert get_jobs(server_url, access2).status_code == 200
        renewed_team = httpx2.get(f"{server_url}/v1/team", headers={"Authorization": f"Bearer {access2}"}, timeout=30)
        assert renewed_team.json()["data"]["team"]["id"] == str(world.a.team.pk), "the team survives rotation"

        # Revocation (RFC 7009): the access token is dead at once.
        revoked = httpx2.post(f"{server_url}/oauth/revoke", data={"token": access2, "client_id": client_id}, timeout=30)
        assert revoked.status_code == 200
        assert get_jobs(server_url, access2).status_code == 401
        refused_mcp = httpx2.post(
            f"{server_url}/mcp",
            json={"jsonrpc": "2.0", "id": 1, "method": "ping"},
            headers={"Authorization": f"Bearer {access2}", "Accept": "application/json, text/event-stream"},
            timeout=30,
        )
        assert refused_mcp.status_code == 401


def test_a_replayed_refresh_token_revokes_the_family(server_url: str, world: World) -> None:
    client_id = register_client(server_url).json()["client_id"]
    verifier, challenge = pkce_pair()
    with signed_in(server_url, world.a.owner) as browser:
        code = parse_qs(
            urlsplit(authorize(server_url, browser, client_id, challenge, world.a.team.pk).headers["Location"]).query
        )["code"][0]
        first = exchange(server_url, client_id, code, verifier).json()
        refresh = {"grant_type": "refresh_token", "refresh_token": first["refresh_token"], "client_id": client_id}
        second = httpx2.post(f"{server_url}/oauth/token", data=refresh, timeout=30).json()
        replay = httpx2.post(f"{server_url}/oauth/token", data=refresh, timeout=30)
        assert replay.status_code == 400 and replay.json()["error"] == "invalid_grant"
        assert get_jobs(server_url, second["access_token"]).status_code == 401, "the whole family is revoked"


def test_consent_refusals(server_url: str, world: World) -> None:
    client_id = register_client(server_url).json()["client_id"]
    _, challenge = pkce_pair()
    with signed_in(server_url, world.a.owner) as browser:
        # Another team's id (tampered form) is refused; nothing is issued.
        assert authorize(server_url, browser, client_id, challenge, world.b.team.pk).status_code == 400
        # Cancel sends the user back with access_denied.
        params = {"response_type": "code", "client_id": client_id, "redirect_uri": REDIRECT_URI, "scope": "jobs.read",
                  "state": "s", "code_challenge": challenge, "code_challenge_method": "S256"}  # fmt: skip
        form = hidden_fields(browser.get("/oauth/authorize", params=params).text)
        cancelled = browser.post("/oauth/authorize", data={**form, "team": str(world.a.team.pk)})
        assert cancelled.status_code == 302 and "error=access_denied" in cancelled.headers["Location"]
        # Without PKCE the request is refused.
        no_pkce = browser.get("/oauth/authorize", params={k: v for k, v in params.items() if not k.startswith("code_")})
        assert no_pkce.status_code == 302
        assert "error=invalid_request" in no_pkce.headers["Location"]
        assert "Code+challenge+required" in no_pkce.headers["Location"]
        # An anonymous visitor is sent to sign in first.
        anonymous = httpx2.get(f"{server_url}/oauth/authorize", params=params, timeout=30)
        assert anonymous.status_code == 302 and str(settings.LOGIN_URL) in anonymous.headers["Location"]
        assert not OAuthToken.objects.exists(), "no API token was issued (DCR registration tokens aside)"


def test_registration_accepts_public_clients_only(server_url: str, world: World) -> None:
    assert register_client(server_url, token_endpoint_auth_method="client_secret_basic").status_code == 400
    assert register_client(server_url, grant_types=["client_credentials"]).status_code == 400
    insecure = register_client(server_url, redirect_uris=["http://evil.example.com/cb"])
    assert insecure.status_code == 400 and insecure.json()["error"] == "invalid_redirect_uri"
    assert register_client(server_url, redirect_uris=["https://app.example.com/cb"]).status_code == 201


def test_registration_is_rate_limited(server_url: str, world: World, settings: Any) -> None:
    settings.OAUTH_REGISTRATION_RATE_LIMIT = "2/hour"
    assert [register_client(server_url).status_code for _ in range(3)] == [201, 201, 429]


def test_client_credentials_for_a_server_app(server_url: str, world: World) -> None:
    app, secret = create_server_app(team=world.a.team, created_by=world.a.owner, name="ERP sync", scopes=["jobs.read"])
    token = httpx2.post(
        f"{server_url}/oauth/token",
        data={"grant_type": "client_credentials", "scope": "jobs.read"},
        auth=(app.client_id, secret),
        timeout=30,
    )
    assert token.status_code == 200, token.text
    access = token.json()["access_token"]
    assert access.startswith("se_oauth_") and "refresh_token" not in token.json()
    assert get_jobs(server_url, access).status_code == 200
    team = httpx2.get(f"{server_url}/v1/team", headers={"Authorization": f"Bearer {access}"}, timeout=30)
    assert team.status_code == 403, "the app only holds jobs.read"
    beyond = httpx2.post(
        f"{server_url}/oauth/token",
        data={"grant_type": "client_credentials", "scope": "invoices.write"},
        auth=(app.client_id, secret),
        timeout=30,
    )
    assert beyond.status_code == 400 and beyond.json()["error"] == "invalid_scope"


def test_discovery_documents(server_url: str, world: World) -> None:
    server = httpx2.get(f"{server_url}/.well-known/oauth-authorization-server", timeout=30).json()
    assert server["token_endpoint"] == f"{server_url}/oauth/token"
    assert server["revocation_endpoint"] == f"{server_url}/oauth/revoke"
    assert server["registration_endpoint"] == f"{server_url}/oauth/register"
    assert "jobs.write" in server["scopes_supported"] and "token" not in server["response_types_supported"]
    for path in ("mcp", "v1"):
        resource = httpx2.get(f"{server_url}/.well-known/oauth-protected-resource/{path}", timeout=30).json()
        assert resource["resource"] == f"{server_url}/{path}"
        assert resource["authorization_servers"] == [server_url]
        assert resource["bearer_methods_supported"] == ["header"]
    assert httpx2.get(f"{server_url}/.well-known/oauth-protected-resource/elsewhere", timeout=30).status_code == 404
