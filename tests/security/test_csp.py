"""The Content-Security-Policy header itself: scripts only from our origin, never inline (docs/security.md)."""

from __future__ import annotations

import re

from django.test import Client

from tests.conftest import World
from tests.oauth.test_flow import pkce_pair
from tests.web.test_oauth_browser import _authorize_url, register_public_client

INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)(?![^>]*type=\"application/json\")[^>]*>", re.I)


def directives(policy: str) -> dict[str, str]:
    return dict(d.strip().split(" ", 1) for d in policy.split(";"))


def assert_strict(policy: str) -> None:
    rules = directives(policy)
    assert rules["script-src"] == "'self'", policy
    assert "'unsafe-eval'" not in policy and "nonce-" not in policy, policy
    assert rules["default-src"] == "'self'" and rules["object-src"] == "'none'"
    assert rules["base-uri"] == "'self'" and rules["frame-ancestors"] == "'none'"


def test_every_kind_of_page_allows_scripts_only_from_our_origin(world: World) -> None:
    owner = Client()
    owner.force_login(world.a.owner)
    engineer = Client()
    engineer.force_login(world.a.engineer)
    pages = [
        (Client(), "/accounts/login/"),
        (Client(), "/admin/login/"),
        (Client(), "/v1/docs"),
        (owner, "/settings/team/"),
        (owner, "/settings/developer/"),
        (engineer, "/day/"),
    ]
    for client, path in pages:
        response = client.get(path)
        assert response.status_code == 200, path
        assert_strict(response.headers["Content-Security-Policy"])
        assert not INLINE_SCRIPT.search(response.content.decode()), f"{path} has an inline script"


def test_swagger_ui_takes_its_init_script_from_a_separate_response(db: object) -> None:
    client = Client()
    page = client.get("/v1/docs").content.decode()
    [init] = re.findall(r'<script src="(/v1/docs\?[^"]*script=[^"]*)"', page)
    script = client.get(init.replace("&amp;", "&"))
    assert script.status_code == 200 and script["Content-Type"].startswith("application/javascript")
    assert b"SwaggerUIBundle" in script.content and b"/v1/openapi.json" in script.content


def test_the_consent_page_widens_only_form_action(world: World) -> None:
    redirect_uri = "http://127.0.0.1:8765/callback"
    application = register_public_client(name="Desktop agent", redirect_uris=[redirect_uri])
    client = Client()
    client.force_login(world.a.owner)
    page = client.get(_authorize_url(application.client_id, redirect_uri, pkce_pair()[1]))
    assert page.status_code == 200
    policy = page.headers["Content-Security-Policy"]
    assert_strict(policy)
    assert directives(policy)["form-action"] == "'self' http://127.0.0.1:8765"
    assert not INLINE_SCRIPT.search(page.content.decode())
