"""The endpoint contract, run again with OAuth tokens instead of API keys: every rule must hold alike."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import pytest

from accounts.scopes import ALL_SCOPES
from jobs.models import Job, JobEvent, JobStatus
from tests.conftest import ApiResponse, TeamWorld, World, make_world
from tests.jobs import test_endpoints as jobs_contract
from tests.oauth.factories import oauth_token


class OAuthTeamWorld(TeamWorld):
    """A team whose tokens are OAuth access tokens the owner authorized for it."""

    def token_with(self, scopes: Iterable[str]) -> str:
        scopes = sorted(scopes)
        name = " ".join(scopes) or "(no scopes)"
        if name not in self.extra_tokens:
            self.extra_tokens[name] = oauth_token(self.team, self.owner, scopes)
        return self.extra_tokens[name]


def oauth_world(slug: str) -> OAuthTeamWorld:
    base = make_world(slug)
    team_world = OAuthTeamWorld(base.team, base.owner, base.dispatcher, base.engineer, token="")
    team_world.token = oauth_token(base.team, base.owner, ALL_SCOPES)
    return team_world


@pytest.fixture
def world(db: Any) -> World:
    return World(oauth_world("alpha"), oauth_world("bravo"))


def test_the_world_uses_oauth_tokens(world: World) -> None:
    assert world.a.token.startswith("se_oauth_")
    response = world.api.get("/v1/team")
    assert response.status_code == 200, response
    assert response.data["credential"]["kind"] == "oauthToken"
    assert response.data["team"]["id"] == str(world.a.team.pk)


class TestListJobsWithOAuth(jobs_contract.TestListJobs):
    pass


class TestGetJobWithOAuth(jobs_contract.TestGetJob):
    pass


class TestCreateJobWithOAuth(jobs_contract.TestCreateJob):
    def check_happy(self, world: World, obj: Any, response: ApiResponse) -> None:
        """Same as with an API key, except that the actor is the user who authorized the app."""
        job = Job.objects.get(pk=response.data["id"])
        assert job.team == world.a.team and job.status == JobStatus.PENDING
        assert job.created_by_user == world.a.owner and job.created_by_key is None
        assert response.data["createdBy"] == {"type": "user", "id": str(world.a.owner.pk), "name": "Owner of alpha"}
        assert [e["toStatus"] for e in response.data["events"]] == ["PENDING"]


def check_transition(contract: Any, world: World, obj: Any, response: ApiResponse) -> None:
    """The transition contract's checks, with the authorizing user (not an API key) as the actor."""
    obj.refresh_from_db()
    assert obj.status == contract.to_status == response.data["status"]
    event = JobEvent.objects.filter(job=obj).latest("at")
    assert (event.from_status, event.to_status) == (contract.start_status, contract.to_status)
    assert event.actor_key is None and event.actor_user == world.a.owner


class TestCancelJobWithOAuth(jobs_contract.TestCancelJob):
    check_happy = check_transition


class TestAssignJobWithOAuth(jobs_contract.TestAssignJob):
    check_happy = check_transition


class TestStartJobWithOAuth(jobs_contract.TestStartJob):
    check_happy = check_transition


class TestCompleteJobWithOAuth(jobs_contract.TestCompleteJob):
    def check_happy(self, world: World, obj: Any, response: ApiResponse) -> None:
        check_transition(self, world, obj, response)
        assert response.data["resultType"] == "PARTIAL"
        assert response.data["result"] == {"fault_code": "E119"}


class TestListJobTypesWithOAuth(jobs_contract.TestListJobTypes):
    pass


class TestCreateJobTypeWithOAuth(jobs_contract.TestCreateJobType):
    pass
