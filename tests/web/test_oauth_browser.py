"""OAuth's authorization-code flow in Chromium, which (unlike an HTTP client) enforces the page's CSP.

Chromium applies `form-action` to the redirect that answers the consent form, so these journeys only
pass when the consent page's policy allows the app's validated loopback `redirect_uri`.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest
from oauth2_provider.models import Application, Grant

from tests.oauth.test_flow import pkce_pair
from tests.web.test_browser import sign_in

pytestmark = pytest.mark.django_db(transaction=True)


class _Callback(BaseHTTPRequestHandler):
    """The native app's loopback listener: records each redirect it receives."""

    received: list[str]

    def do_GET(self) -> None:
        if self.path.startswith("/callback"):  # not the browser's own /favicon.ico
            self.server.received.append(self.path)
        body = b"<!doctype html><title>Signed in</title><p>You can close this window.</p>"
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: Any) -> None:
        return


@pytest.fixture
def loopback_app() -> Iterator[ThreadingHTTPServer]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Callback)
    server.received = []
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


def register_public_client(*, name: str, redirect_uris: list[str]) -> Any:
    """A native app as dynamic registration makes it: public, code flow, loopback redirect."""
    return Application.objects.create(
        name=name,
        client_type=Application.CLIENT_PUBLIC,
        authorization_grant_type=Application.GRANT_AUTHORIZATION_CODE,
        redirect_uris=" ".join(redirect_uris),
    )


def _authorize_url(client_id: str, redirect_uri: str, challenge: str) -> str:
    query = {
        "response_type": "code",
        "client_id": client_id,
        "redirect_uri": redirect_uri,
        "scope": "jobs.read team.read",
        "state": "browser-state",
        "code_challenge": challenge,
        "code_challenge_method": "S256",
    }
    return f"/oauth/authorize?{urlencode(query)}"


def _consent(page: Any, world: Any, loopback_app: ThreadingHTTPServer) -> tuple[str, str]:
    redirect_uri = f"http://127.0.0.1:{loopback_app.server_address[1]}/callback"
    application = register_public_client(name="Desktop agent", redirect_uris=[redirect_uri])
    _, challenge = pkce_pair()
    sign_in(page, world.a.owner.email, next_path=_authorize_url(application.client_id, redirect_uri, challenge))
    page.get_by_role("heading", name="Authorize Desktop agent?").wait_for()
    return redirect_uri, application.client_id


def test_authorize_in_chromium_returns_a_code_to_the_loopback_app(page, world, loopback_app, artifacts):
    redirect_uri, _ = _consent(page, world, loopback_app)
    page.get_by_label("Team").select_option(label=world.a.team.name)
    page.screenshot(path=str(artifacts / "oauth-consent.png"), full_page=True)
    page.get_by_role("button", name="Authorize").click()
    page.wait_for_url(f"{redirect_uri}?*")

    assert len(loopback_app.received) == 1
    query = parse_qs(urlsplit(loopback_app.received[0]).query)
    assert query["state"] == ["browser-state"]
    grant = Grant.objects.get(code=query["code"][0])
    assert grant.redirect_uri == redirect_uri


def test_cancel_in_chromium_tells_the_loopback_app_access_was_denied(page, world, loopback_app):
    redirect_uri, _ = _consent(page, world, loopback_app)
    page.get_by_role("button", name="Cancel").click()
    page.wait_for_url(f"{redirect_uri}?*")

    query = parse_qs(urlsplit(loopback_app.received[0]).query)
    assert query["error"] == ["access_denied"]
    assert not Grant.objects.exists()


def test_the_consent_page_allows_only_its_own_origin_and_the_redirect_uri(client, world, loopback_app):
    redirect_uri = f"http://127.0.0.1:{loopback_app.server_address[1]}/callback"
    application = register_public_client(name="Desktop agent", redirect_uris=[redirect_uri])
    _, challenge = pkce_pair()
    client.force_login(world.a.owner)

    page = client.get(_authorize_url(application.client_id, redirect_uri, challenge))
    assert page.status_code == 200
    directives = dict(d.strip().split(" ", 1) for d in page.headers["Content-Security-Policy"].split(";"))
    assert directives["form-action"] == f"'self' http://127.0.0.1:{loopback_app.server_address[1]}"

    # An unregistered redirect_uri is an error page: its policy names no outside origin.
    other = client.get(_authorize_url(application.client_id, "http://127.0.0.1:1/evil", challenge))
    assert "form-action 'self';" in other.headers["Content-Security-Policy"]
