"""An asset's admin page lists the maintenance plans that cover it and offers to plan its service: the
plan form filled in for the asset (client, site, asset, a likely job type), saved through `create_plan`."""

from __future__ import annotations

import datetime as dt
import html
from urllib.parse import parse_qs, urlsplit

import pytest
from django.utils import timezone

from plans.models import MaintenancePlan
from tests.admin.conftest import staff_client
from tests.assets.test_admin import change_form
from tests.conftest import World
from tests.factories import AssetFactory, JobFactory, JobTypeFactory
from tests.plans.factories import make_plan

pytestmark = pytest.mark.django_db
BUTTON = "Plan a recurring service for this asset"


def _new_plan_link(page: str) -> str:
    before = page.split(BUTTON)[0]
    return html.unescape(before.rsplit('href="', 1)[1].split('"', 1)[0])


def test_the_asset_page_lists_its_plans_and_prefills_a_new_one_saved_through_the_service(world: World) -> None:
    owner = staff_client(world.a.owner)
    asset = AssetFactory(team=world.a.team, name="Loft boiler")
    JobTypeFactory(team=world.a.team, name="Annual service")
    repair = JobTypeFactory(team=world.a.team, name="Boiler repair")
    JobFactory(team=world.a.team, job_type=repair, asset=asset, site=asset.site, client=asset.site.client)
    covering = make_plan(world.a.team, name="Loft boiler yearly", site=asset.site, assets=[asset])
    make_plan(world.b.team, name="Not yours")

    page = owner.get(f"/admin/assets/asset/{asset.pk}/change/")
    assert page.status_code == 200
    content = page.content.decode()
    assert "Loft boiler yearly" in content and f"/admin/plans/maintenanceplan/{covering.pk}/change/" in content
    assert "Not yours" not in content
    renamed = owner.post(f"/admin/assets/asset/{asset.pk}/change/", change_form(asset, name="Loft boiler (new)"))
    assert renamed.status_code == 302, "the plans shown take no part in saving the asset"
    asset.refresh_from_db()
    content = owner.get(f"/admin/assets/asset/{asset.pk}/change/").content.decode()
    link = _new_plan_link(content)
    query = {name: values[0] for name, values in parse_qs(urlsplit(link).query).items()}
    assert urlsplit(link).path == "/admin/plans/maintenanceplan/add/"
    assert query["client"] == str(asset.site.client_id) and query["site"] == str(asset.site_id)
    assert query["assets"] == str(asset.pk) and query["job_type"] == str(repair.pk), "its latest job's type"
    assert query["rrule"] == "FREQ=YEARLY" and query["team"] == str(world.a.team.pk)

    form = owner.get(link)
    assert form.status_code == 200
    initial = form.context["adminform"].form.initial
    assert str(initial["site"]) == str(asset.site_id) and [str(a) for a in initial["assets"]] == [str(asset.pk)]

    start = timezone.localdate() + dt.timedelta(days=60)
    data = {**query, "start_date": start.isoformat(), "default_payload": "{}", "lead_time_days": "14",
            "end_date": "", "reminder_days": "", "price": "", "notes": "",
            "occurrences-TOTAL_FORMS": "0", "occurrences-INITIAL_FORMS": "0"}  # fmt: skip
    saved = owner.post("/admin/plans/maintenanceplan/add/", data)
    assert saved.status_code == 302, saved.content.decode()[:2000]
    plan = MaintenancePlan.objects.get(name=f"{asset.name} service")
    assert [a.pk for a in plan.assets.all()] == [asset.pk] and plan.job_type_id == repair.pk
    assert plan.create_next_job_on == start - dt.timedelta(days=14), "scheduled by create_plan"


def test_without_jobs_the_suggested_type_is_the_team_service_type_and_engineers_get_no_button(world: World) -> None:
    asset = AssetFactory(team=world.a.team)
    JobTypeFactory(team=world.a.team, name="Commissioning")
    service = JobTypeFactory(team=world.a.team, name="Heat pump service")
    content = staff_client(world.a.owner).get(f"/admin/assets/asset/{asset.pk}/change/").content.decode()
    query = parse_qs(urlsplit(_new_plan_link(content)).query)
    assert query["job_type"] == [str(service.pk)]
    engineer_page = staff_client(world.a.engineer).get(f"/admin/assets/asset/{asset.pk}/change/")
    assert BUTTON not in engineer_page.content.decode()
