"""The browser side: CSRF on every page that takes a POST, production headers and cookies, sign-in.

CSRF is checked on every non-API route of the URL conf and every admin page, generated: a signed-in
person's POST without the CSRF token is a 403 and changes nothing. The only views allowed to be
CSRF-exempt are the OAuth protocol endpoints, which take no cookies (clients authenticate with
their own credentials or PKCE). Headers and cookies are checked with the values of
`config.settings_prod`, read from that module itself.
"""

from __future__ import annotations

import importlib
import os
import re
import sys
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from django.contrib import admin
from django.test import Client, override_settings
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from tests.conftest import World
from tests.factories import APIKeyFactory
from tests.security.discovery import changed_tables, database_state

pytestmark = pytest.mark.django_db

PROD_SECURITY_SETTINGS = (
    "SECURE_PROXY_SSL_HEADER",
    "SECURE_SSL_REDIRECT",
    "SECURE_HSTS_SECONDS",
    "SECURE_HSTS_INCLUDE_SUBDOMAINS",
    "SECURE_HSTS_PRELOAD",
    "SECURE_CONTENT_TYPE_NOSNIFF",
    "SECURE_REFERRER_POLICY",
    "SECURE_CROSS_ORIGIN_OPENER_POLICY",
    "SESSION_COOKIE_SECURE",
    "SESSION_COOKIE_HTTPONLY",
    "SESSION_COOKIE_SAMESITE",
    "CSRF_COOKIE_SECURE",
    "X_FRAME_OPTIONS",
    "DEBUG",
)
CSRF_EXEMPT_ALLOWED = re.compile(r"^/oauth/(token|revoke|introspect|register(/[^/]+)?)$")


def prod_settings() -> dict[str, Any]:
    """The security settings production runs with, read from `config.settings_prod` itself."""
    saved = os.environ.get("SECRET_KEY")
    os.environ.setdefault("SECRET_KEY", "only-to-import-the-module-" + "x" * 40)
    try:
        sys.modules.pop("config.settings_prod", None)
        module = importlib.import_module("config.settings_prod")
    finally:
        sys.modules.pop("config.settings_prod", None)
        if saved is None:
            os.environ.pop("SECRET_KEY", None)
    from django.conf import global_settings

    return {name: getattr(module, name, getattr(global_settings, name)) for name in PROD_SECURITY_SETTINGS}


def page_routes(patterns: list[Any] | None = None, prefix: str = "") -> Iterator[tuple[str, Any]]:
    """Every non-API, non-admin route of the URL conf as (path with `<converters>`, view callback)."""
    for entry in patterns if patterns is not None else get_resolver().url_patterns:
        route = str(entry.pattern)
        if isinstance(entry, URLResolver):
            if route.startswith(("v1/", "admin/")):
                continue
            yield from page_routes(entry.url_patterns, prefix + route)
        elif isinstance(entry, URLPattern) and not route.startswith("^"):
            yield "/" + prefix + route.lstrip("^").rstrip("$"), entry.callback


def concrete(path: str, world: World) -> str:
    key = APIKeyFactory(team=world.a.team)
    values = {"uuid": str(key.pk), "int": "0"}
    return re.sub(r"<(?:(\w+):)?(\w+)>", lambda m: values.get(m.group(1) or "", "x"), path)


def test_every_page_refuses_a_post_without_the_csrf_token(world: World) -> None:
    client = Client(enforce_csrf_checks=True)
    client.force_login(world.a.owner)
    routes = list(page_routes())
    assert len(routes) >= 8, routes
    failures, exempt = [], []
    for path, callback in routes:
        url = concrete(path, world)
        if getattr(callback, "csrf_exempt", False):
            exempt.append(url)
            continue
        before = database_state()
        response = client.post(url, {"name": "forged", "team": "bravo", "next": "/"})
        changed = changed_tables(before, database_state())
        # 403 from the CSRF check; 405 where the view takes no POST at all.
        if response.status_code not in (403, 405) or changed:
            failures.append(f"POST {url}: {response.status_code} changed={changed}")
    assert not failures, "\n".join(failures)
    assert all(CSRF_EXEMPT_ALLOWED.match(url) for url in exempt), exempt


def test_every_admin_page_refuses_a_post_without_the_csrf_token(world: World) -> None:
    world.a.owner.is_staff = world.a.owner.is_superuser = True
    world.a.owner.save()
    client = Client(enforce_csrf_checks=True)
    client.force_login(world.a.owner)
    failures = []
    urls = [reverse("admin:index"), reverse("admin:logout"), reverse("admin:password_change")]
    for model in admin.site._registry:
        name = f"admin:{model._meta.app_label}_{model._meta.model_name}"
        urls += [reverse(f"{name}_changelist"), reverse(f"{name}_add")]
        row = model._default_manager.first()
        if row is not None:
            urls += [
                reverse(f"{name}_change", args=[row.pk]),
                reverse(f"{name}_delete", args=[row.pk]),
            ]
    assert len(urls) > 20
    before = database_state()
    for url in urls:
        response = client.post(
            url, {"action": "delete_selected", "_selected_action": [str(uuid.uuid4())], "post": "yes"}
        )
        if response.status_code != 403:
            failures.append(f"POST {url}: {response.status_code}")
    assert not failures, "\n".join(failures)
    assert not changed_tables(before, database_state())
    anonymous = Client(enforce_csrf_checks=True).post(reverse("admin:login"), {"username": "x", "password": "y"})
    assert anonymous.status_code == 403, "the admin sign-in form too"


def test_production_security_headers_on_pages_and_api(world: World) -> None:
    settings = prod_settings()
    assert settings["DEBUG"] is False and settings["SECURE_SSL_REDIRECT"] is True
    client = Client()
    client.force_login(world.a.owner)
    with override_settings(**settings):
        plain = client.get("/settings/developer/")
        assert plain.status_code == 301 and plain["Location"].startswith("https://"), "plain http is redirected"
        for url, headers in (
            ("/settings/developer/", {}),
            ("/accounts/login/", {}),
            (reverse("admin:index"), {}),
            ("/v1/jobs", {"Authorization": f"Bearer {world.a.token}"}),
        ):
            response = client.get(url, headers={**headers, "X-Forwarded-Proto": "https"})
            assert response.status_code in (200, 302), (url, response.status_code)
            assert response["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains; preload", url
            assert response["X-Content-Type-Options"] == "nosniff", url
            assert response["Referrer-Policy"] == "same-origin", url
            assert response["X-Frame-Options"] == "DENY", url
            assert response["Cross-Origin-Opener-Policy"] == "same-origin", url


def test_production_cookies_are_secure_httponly_samesite(world: World) -> None:
    with override_settings(**prod_settings()):
        client = Client()
        https = {"X-Forwarded-Proto": "https"}
        login_page = client.get("/accounts/login/", headers=https)
        csrf = login_page.cookies["csrftoken"]
        assert csrf["secure"] and csrf["samesite"] == "Lax"
        response = client.post(
            "/accounts/login/", {"username": world.a.owner.email, "password": "correct-horse-battery"}, headers=https
        )
        assert response.status_code == 302
        session = response.cookies["sessionid"]
        assert session["secure"] and session["httponly"] and session["samesite"] == "Lax"


def test_sign_in_gives_one_message_for_unknown_people_and_wrong_passwords(world: World) -> None:
    client = Client()
    wrong_password = client.post("/accounts/login/", {"username": world.a.owner.email, "password": "nope"})
    unknown_person = client.post("/accounts/login/", {"username": "nobody@example.com", "password": "nope"})
    assert wrong_password.status_code == unknown_person.status_code == 200

    def errors(response: Any) -> list[str]:
        return [str(error) for error in response.context["form"].non_field_errors()]

    assert errors(wrong_password) == errors(unknown_person) and errors(wrong_password)
    assert "sessionid" not in wrong_password.cookies
