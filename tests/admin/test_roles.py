"""Role rules in the admin come from the role groups' permissions (created by a data migration)."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Group

from accounts.models import Membership, Role
from jobs.models import JobStatus
from tests.admin.conftest import staff_client
from tests.factories import APIKeyFactory, JobFactory, MembershipFactory, UserFactory

pytestmark = pytest.mark.django_db


def test_role_groups_exist_with_permissions():
    groups = {group.name: group for group in Group.objects.prefetch_related("permissions__content_type")}
    assert {"Owner", "Admin", "Dispatcher", "Engineer", "Finance"} <= set(groups)

    def perms(name):
        return {f"{p.content_type.app_label}.{p.codename}" for p in groups[name].permissions.all()}

    assert {"jobs.add_job", "accounts.add_apikey", "invoicing.add_invoice"} <= perms("Owner")
    assert {"jobs.add_job", "projects.add_client", "projects.add_site", "assets.add_asset"} <= perms("Dispatcher")
    assert "accounts.add_apikey" not in perms("Dispatcher")
    assert perms("Engineer") >= {"jobs.view_assigned_job", "jobs.change_assigned_job"}
    assert "jobs.view_job" not in perms("Engineer")
    assert "invoicing.change_invoice" in perms("Finance") and "jobs.change_job" not in perms("Finance")


def test_engineer_sees_and_updates_only_their_assigned_jobs(world):
    engineer = staff_client(world.a.engineer)
    mine = JobFactory(team=world.a.team, assigned_to=world.a.engineer, status=JobStatus.ASSIGNED)
    not_mine = JobFactory(team=world.a.team)
    page = engineer.get("/admin/jobs/job/")
    assert page.status_code == 200
    assert list(page.context["cl"].result_list) == [mine]
    assert engineer.get(f"/admin/jobs/job/{not_mine.pk}/change/").status_code == 404
    assert engineer.get("/admin/jobs/job/add/").status_code == 403
    change = engineer.get(f"/admin/jobs/job/{mine.pk}/change/")
    assert list(change.context["adminform"].form.fields) == ["notes"]
    # No bulk actions for one's own jobs: Start and Complete are buttons on the job's page.
    assert page.context["action_form"] is None
    engineer.post("/admin/jobs/job/", {"action": "start_jobs", "_selected_action": [mine.pk, not_mine.pk]})
    mine.refresh_from_db()
    assert mine.status == JobStatus.ASSIGNED
    engineer.post(f"/admin/jobs/job/{mine.pk}/actions/start/")
    assert engineer.post(f"/admin/jobs/job/{not_mine.pk}/actions/start/").status_code == 404
    mine.refresh_from_db()
    not_mine.refresh_from_db()
    assert mine.status == JobStatus.IN_PROGRESS and not_mine.status == JobStatus.PENDING
    assert engineer.get("/admin/accounts/apikey/").status_code == 403


def test_dispatcher_manages_jobs_but_not_keys(world):
    dispatcher = staff_client(world.a.dispatcher)
    job = JobFactory(team=world.a.team)
    assert dispatcher.get(f"/admin/jobs/job/{job.pk}/change/").status_code == 200
    assert dispatcher.get("/admin/jobs/job/add/").status_code == 200
    assert dispatcher.get("/admin/accounts/apikey/").status_code == 200  # may look
    assert dispatcher.get("/admin/accounts/apikey/add/").status_code == 403
    key = APIKeyFactory(team=world.a.team)
    response = dispatcher.post("/admin/accounts/apikey/", {"action": "revoke_keys", "_selected_action": [key.pk]})
    key.refresh_from_db()
    assert key.revoked_at is None and response.status_code in (200, 302)


def test_finance_reads_jobs_only(world):
    person = UserFactory(email="fin@alpha.example.com")
    MembershipFactory(team=world.a.team, user=person, role=Role.FINANCE)
    finance = staff_client(person)
    job = JobFactory(team=world.a.team)
    assert finance.get("/admin/jobs/job/").status_code == 200
    assert finance.get("/admin/jobs/job/add/").status_code == 403
    assert finance.post(f"/admin/jobs/job/{job.pk}/change/", {"notes": "x"}).status_code == 403


def test_rights_are_per_team(world):
    """An engineer in alpha who dispatches for bravo manages bravo's jobs, and only their own alpha jobs."""
    MembershipFactory(team=world.b.team, user=world.a.engineer, role=Role.DISPATCHER)
    person = staff_client(world.a.engineer)
    alpha_other = JobFactory(team=world.a.team)
    bravo_job = JobFactory(team=world.b.team)
    # The admin follows the team chosen in the switcher (alpha by default: first by name).
    assert set(person.get("/admin/jobs/job/").context["cl"].result_list) == set()
    person.post("/settings/switch-team/", {"team": world.b.team.slug})
    result = set(person.get("/admin/jobs/job/").context["cl"].result_list)
    assert result == {bravo_job}
    assert person.get(f"/admin/jobs/job/{alpha_other.pk}/change/").status_code == 404
    form = person.get("/admin/jobs/job/add/").context["adminform"].form
    assert set(form.fields["team"].queryset) == {world.b.team}


def test_inactive_membership_gives_nothing(world):
    Membership.objects.filter(user=world.a.owner).update(is_active=False)
    assert staff_client(world.a.owner).get("/admin/jobs/job/").status_code == 403


def test_non_staff_member_cannot_enter_the_admin(world):
    from django.test import Client

    client = Client()
    client.force_login(world.a.owner)  # an owner, but not marked as staff
    assert client.get("/admin/jobs/job/").status_code == 302


def test_dashboard_counts_todays_and_overdue_jobs_with_links(world, staff_a):
    import datetime as dt

    from django.utils import timezone

    today = timezone.localdate()
    JobFactory(team=world.a.team, scheduled_date=today)
    JobFactory(team=world.a.team, scheduled_date=today, status=JobStatus.COMPLETED)
    JobFactory(team=world.a.team, scheduled_date=today - dt.timedelta(days=3))
    JobFactory(team=world.b.team, scheduled_date=today)  # another team's: not counted
    html = staff_a.get("/admin/").content.decode()
    assert "Jobs today" in html
    assert 'href="/admin/jobs/job/?due=today&amp;status__exact=PENDING"' in html
    assert 'href="/admin/jobs/job/?due=overdue"' in html
    page = staff_a.get("/admin/jobs/job/", {"due": "overdue"})
    assert len(page.context["cl"].result_list) == 1
    page = staff_a.get("/admin/jobs/job/", {"due": "today", "status__exact": "PENDING"})
    assert len(page.context["cl"].result_list) == 1


def _flow(team, status):
    from django.utils import timezone

    from flows.models import Flow, FlowGroup, FlowKind

    group = FlowGroup.objects.create(team=team, job=JobFactory(team=team), job_completed_at=timezone.now())
    return Flow.objects.create(team=team, group=group, kind=FlowKind.REPORT, name="Service report", status=status)


def test_dashboard_counts_failed_flows_and_drafts_of_the_team_with_links(world, staff_a):
    from flows.models import FlowStatus
    from invoicing.models import InvoiceStatus
    from tests.invoicing.factories import InvoiceFactory

    failed = _flow(world.a.team, FlowStatus.FAILED)
    _flow(world.a.team, FlowStatus.SENT)
    _flow(world.b.team, FlowStatus.FAILED)  # another team's: not counted
    drafts = [InvoiceFactory(team=world.a.team), InvoiceFactory(team=world.a.team)]
    InvoiceFactory(team=world.a.team, status=InvoiceStatus.FINALIZED, number="INV-0001", sequence=1)
    InvoiceFactory(team=world.b.team)  # another team's draft

    page = staff_a.get("/admin/")
    tiles = {(tile.label, tile.count, tile.url) for tile in page.context["groups"]["Needs attention"]}
    assert tiles == {
        ("Failed flows", 1, "/admin/flows/flow/?status__exact=FAILED"),
        ("Drafts to finalize", 2, "/admin/invoicing/invoice/?status__exact=DRAFT"),
        ("Jobs ready to bill", 0, "/admin/invoicing/invoice/billing-desk/"),
    }
    html = page.content.decode()
    assert 'href="/admin/flows/flow/?status__exact=FAILED"' in html
    assert 'href="/admin/invoicing/invoice/?status__exact=DRAFT"' in html
    assert list(staff_a.get("/admin/flows/flow/", {"status__exact": "FAILED"}).context["cl"].result_list) == [failed]
    listed = staff_a.get("/admin/invoicing/invoice/", {"status__exact": "DRAFT"}).context["cl"].result_list
    assert set(listed) == set(drafts)


def test_dashboard_shows_only_the_tiles_the_role_may_open(world):
    """An engineer may see neither flows nor invoices: no such tiles; a dispatcher sees no invoices."""
    engineer = staff_client(world.a.engineer).get("/admin/")
    labels = {tile.label for tiles in (engineer.context["groups"] or {}).values() for tile in tiles}
    assert not {"Failed flows", "Drafts to finalize"} & labels
    dispatcher = staff_client(world.a.dispatcher).get("/admin/")
    labels = {tile.label for tiles in dispatcher.context["groups"].values() for tile in tiles}
    assert "Drafts to finalize" not in labels
