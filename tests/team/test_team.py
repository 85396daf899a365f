"""GET /v1/team: the caller's team, its members and the calling credential."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from accounts.api import views
from accounts.models import APIKey, Membership, Role
from accounts.scopes import ALL_SCOPES
from tests.conftest import Api, ApiResponse, World
from tests.contract import EndpointContract
from tests.factories import APIKeyFactory, MembershipFactory, UserFactory


class TestGetTeam(EndpointContract):
    path, scope = "/v1/team", "team.read"

    def check_happy(self, world: World, obj: Any, response: ApiResponse) -> None:
        team = world.a.team
        assert response.data["team"] == {
            "id": str(team.pk),
            "slug": team.slug,
            "name": team.name,
            "currency": team.currency,
            "timezone": team.timezone,
            "createdAt": response.data["team"]["createdAt"],
        }
        members = response.data["members"]
        assert [m["email"] for m in members] == [world.a.owner.email, world.a.dispatcher.email, world.a.engineer.email]
        assert [m["role"] for m in members] == [Role.OWNER, Role.DISPATCHER, Role.ENGINEER]
        assert members[0] == {
            "userId": str(world.a.owner.pk),
            "name": world.a.owner.full_name,
            "email": world.a.owner.email,
            "role": "owner",
            "active": True,
            "joinedAt": members[0]["joinedAt"],
        }
        assert response.data["membersTruncated"] is False
        key = APIKey.objects.get(team=team, name="full")
        assert response.data["credential"] == {
            "kind": "apiKey",
            "id": str(key.pk),
            "name": "full",
            "prefix": key.prefix,
            "last4": key.last4,
            "scopes": sorted(ALL_SCOPES),
            "expiresAt": None,
        }
        assert world.a.token not in response.raw.content.decode(), "the secret is never echoed"

    def test_bad_input_is_400(self, world: World) -> None:
        """GET /v1/team takes no input: there is nothing to refuse, and other methods are 405."""
        response = world.api.post(self.path, {})
        assert response.status_code == 405
        assert response.json["error"]["name"] == "MethodNotAllowedError"


@pytest.mark.django_db
def test_other_teams_members_are_never_listed(world: World) -> None:
    data = world.api.get("/v1/team").data
    emails = {m["email"] for m in data["members"]}
    assert world.b.owner.email not in emails
    assert data["team"]["id"] == str(world.a.team.pk)
    other = Api(world.b.token).get("/v1/team").data
    assert other["team"]["id"] == str(world.b.team.pk)
    assert {m["email"] for m in other["members"]}.isdisjoint(emails)


@pytest.mark.django_db
def test_credential_shows_its_own_scopes_and_expiry(world: World) -> None:
    expires = timezone.now() + dt.timedelta(days=7)
    key = APIKeyFactory(team=world.a.team, name="dashboard", scopes=["team.read", "metrics.read"], expires_at=expires)
    credential = Api(key.token).get("/v1/team").data["credential"]
    assert credential["name"] == "dashboard"
    assert credential["scopes"] == ["metrics.read", "team.read"]
    assert credential["prefix"] == key.token[:8] and credential["last4"] == key.token[-4:]
    assert dt.datetime.fromisoformat(credential["expiresAt"]) == expires


@pytest.mark.django_db
def test_inactive_members_are_listed_as_inactive(world: World) -> None:
    Membership.objects.filter(user=world.a.engineer).update(is_active=False)
    world.a.dispatcher.is_active = False
    world.a.dispatcher.save(update_fields=["is_active"])
    members = {m["email"]: m["active"] for m in world.api.get("/v1/team").data["members"]}
    assert members == {world.a.owner.email: True, world.a.dispatcher.email: False, world.a.engineer.email: False}


@pytest.mark.django_db
def test_members_are_capped_and_the_cap_is_reported(world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(views, "MAX_MEMBERS", 2)
    data = world.api.get("/v1/team").data
    assert len(data["members"]) == 2
    assert data["membersTruncated"] is True


@pytest.mark.django_db
def test_query_count_does_not_grow_with_members(world: World) -> None:
    world.api.get("/v1/team")  # warm up the key's last-used stamp
    with CaptureQueriesContext(connection) as few:
        world.api.get("/v1/team")
    for _ in range(15):
        MembershipFactory(team=world.a.team, user=UserFactory())
    with CaptureQueriesContext(connection) as many:
        response = world.api.get("/v1/team")
    assert len(response.data["members"]) == 18
    assert len(many) == len(few) <= 3
