"""The job and job type forms: generated from schemas, narrowed choices, engineer-only assignees, all errors at once."""

from __future__ import annotations

import json

import pytest

from accounts.models import Role
from jobs.models import Job, JobType
from tests.admin.conftest import staff_client
from tests.factories import ClientFactory, JobFactory, JobTypeFactory, MembershipFactory, SiteFactory, UserFactory

pytestmark = pytest.mark.django_db

NO_EVENTS = {"events-TOTAL_FORMS": 0, "events-INITIAL_FORMS": 0}
SCHEMA = {
    "type": "object",
    "properties": {
        "fuel": {"type": "string", "enum": ["gas", "oil"]},
        "floor": {"type": "integer", "minimum": 0, "maximum": 50},
        "notes": {"type": "string"},
    },
    "required": ["fuel", "floor"],
}


@pytest.fixture
def boiler(world):
    return JobTypeFactory(team=world.a.team, key="boiler", name="Boiler", payload_schema=SCHEMA)


def job_body(world, job_type, **fields):
    return {"team": world.a.team.pk, "job_type": job_type.pk, "scheduled_date": "2030-01-02", "notes": "",
            "assigned_to": "", "client": "", "site": "", "asset": "", "project": "", **NO_EVENTS, **fields}  # fmt: skip


def empty_inlines(page):
    """The management forms of a change page's (empty) inlines."""
    data = {}
    for inline in page.context["inline_admin_formsets"]:
        formset = inline.formset
        data.update({f"{formset.prefix}-{k}": v for k, v in formset.management_form.initial.items()})
    return data


def form_errors(response):
    return response.context["adminform"].form.errors


def test_the_add_page_draws_the_payload_form_from_the_chosen_type(world, staff_a, boiler):
    page = staff_a.get(f"/admin/jobs/job/add/?job_type={boiler.pk}").content.decode()
    assert 'data-schema-source="job_type"' in page and "/admin/jobs/job/type-schema/" in page
    assert "&quot;fuel&quot;" in page  # the type's schema is in the editor's config
    assert "Advanced: raw JSON" in page
    # django-jsonform's data box is hidden without an inline style (the CSP).
    editor = page[page.index("schema-form-editor") :]
    assert 'style="display' not in editor[: editor.index("</details>")]


def test_a_payload_filled_in_the_generated_form_is_saved_as_its_json(world, staff_a, boiler):
    # The generated form sends every field; one left empty ("") is left out of the payload.
    payload = json.dumps({"fuel": "oil", "floor": 3, "notes": ""})
    response = staff_a.post("/admin/jobs/job/add/", job_body(world, boiler, payload=payload))
    assert response.status_code == 302, form_errors(response)
    assert Job.objects.get().payload == {"fuel": "oil", "floor": 3}


def test_the_raw_json_box_saves_its_text_when_ticked(world, staff_a, boiler):
    raw = '{"fuel": "gas", "floor": 1}'
    body = job_body(world, boiler, payload='{"fuel": "x"}', payload__raw_on="1", payload__raw=raw)
    response = staff_a.post("/admin/jobs/job/add/", body)
    assert response.status_code == 302, form_errors(response)
    assert Job.objects.get().payload == {"fuel": "gas", "floor": 1}
    broken = staff_a.post("/admin/jobs/job/add/", {**body, "payload__raw": "{nope"})
    assert "Not valid JSON" in str(form_errors(broken)["payload"])


def test_every_error_shows_at_once_and_nothing_is_saved(world, staff_a, boiler):
    finance = UserFactory(email="money@alpha.example.com")
    MembershipFactory(team=world.a.team, user=finance, role=Role.FINANCE)
    mine, other = ClientFactory(team=world.a.team), ClientFactory(team=world.a.team)
    elsewhere = SiteFactory(team=world.a.team, client=other)
    body = job_body(world, boiler, payload=json.dumps({"fuel": "coal", "floor": 99}), scheduled_date="not a day",
                    client=mine.pk, site=elsewhere.pk, assigned_to=finance.pk)  # fmt: skip
    response = staff_a.post("/admin/jobs/job/add/", body)
    assert response.status_code == 200
    errors = form_errors(response)
    assert set(errors) >= {"payload", "scheduled_date", "site", "assigned_to"}
    assert "fuel" in str(errors["payload"]) and "floor" in str(errors["payload"])  # both payload issues
    assert f"Choose one of {mine}&#x27;s sites" in str(errors["site"])  # not among the client's sites
    assert "dispatchers and finance are not assigned jobs" in str(errors["assigned_to"])
    # The generated form marks the payload's fields too.
    editor_errors = response.context["adminform"].form.fields["payload"].widget.error_map
    assert set(editor_errors) == {"fuel", "floor"}
    assert not Job.objects.exists()


def test_a_missing_required_field_is_marked_on_that_field(world, staff_a, boiler):
    response = staff_a.post("/admin/jobs/job/add/", job_body(world, boiler, payload='{"fuel": "gas"}'))
    assert "floor" in response.context["adminform"].form.fields["payload"].widget.error_map
    assert not Job.objects.exists()


def test_sites_narrow_to_the_chosen_client(world, staff_a, boiler):
    mine, other = ClientFactory(team=world.a.team), ClientFactory(team=world.a.team)
    here, there = SiteFactory(team=world.a.team, client=mine), SiteFactory(team=world.a.team, client=other)
    page = staff_a.get(f"/admin/jobs/job/add/?client={mine.pk}")
    site_choices = {str(pk) for pk, _ in page.context["adminform"].form.fields["site"].choices if pk}
    assert site_choices == {str(here.pk)}
    assert 'data-choices-source="client"' in page.content.decode()
    answer = staff_a.get("/admin/jobs/job/client-sites/", {"parent": mine.pk}).json()
    assert [choice["value"] for choice in answer["choices"]] == [str(here.pk)]
    assert str(there.pk) in {c["value"] for c in staff_a.get("/admin/jobs/job/client-sites/").json()["choices"]}
    # Another team's client gives nothing; a broken id too.
    foreign = ClientFactory(team=world.b.team)
    SiteFactory(team=world.b.team, client=foreign)
    assert staff_a.get("/admin/jobs/job/client-sites/", {"parent": foreign.pk}).json()["choices"] == []
    assert staff_a.get("/admin/jobs/job/client-sites/", {"parent": "x"}).json()["choices"] == []
    # Saved server-side: a site of the chosen client passes, another client's is refused.
    ok = staff_a.post("/admin/jobs/job/add/", job_body(world, boiler, payload='{"fuel": "gas", "floor": 1}',
                                                       client=mine.pk, site=here.pk))  # fmt: skip
    assert ok.status_code == 302
    refused = staff_a.post("/admin/jobs/job/add/", job_body(world, boiler, payload='{"fuel": "gas", "floor": 1}',
                                                            client=mine.pk, site=there.pk))  # fmt: skip
    assert refused.status_code == 200 and "site" in form_errors(refused)
    assert Job.objects.count() == 1


def test_the_type_schema_view_answers_for_the_teams_types_only(world, staff_a, boiler):
    assert staff_a.get("/admin/jobs/job/type-schema/", {"type": boiler.pk}).json()["schema"]["required"] == [
        "fuel",
        "floor",
    ]
    bare = JobTypeFactory(team=world.a.team, key="bare", payload_schema=None)
    assert staff_a.get("/admin/jobs/job/type-schema/", {"type": bare.pk}).json() == {"schema": None}
    foreign = JobTypeFactory(team=world.b.team, key="boiler", payload_schema=SCHEMA)
    assert staff_a.get("/admin/jobs/job/type-schema/", {"type": foreign.pk}).status_code == 404
    assert staff_a.get("/admin/jobs/job/type-schema/", {"type": "x"}).status_code == 404


def test_assignee_choices_are_the_people_who_may_be_assigned(world, staff_a, boiler):
    finance = UserFactory(email="money@alpha.example.com")
    MembershipFactory(team=world.a.team, user=finance, role=Role.FINANCE)
    form = staff_a.get("/admin/jobs/job/add/").context["adminform"].form
    offered = {pk.value for pk, _ in form.fields["assigned_to"].choices if pk}
    assert offered == {world.a.engineer.pk, world.a.owner.pk}  # not the dispatcher, not finance
    job = JobFactory(team=world.a.team, job_type=boiler)
    body = {"scheduled_date": "2030-01-02", "assigned_to": world.a.dispatcher.pk, "notes": "", **NO_EVENTS}
    refused = staff_a.post(f"/admin/jobs/job/{job.pk}/change/", body)
    assert refused.status_code == 200 and "assigned_to" in form_errors(refused)
    job.refresh_from_db()
    assert job.assigned_to is None


def test_the_api_refuses_a_finance_or_dispatcher_assignee_too(world):
    finance = UserFactory(email="money@alpha.example.com")
    MembershipFactory(team=world.a.team, user=finance, role=Role.FINANCE)
    job = JobFactory(team=world.a.team)
    for person in (finance, world.a.dispatcher):
        response = world.api.post(f"/v1/jobs/{job.pk}/assign", {"engineerId": str(person.pk)})
        assert response.status_code == 400
        assert response.issues[0]["path"] == "engineerId"
        assert "only engineers, owners and admins" in response.issues[0]["message"]
    assert world.api.post(f"/v1/jobs/{job.pk}/assign", {"engineerId": str(world.a.owner.pk)}).status_code == 200
    job.refresh_from_db()
    assert job.assigned_to == world.a.owner


# --- job types: the structured schema editor ---------------------------------------------------


def type_body(world, rows, **fields):
    return {"team": world.a.team.pk, "key": "boiler", "name": "Boiler", "description": "", "active": "on",
            "payload_schema": json.dumps(rows), **fields}  # fmt: skip


def test_rows_of_the_schema_editor_save_a_json_schema(world, staff_a):
    rows = [
        {"name": "fuel", "title": "Fuel", "kind": "string", "required": True, "choices": ["gas", "oil"],
         "minimum": "", "maximum": "", "help": ""},
        {"name": "floor", "title": "", "kind": "integer", "required": False, "choices": [], "minimum": 0,
         "maximum": 50.0, "help": "Which floor"},
        {"name": "note", "kind": "string", "maximum": 200},
        {"name": "due", "kind": "date"},
    ]  # fmt: skip
    response = staff_a.post("/admin/jobs/jobtype/add/", type_body(world, rows))
    assert response.status_code == 302, form_errors(response)
    assert JobType.objects.get().payload_schema == {
        "type": "object",
        "properties": {
            "fuel": {"type": "string", "title": "Fuel", "enum": ["gas", "oil"]},
            "floor": {"type": "integer", "description": "Which floor", "minimum": 0, "maximum": 50},
            "note": {"type": "string", "maxLength": 200},
            "due": {"type": "string", "format": "date"},
        },
        "required": ["fuel"],
    }
    # The type's page shows the rows again (and the schema under Advanced).
    page = staff_a.get(f"/admin/jobs/jobtype/{JobType.objects.get().pk}/change/").content.decode()
    assert "&quot;kind&quot;: &quot;integer&quot;" in page and "Advanced: raw JSON" in page


def test_bad_rows_show_every_problem_and_save_nothing(world, staff_a):
    rows = [
        {"name": "1st", "kind": "string"},
        {"name": "size", "kind": "number", "minimum": 10, "maximum": 1},
        {"name": "size", "kind": "boolean", "choices": ["a"]},
        {"name": "", "kind": "integer"},
    ]
    response = staff_a.post("/admin/jobs/jobtype/add/", type_body(world, rows, name=""))
    assert response.status_code == 200
    errors = form_errors(response)
    problems = " ".join(errors["payload_schema"])
    assert "does not start with a digit" in problems
    assert "minimum is above the maximum" in problems
    assert "already has this name" in problems and "choices are for text fields only" in problems
    assert "give it a name" in problems
    assert "name" in errors  # Django's own field errors beside them
    assert not JobType.objects.exists()


def test_a_schema_beyond_the_rows_is_edited_as_raw_json(world, staff_a):
    nested = {"type": "object", "properties": {"a": {"type": "object", "properties": {}}}}
    job_type = JobTypeFactory(team=world.a.team, payload_schema=nested)
    page = staff_a.get(f"/admin/jobs/jobtype/{job_type.pk}/change/").content.decode()
    assert "uses more than the form can show" in page
    assert 'name="payload_schema__raw_on" value="1" data-schema-raw-on checked' in page
    raw = {"type": "object", "properties": {"a": {"type": "string", "pattern": "^x"}}}
    body = type_body(world, [], payload_schema__raw_on="1", payload_schema__raw=json.dumps(raw))
    assert staff_a.post("/admin/jobs/jobtype/add/", {**body, "key": "raw"}).status_code == 302
    assert JobType.objects.get(key="raw").payload_schema == raw
    invalid = staff_a.post("/admin/jobs/jobtype/add/", {**body, "key": "bad", "payload_schema__raw": '{"type": 5}'})
    assert "Not a valid JSON Schema" in str(form_errors(invalid)["payload_schema"])


def test_a_dispatcher_cannot_see_job_type_schemas_of_another_team(world):
    client = staff_client(world.a.dispatcher)
    foreign = JobTypeFactory(team=world.b.team, payload_schema=SCHEMA)
    assert client.get("/admin/jobs/job/type-schema/", {"type": foreign.pk}).status_code == 404


def test_the_result_schema_is_edited_as_rows_on_the_types_page(world, staff_a, boiler):
    rows = [{"name": "flowTempC", "title": "Flow temperature (°C)", "kind": "number", "required": True,
             "minimum": 20, "maximum": 80}]  # fmt: skip
    body = {"name": "Boiler", "description": "", "active": "on", "payload_schema": json.dumps([]),
            "payload_schema__raw_on": "1", "payload_schema__raw": json.dumps(SCHEMA), "result_schema": json.dumps(rows),
            **empty_inlines(staff_a.get(f"/admin/jobs/jobtype/{boiler.pk}/change/"))}  # fmt: skip
    response = staff_a.post(f"/admin/jobs/jobtype/{boiler.pk}/change/", body)
    assert response.status_code == 302, form_errors(response)
    boiler.refresh_from_db()
    assert boiler.payload_schema == SCHEMA
    assert boiler.result_schema == {
        "type": "object",
        "properties": {"flowTempC": {"type": "number", "title": "Flow temperature (°C)", "minimum": 20, "maximum": 80}},
        "required": ["flowTempC"],
    }


# --- completing from the job's page: readings from the type's result schema --------------------
READINGS = {"type": "object", "properties": {"flowTempC": {"type": "number", "minimum": 20, "maximum": 80}},
            "required": ["flowTempC"]}  # fmt: skip


def test_complete_takes_readings_from_the_types_result_schema(world, staff_a, boiler):
    from jobs.models import JobStatus

    boiler.result_schema = READINGS
    boiler.save()
    job = JobFactory(team=world.a.team, job_type=boiler, assigned_to=world.a.engineer, status=JobStatus.IN_PROGRESS)
    page = staff_a.get(f"/admin/jobs/job/{job.pk}/change/").content.decode()
    assert "&quot;flowTempC&quot;" in page and "react-json-form.js" in page
    url = f"/admin/jobs/job/{job.pk}/actions/complete/"
    refused = staff_a.post(url, {"complete-result_type": "SUCCESS", "complete-result": '{"flowTempC": 95}',
                                 "complete-notes": ""})  # fmt: skip
    assert refused.status_code == 400 and "95 is greater than the maximum of 80" in refused.content.decode()
    job.refresh_from_db()
    assert job.status == JobStatus.IN_PROGRESS
    done = staff_a.post(url, {"complete-result_type": "PARTIAL", "complete-result": '{"flowTempC": 55}',
                              "complete-notes": "Valve to replace"})  # fmt: skip
    assert done.status_code == 302
    job.refresh_from_db()
    assert (job.status, job.result_type, job.result) == (JobStatus.COMPLETED, "PARTIAL", {"flowTempC": 55})


def test_no_access_may_leave_the_readings_empty(world, staff_a, boiler):
    from jobs.models import JobStatus

    boiler.result_schema = READINGS
    boiler.save()
    job = JobFactory(team=world.a.team, job_type=boiler, assigned_to=world.a.engineer, status=JobStatus.IN_PROGRESS)
    url = f"/admin/jobs/job/{job.pk}/actions/complete/"
    assert staff_a.post(url, {"complete-result_type": "SUCCESS", "complete-result": "{}"}).status_code == 400
    done = staff_a.post(url, {"complete-result_type": "NO_ACCESS", "complete-result": '{"flowTempC": ""}'})
    assert done.status_code == 302
    job.refresh_from_db()
    assert (job.result_type, job.result) == ("NO_ACCESS", None)
