"""Admin saves go through the same services as the API: what a service refuses, the admin refuses too.

A refusal rolls the whole save back and shows on the bound form (with what was typed, inlines
included), in one run of the view.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from django.test import Client as WebClient

from core.admin import registered_admin
from invoicing import services as invoicing_services
from invoicing.models import Contract, ContractRate, Invoice, InvoiceTemplate
from jobs.models import Job, JobEvent, JobStatus
from projects.models import Client, ProjectTemplate, Site
from tests.conftest import World
from tests.factories import ClientFactory, JobFactory, JobTypeFactory, SiteFactory
from tests.invoicing.factories import RateFactory, completed_job
from tests.projects.factories import ProjectTemplateFactory, ProjectTemplateStepFactory
from tests.webhooks.factories import SYSTEM, make_delivery, make_endpoint
from webhooks.models import WebhookDelivery, WebhookEndpoint, WebhookEvent
from webhooks.services import update_endpoint

pytestmark = pytest.mark.django_db

D = Decimal


def inline(prefix: str, rows: list[dict[str, Any]], initial: int = 0) -> dict[str, Any]:
    """An inline's management form and rows as the admin page posts them."""
    data: dict[str, Any] = {f"{prefix}-TOTAL_FORMS": len(rows), f"{prefix}-INITIAL_FORMS": initial}
    for index, row in enumerate(rows):
        data |= {f"{prefix}-{index}-{name}": value for name, value in row.items()}
    return data


def form_errors(response: Any) -> list[str]:
    """Every error the re-rendered page shows: the form's and its inlines'."""
    return [str(message) for message in response.context["errors"]]


# Clients and their sites -----------------------------------------------------------------------


def client_body(world: World, **fields: Any) -> dict[str, Any]:
    return {"team": world.a.team.pk, "name": "Harbour Schools", "type": "BUSINESS", **fields}


def test_an_archived_client_gets_no_new_site_from_its_inline(world: World, staff_a: WebClient) -> None:
    client = ClientFactory(team=world.a.team, name="Harbour Schools", archived=True)
    body = {**client_body(world, archived="on"), **inline("sites", [{"name": "Annex", "country": "GB"}])}
    response = staff_a.post(f"/admin/projects/client/{client.pk}/change/", body)
    assert response.status_code == 200
    assert any("archived" in message for message in form_errors(response))
    assert 'value="Annex"' in response.content.decode(), "what was typed is shown again"
    assert not Site.objects.exists()


def test_a_client_added_archived_with_a_site_is_refused_whole(world: World, staff_a: WebClient) -> None:
    body = {**client_body(world, archived="on"), **inline("sites", [{"name": "Annex", "country": "GB"}])}
    response = staff_a.post("/admin/projects/client/add/", body)
    assert response.status_code == 200 and any("archived" in message for message in form_errors(response))
    assert not Client.objects.exists() and not Site.objects.exists()


def test_sites_are_added_and_changed_in_the_inline(world: World, staff_a: WebClient) -> None:
    client = ClientFactory(team=world.a.team, name="Harbour Schools")
    body = {**client_body(world), **inline("sites", [{"name": "Annex", "country": "GB"}])}
    assert staff_a.post(f"/admin/projects/client/{client.pk}/change/", body).status_code == 302
    site = Site.objects.get()
    assert (site.name, site.client_id, site.team_id) == ("Annex", client.pk, world.a.team.pk)
    edited = {"id": site.pk, "client": client.pk, "name": "Annex", "postcode": "BS1 5TX", "country": "GB"}
    changed = staff_a.post(
        f"/admin/projects/client/{client.pk}/change/", {**client_body(world), **inline("sites", [edited], 1)}
    )
    assert changed.status_code == 302
    site.refresh_from_db()
    assert site.postcode == "BS1 5TX"


# Project templates -----------------------------------------------------------------------------


def template_body(world: World, steps: int, job_type: Any) -> dict[str, Any]:
    rows = [{"position": index, "job_type": job_type.pk, "title": f"Step {index}", "offset_days": 0,
             "payload": "{}"} for index in range(steps)]  # fmt: skip
    return {"team": world.a.team.pk, "name": "Solar", "description": "", **inline("steps", rows)}


@pytest.mark.parametrize(("steps", "message"), [(0, "at least one step"), (101, "at most 100 steps")])
def test_a_template_has_1_to_100_steps(world: World, staff_a: WebClient, steps: int, message: str) -> None:
    job_type = JobTypeFactory(team=world.a.team)
    response = staff_a.post("/admin/projects/projecttemplate/add/", template_body(world, steps, job_type))
    assert response.status_code == 200
    assert any(message in error for error in form_errors(response))
    assert not ProjectTemplate.objects.exists()
    assert staff_a.post("/admin/projects/projecttemplate/add/", template_body(world, 100, job_type)).status_code == 302
    assert ProjectTemplate.objects.get().steps.count() == 100


def test_editing_a_templates_steps_keeps_the_rules(world: World, staff_a: WebClient) -> None:
    template = ProjectTemplateFactory(team=world.a.team, name="Solar")
    step = ProjectTemplateStepFactory(template=template, position=0, title="Survey")
    job_type = JobTypeFactory(team=world.a.team, payload_schema={"type": "object", "required": ["kw"]})
    url = f"/admin/projects/projecttemplate/{template.pk}/change/"
    kept = {"id": step.pk, "template": template.pk, "position": 0, "job_type": step.job_type.pk, "title": "Survey",
            "offset_days": 0, "payload": "{}"}  # fmt: skip
    added = {"template": template.pk, "position": 1, "job_type": job_type.pk, "title": "Install", "offset_days": 3,
             "payload": "{}"}  # fmt: skip
    base = {"name": "Solar", "description": ""}
    refused = staff_a.post(url, {**base, **inline("steps", [kept, added], 1)})
    assert refused.status_code == 200
    # The step's own row names the payload's issue (checked by the step's form, as the service would).
    assert "kw" in str(refused.context["inline_admin_formsets"][0].formset.errors[1]["payload"])
    emptied = staff_a.post(url, {**base, **inline("steps", [{**kept, "DELETE": "on"}], 1)})
    assert emptied.status_code == 200 and any("at least one step" in error for error in form_errors(emptied))
    assert list(template.steps.values_list("title", flat=True)) == ["Survey"]
    saved = staff_a.post(url, {**base, **inline("steps", [kept, {**added, "payload": '{"kw": 5}'}], 1)})
    assert saved.status_code == 302
    assert [(s.position, s.title, s.offset_days) for s in template.steps.all()] == [(0, "Survey", 0), (1, "Install", 3)]


# Contracts -------------------------------------------------------------------------------------


def test_contract_rates_from_the_admin_get_the_services_defaults(world: World, staff_a: WebClient) -> None:
    invoicing_services.upsert_profile(team=world.a.team, actor=SYSTEM, default_tax_rate=D("19"))
    client, job_type = ClientFactory(team=world.a.team), JobTypeFactory(team=world.a.team)
    row = {"job_type": job_type.pk, "unit_price": "80.00", "unit": "JOB", "tax_rate": ""}
    body = {"team": world.a.team.pk, "client": client.pk, "reference": "C-1", "valid_from": "2026-01-01",
            "currency": "EUR", "notes": "", **inline("rates", [row])}  # fmt: skip
    response = staff_a.post("/admin/invoicing/contract/add/", body)
    assert response.status_code == 302, form_errors(response)
    contract = Contract.objects.get()
    rate = contract.rates.get()
    assert (rate.unit_price, rate.tax_rate) == (D("80.00"), D("19")), "blank tax rate: the profile's"

    other = JobTypeFactory(team=world.a.team)
    rows = [
        {"id": rate.pk, "contract": contract.pk, "job_type": job_type.pk, "unit_price": "85.00", "unit": "JOB",
         "tax_rate": "7"},
        {"contract": contract.pk, "job_type": other.pk, "unit_price": "20.00", "unit": "HOUR", "tax_rate": ""},
    ]  # fmt: skip
    changed = staff_a.post(f"/admin/invoicing/contract/{contract.pk}/change/", {**body, **inline("rates", rows, 1)})
    assert changed.status_code == 302, form_errors(changed)
    rates = {r.job_type_id: (r.unit_price, r.unit, r.tax_rate) for r in ContractRate.objects.filter(contract=contract)}
    assert rates == {job_type.pk: (D("85.00"), "JOB", D("7")), other.pk: (D("20.00"), "HOUR", D("19"))}


# Drafts from jobs ------------------------------------------------------------------------------


def test_drafting_from_jobs_is_one_draft_per_client_in_the_service(world: World) -> None:
    team = world.a.team
    rate = RateFactory(team=team, unit_price=D("50.00"), tax_rate=D("0"))
    first, second, unpriced = ClientFactory(team=team), ClientFactory(team=team), ClientFactory(team=team)
    jobs = [
        completed_job(team, first, rate.job_type),
        completed_job(team, second, rate.job_type),
        completed_job(team, first, rate.job_type),
        completed_job(team, unpriced, JobTypeFactory(team=team)),
    ]
    open_job = JobFactory(team=team, client=first)
    theirs = completed_job(world.b.team, ClientFactory(team=world.b.team))
    outcome = invoicing_services.draft_invoices_from_jobs(
        team=team, actor=SYSTEM, job_ids=[job.pk for job in [*jobs, open_job, theirs]]
    )
    assert sorted((invoice.client_id, invoice.total) for invoice in outcome.drafted) == sorted(
        [(first.pk, D("100.00")), (second.pk, D("50.00"))]
    )
    assert [job.pk for job in outcome.skipped] == [open_job.pk], "not completed; another team's job is not even seen"
    assert [(client.pk, "has no price" in str(exc)) for client, exc in outcome.refused] == [(unpriced.pk, True)]
    assert Invoice.objects.count() == 2


def test_the_job_list_offers_the_billing_action_without_being_patched(world: World, staff_a: WebClient) -> None:
    job_admin = registered_admin(Job)
    assert job_admin is not None and job_admin.actions == ("start_jobs", "complete_jobs", "cancel_jobs")
    page = staff_a.get("/admin/jobs/job/").content.decode()
    assert 'value="draft_invoices_from_jobs"' in page


# Jobs ------------------------------------------------------------------------------------------

NO_EVENTS = {"events-TOTAL_FORMS": 0, "events-INITIAL_FORMS": 0}


def test_an_admin_edit_of_a_job_is_recorded_like_the_apis(world: World, staff_a: WebClient) -> None:
    make_endpoint(world.a)  # subscribed to every event, as an integration would be
    job = JobFactory(team=world.a.team)
    body = {"scheduled_date": "2030-01-02", "assigned_to": world.a.engineer.pk, "notes": "Gate code 1234", **NO_EVENTS}
    assert staff_a.post(f"/admin/jobs/job/{job.pk}/change/", body).status_code == 302
    job.refresh_from_db()
    assert (str(job.scheduled_date), job.notes, job.status) == ("2030-01-02", "Gate code 1234", JobStatus.ASSIGNED)
    event = JobEvent.objects.get(job=job, to_status=JobStatus.ASSIGNED)
    assert event.actor_user == world.a.owner and event.from_status == JobStatus.PENDING
    assert WebhookEvent.objects.filter(team=world.a.team, type="job.assigned").count() == 1


def test_a_refused_job_edit_saves_nothing_and_shows_why(world: World, staff_a: WebClient) -> None:
    job = JobFactory(team=world.a.team, status=JobStatus.COMPLETED, notes="Done", scheduled_date=None)
    body = {"scheduled_date": "2030-01-02", "assigned_to": world.a.engineer.pk, "notes": "Changed", **NO_EVENTS}
    response = staff_a.post(f"/admin/jobs/job/{job.pk}/change/", body)
    assert response.status_code == 200
    assert any("Cannot assign a job that is COMPLETED" in message for message in form_errors(response))
    assert "Changed" in response.content.decode(), "what was typed is shown again"
    job.refresh_from_db()
    assert (job.notes, job.scheduled_date, job.assigned_to) == ("Done", None, None), "the notes rolled back too"


# Webhooks --------------------------------------------------------------------------------------


def test_a_ping_to_a_disabled_endpoint_is_a_message_not_a_500(world: World, staff_a: WebClient) -> None:
    live = make_endpoint(world.a, url="https://hooks.example.com/live")
    off = make_endpoint(world.a, url="https://hooks.example.com/off")
    update_endpoint(endpoint=off, actor=SYSTEM, active=False)
    response = staff_a.post(
        "/admin/webhooks/webhookendpoint/", {"action": "send_ping", "_selected_action": [live.pk, off.pk]}, follow=True
    )
    assert response.status_code == 200
    text = [str(message) for message in response.context["messages"]]
    assert any("hooks.example.com/off" in line and "disabled" in line for line in text)
    assert any("Queued a ping to 1 endpoint" in line for line in text)


# Sites and the invoice template ------------------------------------------------------------------


def test_a_site_changed_in_its_own_admin_goes_through_the_service(world: World, staff_a: WebClient) -> None:
    site = SiteFactory(team=world.a.team, name="Depot")
    body = {"name": "Depot", "postcode": "BS1 5TX", "country": "GB", "latitude": "51.5", "longitude": ""}
    refused = staff_a.post(f"/admin/projects/site/{site.pk}/change/", body)
    assert refused.status_code == 200
    changed = staff_a.post(f"/admin/projects/site/{site.pk}/change/", {**body, "longitude": "-2.6"})
    assert changed.status_code == 302, form_errors(changed)
    site.refresh_from_db()
    assert (site.postcode, site.latitude, site.longitude) == ("BS1 5TX", D("51.500000"), D("-2.600000"))


def test_the_invoice_template_takes_colours_as_the_api_does(world: World, staff_a: WebClient) -> None:
    body = {"team": world.a.team.pk, "logo_text": "Shocking", "primary_color": "red", "accent_color": "#F59E0B",
            "notes": "", "terms": ""}  # fmt: skip
    refused = staff_a.post("/admin/invoicing/invoicetemplate/add/", body)
    assert refused.status_code == 200 and refused.context["adminform"].form.errors["primary_color"]
    assert not InvoiceTemplate.objects.exists()
    saved = staff_a.post("/admin/invoicing/invoicetemplate/add/", {**body, "primary_color": "#112233"})
    assert saved.status_code == 302
    assert InvoiceTemplate.objects.get(team=world.a.team).primary_color == "#112233"


def test_an_endpoint_deleted_in_the_admin_goes_with_its_delivery_log(world: World, staff_a: WebClient) -> None:
    endpoint = make_endpoint(world.a)
    make_delivery(world.a, endpoint=endpoint)
    response = staff_a.post(f"/admin/webhooks/webhookendpoint/{endpoint.pk}/delete/", {"post": "yes"})
    assert response.status_code == 302
    assert not WebhookEndpoint.objects.exists() and not WebhookDelivery.objects.exists()
