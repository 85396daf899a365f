"""`approval_prompt=auto` never skips the consent page: the page is where the team is chosen."""

from __future__ import annotations

import pytest
from django.test import Client as DjangoClient

from tests.conftest import World
from tests.oauth.factories import oauth_token, public_app

pytestmark = pytest.mark.django_db


def test_auto_approval_prompt_still_asks_for_consent(world: World) -> None:
    app = public_app()
    oauth_token(world.a.team, world.a.owner, ["jobs.read"], application=app)  # an earlier grant, same scope
    browser = DjangoClient()
    browser.force_login(world.a.owner)
    params = {
        "response_type": "code",
        "client_id": app.client_id,
        "redirect_uri": "http://127.0.0.1:8765/callback",
        "scope": "jobs.read",
        "state": "st4te",
        "code_challenge": "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM",
        "code_challenge_method": "S256",
    }
    for prompt in ("auto", "force"):
        page = browser.get("/oauth/authorize", {**params, "approval_prompt": prompt})
        assert page.status_code == 200, (prompt, page.headers.get("Location"))
        assert 'name="team"' in page.content.decode()
