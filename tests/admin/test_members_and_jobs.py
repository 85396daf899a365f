"""Teams, memberships and jobs through the admin: writes go through the services."""

from __future__ import annotations

import pytest

from accounts.models import Membership, Role, User
from jobs.models import Job, JobStatus, JobType
from tests.factories import JobFactory, JobTypeFactory

pytestmark = pytest.mark.django_db

NO_EVENTS = {"events-TOTAL_FORMS": 0, "events-INITIAL_FORMS": 0}


def test_team_admin_sees_own_team_only_and_cannot_create_teams(world, staff_a, superuser):
    html = staff_a.get("/admin/accounts/team/").content.decode()
    assert "Alpha" in html and "Bravo" not in html
    assert staff_a.get("/admin/accounts/team/add/").status_code == 403
    assert superuser.get("/admin/accounts/team/add/").status_code == 200
    page = staff_a.get(f"/admin/accounts/team/{world.a.team.pk}/change/")
    assert page.status_code == 200
    assert str(world.a.engineer) in page.content.decode()  # the memberships inline


def test_adding_a_member_by_email(world, staff_a):
    response = staff_a.post(
        "/admin/accounts/membership/add/",
        {"team": world.a.team.pk, "email": "New.Person@Example.com", "role": "finance"},
    )
    assert response.status_code == 302
    membership = Membership.objects.get(user__email="new.person@example.com")
    assert membership.team == world.a.team and membership.role == Role.FINANCE
    # An existing account (here a member of another team) joins without losing its other team.
    staff_a.post("/admin/accounts/membership/add/", {"team": world.a.team.pk, "email": world.b.engineer.email,
                                                     "role": "engineer"})  # fmt: skip
    assert set(Membership.objects.filter(user=world.b.engineer).values_list("team__slug", flat=True)) == {
        "alpha",
        "bravo",
    }
    refused = staff_a.post("/admin/accounts/membership/add/", {"team": world.b.team.pk, "email": "x@example.com",
                                                               "role": "owner"})  # fmt: skip
    assert refused.status_code == 200
    assert not User.objects.filter(email="x@example.com").exists()


def test_membership_role_change(world, staff_a):
    membership = Membership.objects.get(user=world.a.engineer)
    response = staff_a.post(
        f"/admin/accounts/membership/{membership.pk}/change/", {"role": "dispatcher", "is_active": "on"}
    )
    assert response.status_code == 302
    membership.refresh_from_db()
    assert membership.role == Role.DISPATCHER
    other = Membership.objects.get(user=world.b.engineer)
    assert staff_a.get(f"/admin/accounts/membership/{other.pk}/change/").status_code == 404


def test_creating_a_job_goes_through_the_service(world, staff_a):
    job_type = JobTypeFactory(team=world.a.team, payload_schema={"type": "object", "required": ["floor"]})
    body = {"team": world.a.team.pk, "job_type": job_type.pk, "payload": '{"floor": 2}', "notes": "Ring first",
            "assigned_to": world.a.engineer.pk, **NO_EVENTS}  # fmt: skip
    response = staff_a.post("/admin/jobs/job/add/", body)
    assert response.status_code == 302, response.context["adminform"].form.errors
    job = Job.objects.get()
    assert job.status == JobStatus.ASSIGNED
    assert job.assigned_to == world.a.engineer
    assert job.created_by_user == world.a.owner
    assert [(e.from_status, e.to_status) for e in job.events.all()] == [(None, "PENDING"), ("PENDING", "ASSIGNED")]
    timeline = staff_a.get(f"/admin/jobs/job/{job.pk}/change/").content.decode()
    assert "PENDING" in timeline and "Owner of alpha" in timeline


def test_a_refused_payload_is_a_form_error_not_a_500(world, staff_a):
    job_type = JobTypeFactory(team=world.a.team, payload_schema={"type": "object", "required": ["floor"]})
    body = {"team": world.a.team.pk, "job_type": job_type.pk, "payload": "{}", "notes": "", **NO_EVENTS}
    response = staff_a.post("/admin/jobs/job/add/", body)
    assert response.status_code == 200
    assert "&#x27;floor&#x27; is a required property" in response.content.decode()
    assert response.context["adminform"].form.errors["payload"]
    assert not Job.objects.exists()


def test_reassigning_in_the_change_form_is_a_transition(world, staff_a):
    job = JobFactory(team=world.a.team)
    body = {"scheduled_date": "2030-01-02", "assigned_to": world.a.engineer.pk, "notes": "n", **NO_EVENTS}
    assert staff_a.post(f"/admin/jobs/job/{job.pk}/change/", body).status_code == 302
    job.refresh_from_db()
    assert job.status == JobStatus.ASSIGNED and str(job.scheduled_date) == "2030-01-02"
    assert job.events.filter(to_status="ASSIGNED").count() == 1
    # Status and the other fields are not editable here.
    body["status"] = "COMPLETED"
    staff_a.post(f"/admin/jobs/job/{job.pk}/change/", body)
    job.refresh_from_db()
    assert job.status == JobStatus.ASSIGNED


def test_cancel_action(world, staff_a):
    open_job = JobFactory(team=world.a.team)
    done = JobFactory(team=world.a.team, status=JobStatus.COMPLETED)
    response = staff_a.post(
        "/admin/jobs/job/", {"action": "cancel_jobs", "_selected_action": [open_job.pk, done.pk]}, follow=True
    )
    html = response.content.decode()
    assert "Cancelled 1 job." in html and "Not cancelled" in html
    open_job.refresh_from_db()
    assert open_job.status == JobStatus.CANCELLED


def test_job_type_admin(world, staff_a):
    def add(**fields):
        body = {"team": world.a.team.pk, "description": "", "payload_schema": "", "active": "on", **fields}
        return staff_a.post("/admin/jobs/jobtype/add/", body)

    assert add(key="boiler", name="Boiler").status_code == 302
    duplicate = add(key="boiler", name="B2")
    assert duplicate.status_code == 200 and duplicate.context["adminform"].form.errors
    bad_schema = add(key="x", name="X", payload_schema='{"type": 5}')
    assert bad_schema.status_code == 200 and bad_schema.context["adminform"].form.errors["payload_schema"]
    assert JobType.objects.filter(team=world.a.team).count() == 1
