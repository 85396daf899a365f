"""One current team everywhere, a home per role, settings tabs by role, styled 403/404, password reset."""

from __future__ import annotations

import re

import pytest
from django.core import mail
from django.test import Client

from accounts.models import Role
from tests.admin.conftest import staff_client
from tests.factories import ClientFactory, JobFactory, JobTypeFactory, MembershipFactory, UserFactory

pytestmark = pytest.mark.django_db


def home_of(client: Client) -> str:
    response = client.get("/")
    assert response.status_code == 302
    return str(response["Location"])


def test_each_role_lands_on_its_work(world):
    finance = MembershipFactory(team=world.a.team, role=Role.FINANCE).user
    admin = MembershipFactory(team=world.a.team, role=Role.ADMIN).user
    assert home_of(staff_client(world.a.owner)) == "/admin/"
    assert home_of(staff_client(admin)) == "/admin/"
    assert home_of(staff_client(world.a.dispatcher)) == "/board/"
    assert home_of(staff_client(world.a.engineer)) == "/day/"
    assert home_of(staff_client(finance)) == "/admin/invoicing/invoice/billing-desk/"
    # Each home opens for its role.
    for person in (world.a.owner, world.a.dispatcher, world.a.engineer, finance):
        client = staff_client(person)
        assert client.get(home_of(client)).status_code == 200, person


def test_sign_in_leads_to_the_role_home(world):
    world.a.dispatcher.is_staff = True
    world.a.dispatcher.save()
    site = Client().post(
        "/accounts/login/", {"username": world.a.dispatcher.email, "password": "correct-horse-battery"}
    )
    assert site["Location"] == "/board/"
    admin = Client()
    form = admin.get("/admin/login/").content.decode()
    assert 'name="next" value="/"' in form and "/admin/password_reset/" in form
    response = admin.post("/admin/login/", {"username": world.a.dispatcher.email, "password": "correct-horse-battery",
                                            "next": "/"})  # fmt: skip
    assert response["Location"] == "/" and home_of(admin) == "/board/"


@pytest.mark.parametrize("role", [Role.DISPATCHER, Role.ENGINEER, Role.FINANCE])
def test_settings_tabs_follow_the_role_and_the_server_enforces_them(world, role):
    person = {Role.DISPATCHER: world.a.dispatcher, Role.ENGINEER: world.a.engineer}.get(role)
    if person is None:
        person = MembershipFactory(team=world.a.team, role=role).user
    client = Client()
    client.force_login(person)
    page = client.get("/accounts/password/").content.decode()
    assert "/settings/developer/webhooks/" not in page
    refused = client.get("/settings/developer/webhooks/")
    assert refused.status_code == 403
    html = refused.content.decode()
    assert "Not allowed" in html and 'href="/"' in html and "app.css" in html  # the product's layout, a way back
    assert ("/settings/developer/" in page) == (role != Role.ENGINEER)
    assert ("/settings/team/" in page) == (role == Role.DISPATCHER)
    assert client.get("/settings/team/").status_code == (200 if role == Role.DISPATCHER else 403)


def test_owner_sees_every_tab_and_settings_opens_on_team(world):
    client = Client()
    client.force_login(world.a.owner)
    page = client.get("/settings/developer/").content.decode()
    for tab in ("/settings/team/", "/settings/developer/", "/settings/developer/webhooks/", "/accounts/password/"):
        assert f'href="{tab}"' in page
    assert client.get("/settings/")["Location"] == "/settings/team/"


def test_404_is_styled_with_a_way_back(world):
    client = Client()
    client.force_login(world.a.owner)
    response = client.get("/no/such/page/")
    assert response.status_code == 404
    assert "Not found" in response.content.decode() and 'href="/"' in response.content.decode()


# --- the admin follows the current team ----------------------------------------------------------
def test_a_two_team_member_works_in_one_team_at_a_time(world):
    MembershipFactory(team=world.b.team, user=world.a.owner, role=Role.DISPATCHER)
    alpha_job, bravo_job = JobFactory(team=world.a.team), JobFactory(team=world.b.team)
    alpha_client, bravo_client = ClientFactory(team=world.a.team), ClientFactory(team=world.b.team)
    client = staff_client(world.a.owner)

    def jobs() -> set:
        return set(client.get("/admin/jobs/job/").context["cl"].result_list)

    assert jobs() == {alpha_job}
    header = client.get("/admin/").content.decode()
    assert 'data-current-team="alpha"' in header and 'name="team"' in header
    client.post("/settings/switch-team/", {"team": "bravo", "next": "/admin/"})
    assert jobs() == {bravo_job}
    assert client.get(f"/admin/jobs/job/{alpha_job.pk}/change/").status_code == 404
    # Choices and autocompletes follow too.
    form = client.get("/admin/jobs/job/add/").context["adminform"].form
    assert set(form.fields["team"].queryset) == {world.b.team}
    found = client.get("/admin/autocomplete/", {"app_label": "jobs", "model_name": "job", "field_name": "client",
                                                "term": ""}).json()  # fmt: skip
    assert [row["id"] for row in found["results"]] == [str(bravo_client.pk)]
    assert str(alpha_client.pk) not in str(found)
    # Rights follow the role in the current team: a dispatcher in bravo cannot add API keys there.
    assert client.get("/admin/accounts/apikey/add/").status_code == 403
    # The settings pages follow the same choice.
    assert "Bravo" in client.get("/settings/developer/").content.decode()


def test_dashboard_counts_follow_the_current_team(world):
    import datetime as dt

    from django.utils import timezone

    MembershipFactory(team=world.b.team, user=world.a.owner, role=Role.OWNER)
    today = timezone.localdate()
    JobFactory(team=world.a.team, scheduled_date=today)
    JobFactory(team=world.b.team, scheduled_date=today)
    JobFactory(team=world.b.team, scheduled_date=today)
    JobFactory(team=world.b.team, scheduled_date=today - dt.timedelta(days=3))  # not today
    client = staff_client(world.a.owner)

    def pending_today() -> int:
        html = client.get("/admin/").content.decode()
        match = re.search(r'<span class="tile-count">(\d+)</span><span class="tile-label">Pending', html)
        assert match, html[:2000]
        return int(match.group(1))

    assert pending_today() == 1
    client.post("/settings/switch-team/", {"team": "bravo"})
    assert pending_today() == 2


def test_superusers_choose_a_team_or_all_teams_explicitly(world):
    root = UserFactory(email="root@example.com", is_staff=True, is_superuser=True)
    client = Client()
    client.force_login(root)
    alpha, bravo = ClientFactory(team=world.a.team), ClientFactory(team=world.b.team)
    page = client.get("/admin/projects/client/")
    assert set(page.context["cl"].result_list) == {alpha, bravo}
    assert "All teams · superuser view" in page.content.decode()
    client.post("/settings/switch-team/", {"team": "bravo"})
    page = client.get("/admin/projects/client/")
    assert set(page.context["cl"].result_list) == {bravo}
    assert 'data-current-team="bravo"' in page.content.decode()
    client.post("/settings/switch-team/", {"team": "__all__"})
    assert set(client.get("/admin/projects/client/").context["cl"].result_list) == {alpha, bravo}
    # A non-superuser cannot pick "all teams" (nor a team they are not in).
    owner = staff_client(world.a.owner)
    owner.post("/settings/switch-team/", {"team": "__all__"})
    owner.post("/settings/switch-team/", {"team": "bravo"})
    assert set(owner.get("/admin/projects/client/").context["cl"].result_list) == {alpha}


def test_superuser_in_all_teams_mode_cannot_link_across_teams(world):
    root = UserFactory(email="root@example.com", is_staff=True, is_superuser=True)
    client = Client()
    client.force_login(root)
    foreign_type = JobTypeFactory(team=world.b.team)
    response = client.post(
        "/admin/jobs/job/add/",
        {"team": world.a.team.pk, "job_type": foreign_type.pk, "payload": "{}", "notes": "",
         "events-TOTAL_FORMS": 0, "events-INITIAL_FORMS": 0},
    )  # fmt: skip
    assert response.status_code == 200
    assert "This belongs to another team." in response.content.decode()


# --- forgotten password ----------------------------------------------------------------------------
def reset_link() -> str:
    match = re.search(r"http://testserver(/accounts/password/reset/[^/\s]+/[^/\s]+/)", mail.outbox[-1].body)
    assert match, mail.outbox[-1].body
    return match.group(1)


def test_password_reset_new_password_works_and_the_old_does_not(world):
    client = Client()
    assert "Forgot your password?" in client.get("/accounts/login/").content.decode()
    response = client.post("/accounts/password/reset/", {"email": world.a.owner.email})
    assert response["Location"] == "/accounts/password/reset/sent/"
    link = reset_link()
    form_page = client.get(link, follow=True)
    assert "Choose a new password" in form_page.content.decode()
    done = client.post(
        form_page.redirect_chain[-1][0], {"new_password1": "fresh-Secret-77", "new_password2": "fresh-Secret-77"}
    )
    assert done["Location"] == "/accounts/password/reset/done/"
    world.a.owner.refresh_from_db()
    assert world.a.owner.check_password("fresh-Secret-77") and not world.a.owner.check_password("correct-horse-battery")
    assert "no longer works" in client.get(link, follow=True).content.decode()  # the link works once


def test_password_reset_says_the_same_for_unknown_addresses_and_is_throttled(world):
    client = Client()
    assert client.post("/accounts/password/reset/", {"email": "nobody@example.com"}).status_code == 302
    assert not mail.outbox
    for _ in range(5):
        assert client.post("/accounts/password/reset/", {"email": world.a.owner.email}).status_code == 302
    refused = client.post("/accounts/password/reset/", {"email": world.a.owner.email})
    assert refused.status_code == 200 and "Too many reset requests" in refused.content.decode()
    assert len(mail.outbox) == 5
    # The admin's sign-in page offers the same reset.
    assert Client().get("/admin/password_reset/").status_code == 200


def test_roles_are_offered_only_the_actions_they_can_use(world):
    """An engineer or dispatcher is not offered "Draft invoices" on the job list: it would do nothing for them."""
    finance = MembershipFactory(team=world.a.team, role=Role.FINANCE).user

    def actions(person) -> set[str]:
        form = staff_client(person).get("/admin/jobs/job/").context["action_form"]  # None: no actions at all
        return {name for name, _ in form.fields["action"].choices if name} if form is not None else set()

    assert "draft_invoices_from_jobs" not in actions(world.a.engineer)
    assert "draft_invoices_from_jobs" not in actions(world.a.dispatcher)
    assert "draft_invoices_from_jobs" in actions(finance)
    assert "draft_invoices_from_jobs" in actions(world.a.owner)
