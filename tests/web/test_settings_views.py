"""Settings > Developer at the view level: roles enforced on the server, token shown once, team switcher."""

from __future__ import annotations

import re

import pytest
from django.test import Client

from accounts.models import APIKey, Role, hash_token
from tests.factories import APIKeyFactory, MembershipFactory

pytestmark = pytest.mark.django_db

TOKEN = re.compile(r"se_[A-Za-z0-9_\-]{20,}")
URL = "/settings/developer/"


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def create(client, **extra):
    body = {"name": "Zapier", "expiry": "90", "access_jobs": "write", "access_assets": "read", "access_team": "read"}
    body.update(extra)
    return client.post(URL, body)


def test_sign_in_with_email_and_password_then_sign_out(world):
    client = Client()
    assert client.get(URL).status_code == 302
    response = client.post("/accounts/login/", {"username": world.a.owner.email, "password": "correct-horse-battery"})
    # An owner without admin access lands on their settings (staff go to their role's home: tests/accounts).
    assert response.status_code == 302 and response["Location"] == "/settings/"
    assert client.get(URL).status_code == 200
    client.post("/accounts/logout/")
    assert client.get(URL).status_code == 302
    refused = client.post("/accounts/login/", {"username": world.a.owner.email, "password": "nope"})
    assert refused.status_code == 200 and "correct email" in refused.content.decode()


def test_owner_creates_a_key_and_sees_the_token_once(world, anon):
    client = signed_in(world.a.owner)
    response = create(client)
    assert response.status_code == 302 and not TOKEN.search(response["Location"])
    key = APIKey.objects.get(name="Zapier")
    assert key.team == world.a.team and key.created_by == world.a.owner
    assert key.scopes == ["assets.read", "jobs.write", "team.read"]
    assert key.expires_at is not None
    page = client.get(URL)
    assert page["Cache-Control"].startswith("max-age=0") or "no-store" in page["Cache-Control"]
    tokens = set(TOKEN.findall(page.content.decode()))
    assert len(tokens) == 1
    token = tokens.pop()
    assert hash_token(token) == key.hashed_token
    assert "curl" in page.content.decode() and "/v1/docs" in page.content.decode()
    assert not TOKEN.search(client.get(URL).content.decode())  # reload: gone
    assert anon.with_token(token).get("/v1/jobs").status_code == 200
    assert anon.with_token(token).post("/v1/assets", {"name": "x"}).status_code == 403


@pytest.mark.parametrize(
    ("expiry", "extra", "error"),
    [
        ("never", {"access_jobs": "none", "access_assets": "none", "access_team": "none"}, "at least one resource"),
        ("date", {"expiry_date": ""}, "Pick the day"),
        ("date", {"expiry_date": "2001-01-01"}, "must be in the future"),
    ],
)
def test_bad_key_forms_are_refused(world, expiry, extra, error):
    response = create(signed_in(world.a.owner), expiry=expiry, **extra)
    assert response.status_code == 200
    assert error in response.content.decode()
    assert not APIKey.objects.filter(name="Zapier").exists()


def test_expiry_choices(world):
    client = signed_in(world.a.owner)
    create(client, name="forever", expiry="never")
    create(client, name="dated", expiry="date", expiry_date="2099-05-01")
    assert APIKey.objects.get(name="forever").expires_at is None
    assert str(APIKey.objects.get(name="dated").expires_at.date()) == "2099-05-01"


@pytest.mark.parametrize("role", [Role.DISPATCHER, Role.FINANCE])
def test_other_roles_see_the_list_read_only(world, role):
    person = world.a.dispatcher
    if role == Role.FINANCE:
        person = MembershipFactory(team=world.a.team, role=Role.FINANCE).user
    key = APIKeyFactory(team=world.a.team, name="shared-key")
    client = signed_in(person)
    page = client.get(URL).content.decode()
    assert "shared-key" in page
    assert "Create an API key" not in page and "/revoke/" not in page
    assert create(client).status_code == 403
    assert client.post(f"/settings/developer/keys/{key.pk}/revoke/").status_code == 403
    key.refresh_from_db()
    assert key.revoked_at is None and not APIKey.objects.filter(name="Zapier").exists()


def test_engineers_have_no_developer_page(world):
    """Engineers hold no API-key permission: no Developer tab, and the page itself is a 403."""
    key = APIKeyFactory(team=world.a.team, name="shared-key")
    client = signed_in(world.a.engineer)
    assert "/settings/developer/" not in client.get("/accounts/password/").content.decode()
    refused = client.get(URL)
    assert refused.status_code == 403 and "shared-key" not in refused.content.decode()
    assert create(client).status_code == 403
    assert client.post(f"/settings/developer/keys/{key.pk}/revoke/").status_code == 403


def test_revoke_with_confirmation(world, anon):
    key = APIKeyFactory(team=world.a.team, name="to-revoke")
    client = signed_in(world.a.owner)
    confirm = client.get(f"/settings/developer/keys/{key.pk}/revoke/")
    assert confirm.status_code == 200 and "cannot be undone" in confirm.content.decode()
    key.refresh_from_db()
    assert key.revoked_at is None  # a GET changes nothing
    response = client.post(f"/settings/developer/keys/{key.pk}/revoke/", follow=True)
    assert "Revoked" in response.content.decode()
    key.refresh_from_db()
    assert key.revoked_at is not None
    assert anon.with_token(key.token).get("/v1/jobs").status_code == 401


def test_other_teams_keys_are_invisible(world):
    theirs = APIKeyFactory(team=world.b.team, name="bravo-secret")
    client = signed_in(world.a.owner)
    assert "bravo-secret" not in client.get(URL).content.decode()
    assert client.get(f"/settings/developer/keys/{theirs.pk}/revoke/").status_code == 404
    assert client.post(f"/settings/developer/keys/{theirs.pk}/revoke/").status_code == 404


def test_csrf_is_enforced(world):
    client = Client(enforce_csrf_checks=True)
    client.force_login(world.a.owner)
    assert create(client).status_code == 403


def test_team_switcher(world):
    MembershipFactory(team=world.b.team, user=world.a.owner, role=Role.DISPATCHER)
    APIKeyFactory(team=world.b.team, name="bravo-key")
    client = signed_in(world.a.owner)
    assert "Switch" in client.get(URL).content.decode()
    client.post("/settings/switch-team/", {"team": "bravo", "next": URL})
    page = client.get(URL).content.decode()
    assert "bravo-key" in page
    assert "Create an API key" not in page  # a dispatcher in bravo
    assert create(client).status_code == 403
    # A team the person is not in is ignored.
    client.post("/settings/switch-team/", {"team": "nope"})
    assert "bravo-key" in client.get(URL).content.decode()


def test_password_change(world):
    client = signed_in(world.a.owner)
    assert client.get("/accounts/password/").status_code == 200
    response = client.post(
        "/accounts/password/",
        {"old_password": "correct-horse-battery", "new_password1": "a-much-better-secret-42",
         "new_password2": "a-much-better-secret-42"},
    )  # fmt: skip
    assert response.status_code == 302
    world.a.owner.refresh_from_db()
    assert world.a.owner.check_password("a-much-better-secret-42")


def test_person_without_team_gets_404(db):
    from tests.factories import UserFactory

    assert signed_in(UserFactory()).get(URL).status_code == 404
