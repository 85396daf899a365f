"""Engineers read (never change) the client, site and asset of their own jobs in the admin."""

from __future__ import annotations

from typing import Any

import pytest

from accounts.models import Role, User
from jobs.models import JobStatus
from projects.models import Client
from tests.admin.conftest import staff_client
from tests.conftest import World
from tests.factories import AssetFactory, JobFactory, MembershipFactory, SiteFactory

pytestmark = pytest.mark.django_db

PAGES = {"client": "/admin/projects/client/{}/change/", "site": "/admin/projects/site/{}/change/",
         "asset": "/admin/assets/asset/{}/change/"}  # fmt: skip


def job_with_links(team: Any, engineer: Any, status: str = JobStatus.ASSIGNED) -> dict[str, Any]:
    site = SiteFactory(team=team, name="Harbourside Dental", access_notes="Key safe 4821")
    asset = AssetFactory(team=team, site=site, name="Main boiler")
    job = JobFactory(team=team, status=status, assigned_to=engineer, client=site.client, site=site, asset=asset)
    return {"job": job, "client": site.client, "site": site, "asset": asset}


def test_an_engineer_reads_the_client_site_and_asset_of_their_own_jobs(world: World) -> None:
    mine = job_with_links(world.a.team, world.a.engineer)
    client = staff_client(world.a.engineer)
    job_page = client.get(f"/admin/jobs/job/{mine['job'].pk}/change/").content.decode()
    for kind, page in PAGES.items():
        url = page.format(mine[kind].pk)
        assert url in job_page, f"the job's page links its {kind}"
        response = client.get(url)
        assert response.status_code == 200, kind
        assert response.context["has_change_permission"] is False and response.context["has_view_permission"]
        assert 'name="_save"' not in response.content.decode(), "read only"
    assert "Key safe 4821" in client.get(PAGES["site"].format(mine["site"].pk)).content.decode()


def test_an_engineer_changes_none_of_them(world: World) -> None:
    mine = job_with_links(world.a.team, world.a.engineer)
    client = staff_client(world.a.engineer)
    response = client.post(PAGES["client"].format(mine["client"].pk), {"name": "Renamed", "type": "BUSINESS"})
    assert response.status_code == 403
    assert Client.objects.get(pk=mine["client"].pk).name != "Renamed"
    assert client.post(f"/admin/projects/client/{mine['client'].pk}/delete/", {"post": "yes"}).status_code == 403
    assert client.get("/admin/projects/client/add/").status_code == 403


def test_an_engineer_sees_no_other_rows(world: World) -> None:
    job_with_links(world.a.team, world.a.engineer)
    colleagues = job_with_links(world.a.team, world.a.dispatcher)
    other_team = job_with_links(world.b.team, world.b.engineer)
    unlinked_site = SiteFactory(team=world.a.team)
    client = staff_client(world.a.engineer)
    for rows in (colleagues, other_team):
        for kind, page in PAGES.items():
            assert client.get(page.format(rows[kind].pk)).status_code == 404, kind
    assert client.get(PAGES["site"].format(unlinked_site.pk)).status_code == 404
    listed = client.get("/admin/projects/site/")
    assert listed.status_code == 200 and [site.name for site in listed.context["cl"].result_list] == [
        "Harbourside Dental"
    ]
    index = client.get("/admin/").content.decode()
    assert "/admin/projects/client/" not in index and "/admin/assets/asset/" not in index, "not in the index"


def test_past_jobs_count_too(world: World) -> None:
    done = job_with_links(world.a.team, world.a.engineer, status=JobStatus.COMPLETED)
    assert staff_client(world.a.engineer).get(PAGES["asset"].format(done["asset"].pk)).status_code == 200


@pytest.mark.parametrize("role", [Role.OWNER, Role.DISPATCHER, Role.FINANCE])
def test_other_roles_keep_their_own_rights(world: World, role: str) -> None:
    rows = job_with_links(world.a.team, world.a.engineer)
    known: dict[str, User] = {Role.OWNER: world.a.owner, Role.DISPATCHER: world.a.dispatcher}
    person = known.get(role) or MembershipFactory(team=world.a.team, role=role).user
    client = staff_client(person)
    response = client.get(PAGES["client"].format(rows["client"].pk))
    assert response.status_code == 200
    assert response.context["has_change_permission"] is (role != Role.FINANCE)
    assert "/admin/projects/client/" in client.get("/admin/").content.decode(), "listed in their index"
    assert (
        client.get(PAGES["client"].format(job_with_links(world.b.team, world.b.engineer)["client"].pk)).status_code
        == 404
    )
