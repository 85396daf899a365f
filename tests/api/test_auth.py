"""Bearer authentication: every way a token can be wrong is a 401; keys are hashed at rest."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from accounts.models import APIKey, hash_token
from accounts.services import revoke_api_key
from tests.conftest import Api, World
from tests.factories import APIKeyFactory


@pytest.mark.parametrize(
    "header",
    ["Basic dXNlcjpwYXNz", "Bearer", "Bearer a b", "Token se_abc", "Bearer se_unknown", "Bearer whatever"],
)
def test_bad_authorization_headers_are_401(world: World, header: str) -> None:
    response = Api().get("/v1/jobs", headers={"Authorization": header})
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"].startswith("Bearer")


def test_expired_key_is_401(world: World) -> None:
    key = APIKeyFactory(team=world.a.team, scopes=["jobs.read"], expires_at=timezone.now() - dt.timedelta(seconds=1))
    response = Api(key.token).get("/v1/jobs")
    assert response.status_code == 401 and "expired" in response.issues[0]["message"]


def test_revoked_key_stops_working_at_once(world: World) -> None:
    key = APIKeyFactory(team=world.a.team, scopes=["jobs.read"])
    assert Api(key.token).get("/v1/jobs").status_code == 200
    revoke_api_key(key=key)
    response = Api(key.token).get("/v1/jobs")
    assert response.status_code == 401 and "revoked" in response.issues[0]["message"]


def test_only_a_hash_is_stored(world: World) -> None:
    key = APIKey.objects.get(team=world.a.team, name="full")
    stored = {f.attname: str(getattr(key, f.attname)) for f in APIKey._meta.concrete_fields}
    assert world.a.token not in stored.values()
    assert key.hashed_token == hash_token(world.a.token)
    assert key.last4 == world.a.token[-4:] and world.a.token.startswith("se_")


def test_last_used_is_written_at_most_once_a_minute(world: World, django_assert_num_queries: object) -> None:
    api = world.api
    api.get("/v1/jobs")
    key = APIKey.objects.get(team=world.a.team, name="full")
    first = key.last_used_at
    assert first is not None
    api.get("/v1/jobs")
    key.refresh_from_db()
    assert key.last_used_at == first
    APIKey.objects.filter(pk=key.pk).update(last_used_at=timezone.now() - dt.timedelta(minutes=2))
    api.get("/v1/jobs")
    key.refresh_from_db()
    assert key.last_used_at > first


def test_key_lookups_are_cached_briefly_and_revocation_still_bites(world: World, settings: object) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    settings.API_KEY_CACHE_SECONDS = 60
    key = APIKeyFactory(team=world.a.team, scopes=["jobs.read"])
    api = Api(key.token)
    api.get("/v1/jobs")
    with CaptureQueriesContext(connection) as queries:
        api.get("/v1/jobs")
    assert not any('FROM "accounts_apikey"' in q["sql"] for q in queries.captured_queries), "lookup is cached"
    revoke_api_key(key=APIKey.objects.get(pk=key.pk))
    assert api.get("/v1/jobs").status_code == 401, "revocation clears the cache"
    expired = APIKeyFactory(team=world.a.team, scopes=["jobs.read"])
    assert Api(expired.token).get("/v1/jobs").status_code == 200
    APIKey.objects.filter(pk=expired.pk).update(expires_at=timezone.now() - dt.timedelta(seconds=1))
    from accounts import key_lookup

    key_lookup._key_cache.clear()  # another worker: the cache entry has timed out
    assert Api(expired.token).get("/v1/jobs").status_code == 401
