"""An owner plans an asset's recurring service from the asset's admin page, at 1366 px and 390 px: the
plans covering it are listed, the button opens the plan form filled in, and saving makes the plan."""

from __future__ import annotations

import pytest

from plans.models import MaintenancePlan
from tests.factories import AssetFactory, JobTypeFactory
from tests.plans.factories import make_plan
from tests.web.test_team_browser import (
    DESKTOP,
    PHONE,
    assert_accessible,
    assert_no_sideways_scroll,
    assert_tables_fit,
    make_staff,
    signed_in_context,
)

pytestmark = pytest.mark.django_db(transaction=True)


def test_owner_plans_an_assets_service_from_its_page(browser, world, live_server, artifacts):
    team, owner = world.a.team, world.a.owner
    make_staff(owner)
    JobTypeFactory(team=team, name="Annual boiler service")
    asset = AssetFactory(team=team, name="Worcester Greenstar 30i (loft)")
    make_plan(team, name="Loft boiler: yearly gas safety check", site=asset.site, assets=[asset])
    for label, viewport in (("1366", DESKTOP), ("390", PHONE)):
        context = signed_in_context(browser, live_server, owner, viewport)
        page = context.new_page()
        page.goto(f"/admin/assets/asset/{asset.pk}/change/")
        page.get_by_text("Loft boiler: yearly gas safety check").wait_for()
        page.screenshot(path=str(artifacts / f"plans-asset-page-{label}.png"), full_page=True)
        assert_no_sideways_scroll(page)
        if label == "1366":
            assert_tables_fit(page)
        assert_accessible(page)
        page.get_by_role("link", name="Plan a recurring service for this asset").click()
        page.wait_for_url("**/admin/plans/maintenanceplan/add/**")
        assert page.locator("#id_name").input_value() == f"{asset.name} service"
        assert page.locator("#id_rrule").input_value() == "FREQ=YEARLY"
        page.screenshot(path=str(artifacts / f"plans-new-from-asset-{label}.png"), full_page=True)
        assert_no_sideways_scroll(page)
        assert_accessible(page)
        if label == "1366":
            page.locator("input[name=_save]").click()
            page.wait_for_url("**/admin/plans/maintenanceplan/")
            plan = MaintenancePlan.objects.get(name=f"{asset.name} service")
            assert [a.pk for a in plan.assets.all()] == [asset.pk] and plan.create_next_job_on is not None
        context.close()
