"""API keys in the admin: created through the service, token shown once, only the hash stored, revoked by action."""

from __future__ import annotations

import re

import pytest

from accounts.models import APIKey, hash_token
from tests.factories import APIKeyFactory

pytestmark = pytest.mark.django_db

TOKEN = re.compile(r"se_[A-Za-z0-9_\-]{20,}")


def add_key(client, team, **extra):
    body = {"team": team.pk, "name": "Zapier", "scopes": ["jobs.read", "assets.write"], "expires_at_0": "",
            "expires_at_1": ""}  # fmt: skip
    body.update(extra)
    return client.post("/admin/accounts/apikey/add/", body)


def test_creating_a_key_shows_the_token_once_and_stores_only_its_hash(world, staff_a, caplog):
    before = set(APIKey.objects.values_list("pk", flat=True))
    response = add_key(staff_a, world.a.team)
    assert response.status_code == 302
    assert not TOKEN.search(response["Location"])
    key = APIKey.objects.exclude(pk__in=before).get()
    assert key.team == world.a.team
    assert key.created_by == world.a.owner
    assert key.scopes == ["assets.write", "jobs.read"]

    page = staff_a.get(response["Location"]).content.decode()
    shown = TOKEN.findall(page)
    assert len(shown) == 1
    token = shown[0]
    assert hash_token(token) == key.hashed_token
    assert token.endswith(key.last4) and token.startswith(key.prefix)
    assert token not in {str(value) for value in APIKey.objects.filter(pk=key.pk).values().get().values()}
    assert token not in caplog.text

    # Reloading (or opening the key) never shows it again.
    assert not TOKEN.search(staff_a.get(response["Location"]).content.decode())
    assert not TOKEN.search(staff_a.get(f"/admin/accounts/apikey/{key.pk}/change/").content.decode())


def test_the_new_token_works_on_the_api(world, staff_a, anon):
    response = add_key(staff_a, world.a.team, scopes=["jobs.read"])
    token = TOKEN.search(staff_a.get(response["Location"]).content.decode()).group(0)
    assert anon.with_token(token).get("/v1/jobs").status_code == 200


def test_key_for_another_team_or_bad_input_is_refused(world, staff_a):
    count = APIKey.objects.count()
    refused = add_key(staff_a, world.b.team)
    assert refused.status_code == 200
    assert refused.context["adminform"].form.errors["team"]
    no_scopes = add_key(staff_a, world.a.team, scopes=[])
    assert "scopes" in no_scopes.context["adminform"].form.errors
    past = add_key(staff_a, world.a.team, expires_at_0="2020-01-01", expires_at_1="10:00:00")
    assert "expires_at" in past.context["adminform"].form.errors
    assert APIKey.objects.count() == count


def test_key_fields_are_read_only_except_the_name(world, staff_a):
    key = APIKeyFactory(team=world.a.team, name="old")
    page = staff_a.get(f"/admin/accounts/apikey/{key.pk}/change/")
    form = page.context["adminform"].form
    assert list(form.fields) == ["name"]
    html = page.content.decode()
    assert key.display in html
    assert key.hashed_token not in html
    response = staff_a.post(f"/admin/accounts/apikey/{key.pk}/change/", {"name": "renamed", "scopes": '["x"]'})
    assert response.status_code == 302
    saved = APIKey.objects.get(pk=key.pk)
    assert saved.name == "renamed"
    assert saved.scopes == ["jobs.read"]


def test_revoke_action_revokes_and_the_key_stops_working(world, staff_a, anon):
    key = APIKeyFactory(team=world.a.team, scopes=["jobs.read"])
    other = APIKeyFactory(team=world.b.team, scopes=["jobs.read"])
    assert anon.with_token(key.token).get("/v1/jobs").status_code == 200
    response = staff_a.post(
        "/admin/accounts/apikey/",
        {"action": "revoke_keys", "_selected_action": [str(key.pk), str(other.pk)]},
        follow=True,
    )
    assert response.status_code == 200
    assert "Revoked 1 key." in response.content.decode()
    key.refresh_from_db()
    other.refresh_from_db()
    assert key.revoked_at is not None
    assert other.revoked_at is None  # another team's id in the POST is simply not in the queryset
    assert anon.with_token(key.token).get("/v1/jobs").status_code == 401


def test_keys_are_scoped_and_cannot_be_deleted(world, staff_a, superuser):
    mine = APIKeyFactory(team=world.a.team, name="alpha-key")
    theirs = APIKeyFactory(team=world.b.team, name="bravo-key")
    html = staff_a.get("/admin/accounts/apikey/").content.decode()
    assert "alpha-key" in html and "bravo-key" not in html
    assert "bravo-key" in superuser.get("/admin/accounts/apikey/").content.decode()
    assert staff_a.get(f"/admin/accounts/apikey/{mine.pk}/delete/").status_code == 403
    assert superuser.get(f"/admin/accounts/apikey/{theirs.pk}/delete/").status_code == 403


def test_status_filter(world, staff_a):
    from django.utils import timezone

    APIKeyFactory(team=world.a.team, name="live-key")
    APIKeyFactory(team=world.a.team, name="dead-key", revoked_at=timezone.now())
    html = staff_a.get("/admin/accounts/apikey/", {"status": "revoked"}).content.decode()
    assert "dead-key" in html and "live-key" not in html
