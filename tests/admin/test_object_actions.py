"""Actions as buttons on an object's admin page (`core.admin_actions`): who sees which, and the server
checking the same rules (wrong role: 403; wrong state: an error message and nothing changed)."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.admin.models import LogEntry
from django.test import Client as WebClient

from accounts.models import APIKey, Role, User
from invoicing.models import Invoice, InvoiceStatus
from jobs.models import Job, JobEvent, JobStatus, ResultType
from tests.admin.conftest import staff_client
from tests.conftest import World
from tests.factories import APIKeyFactory, JobFactory, MembershipFactory, UserFactory
from tests.invoicing.factories import InvoiceFactory, draft_with_line
from tests.webhooks.factories import SYSTEM, make_endpoint
from webhooks.models import WebhookDelivery
from webhooks.services import update_endpoint

pytestmark = pytest.mark.django_db


def page_url(model: str, obj: Any) -> str:
    return f"/admin/{model}/{obj.pk}/change/"


def action_url(model: str, obj: Any, action: str) -> str:
    return f"/admin/{model}/{obj.pk}/actions/{action}/"


def buttons(client: WebClient, model: str, obj: Any) -> list[str]:
    """The names of the action buttons the change page shows this person."""
    response = client.get(page_url(model, obj))
    assert response.status_code == 200
    return [button.name for button in response.context["object_actions"]]


def messages_of(response: Any) -> list[str]:
    return [str(message) for message in response.context["messages"]]


def finance_member(world: World) -> User:
    person = UserFactory(email="finance@alpha.example.com")
    MembershipFactory(team=world.a.team, user=person, role=Role.FINANCE)
    return person


# Jobs ------------------------------------------------------------------------------------------


def test_an_engineer_starts_then_completes_their_own_job_from_its_page(world: World) -> None:
    engineer = staff_client(world.a.engineer)
    job = JobFactory(team=world.a.team, assigned_to=world.a.engineer, status=JobStatus.ASSIGNED, notes="Gate code 12")
    assert buttons(engineer, "jobs/job", job) == ["start"]

    started = engineer.post(action_url("jobs/job", job, "start"), follow=True)
    assert started.redirect_chain == [(page_url("jobs/job", job), 302)]
    assert "Job started." in messages_of(started)
    job.refresh_from_db()
    assert job.status == JobStatus.IN_PROGRESS
    assert [button.name for button in started.context["object_actions"]] == ["complete"]
    form = started.context["object_actions"][0].form
    assert form.initial["notes"] == "Gate code 12", "the job's notes are there to add to"
    assert {value for value, _ in form.fields["result_type"].choices} == set(ResultType.values)

    body = {"complete-result_type": ResultType.PARTIAL, "complete-notes": "Gate code 12. Pump needs a part."}
    completed = engineer.post(action_url("jobs/job", job, "complete"), body, follow=True)
    assert "Job completed: Partial." in messages_of(completed)
    job.refresh_from_db()
    assert (job.status, job.result_type, job.notes) == (
        JobStatus.COMPLETED,
        ResultType.PARTIAL,
        "Gate code 12. Pump needs a part.",
    )
    assert completed.context["object_actions"] == [], "nothing left to do on a completed job"
    assert list(JobEvent.objects.filter(job=job).values_list("to_status", flat=True).order_by("at")) == [
        JobStatus.IN_PROGRESS,
        JobStatus.COMPLETED,
    ]
    assert LogEntry.objects.filter(object_id=str(job.pk), change_message="Complete").exists()


def test_an_engineer_may_not_cancel_and_cannot_reach_others_jobs(world: World) -> None:
    engineer = staff_client(world.a.engineer)
    mine = JobFactory(team=world.a.team, assigned_to=world.a.engineer, status=JobStatus.ASSIGNED)
    not_mine = JobFactory(team=world.a.team, assigned_to=world.a.dispatcher, status=JobStatus.ASSIGNED)
    assert "cancel" not in buttons(engineer, "jobs/job", mine)
    refused = engineer.post(action_url("jobs/job", mine, "cancel"), {"cancel-reason": "No time"})
    assert refused.status_code == 403
    assert engineer.post(action_url("jobs/job", not_mine, "start")).status_code == 404
    mine.refresh_from_db()
    not_mine.refresh_from_db()
    assert mine.status == not_mine.status == JobStatus.ASSIGNED


def test_a_dispatcher_cancels_with_a_reason(world: World) -> None:
    dispatcher = staff_client(world.a.dispatcher)
    job = JobFactory(team=world.a.team, assigned_to=world.a.engineer, status=JobStatus.ASSIGNED)
    assert buttons(dispatcher, "jobs/job", job) == ["start", "cancel"]

    no_reason = dispatcher.post(action_url("jobs/job", job, "cancel"), {"cancel-reason": "  "})
    assert no_reason.status_code == 400
    assert no_reason.context["button"].form.errors == {"reason": ["This field is required."]}
    job.refresh_from_db()
    assert job.status == JobStatus.ASSIGNED

    done = dispatcher.post(action_url("jobs/job", job, "cancel"), {"cancel-reason": "Customer moved out"}, follow=True)
    assert "Job cancelled." in messages_of(done)
    job.refresh_from_db()
    assert (job.status, job.cancel_reason) == (JobStatus.CANCELLED, "Customer moved out")


def test_a_button_for_the_wrong_state_changes_nothing_and_says_so(world: World) -> None:
    dispatcher = staff_client(world.a.dispatcher)
    job = JobFactory(team=world.a.team, assigned_to=world.a.engineer, status=JobStatus.COMPLETED)
    assert buttons(dispatcher, "jobs/job", job) == [], "no Start on a completed job"
    response = dispatcher.post(action_url("jobs/job", job, "start"), follow=True)
    assert response.redirect_chain == [(page_url("jobs/job", job), 302)]
    assert any("“Start” is not possible" in line and "nothing was changed" in line for line in messages_of(response))
    job.refresh_from_db()
    assert job.status == JobStatus.COMPLETED and not JobEvent.objects.filter(job=job).exists()


def test_a_service_refusal_is_an_error_message_not_a_500(world: World) -> None:
    dispatcher = staff_client(world.a.dispatcher)
    # ASSIGNED with nobody assigned: the state allows Start, the service refuses it.
    job = JobFactory(team=world.a.team, assigned_to=None, status=JobStatus.ASSIGNED)
    response = dispatcher.post(action_url("jobs/job", job, "start"), follow=True)
    assert response.status_code == 200
    assert "Start: Cannot start a job without an assigned engineer." in messages_of(response)
    job.refresh_from_db()
    assert job.status == JobStatus.ASSIGNED


def test_finance_sees_jobs_without_buttons_and_is_refused(world: World) -> None:
    finance = staff_client(finance_member(world))
    job = JobFactory(team=world.a.team, assigned_to=world.a.engineer, status=JobStatus.ASSIGNED)
    assert buttons(finance, "jobs/job", job) == []
    assert finance.post(action_url("jobs/job", job, "start")).status_code == 403
    assert finance.post(action_url("jobs/job", job, "cancel"), {"cancel-reason": "x"}).status_code == 403
    job.refresh_from_db()
    assert job.status == JobStatus.ASSIGNED


def test_the_action_page_confirms_on_get_and_changes_nothing(world: World) -> None:
    dispatcher = staff_client(world.a.dispatcher)
    job = JobFactory(team=world.a.team, assigned_to=world.a.engineer, status=JobStatus.ASSIGNED)
    page = dispatcher.get(action_url("jobs/job", job, "cancel"))
    assert page.status_code == 200
    text = page.content.decode()
    assert "cannot be started or completed afterwards" in text and 'name="cancel-reason"' in text
    job.refresh_from_db()
    assert job.status == JobStatus.ASSIGNED
    assert dispatcher.post(action_url("jobs/job", job, "delete_everything")).status_code == 404


def test_another_teams_object_is_a_404(world: World) -> None:
    theirs = JobFactory(team=world.b.team, assigned_to=world.b.engineer, status=JobStatus.ASSIGNED)
    owner_a = staff_client(world.a.owner)
    assert owner_a.post(action_url("jobs/job", theirs, "start")).status_code == 404
    theirs.refresh_from_db()
    assert theirs.status == JobStatus.ASSIGNED


def test_a_post_without_the_csrf_token_is_refused(world: World) -> None:
    strict = WebClient(enforce_csrf_checks=True)
    staff_client(world.a.dispatcher)
    strict.force_login(world.a.dispatcher)
    job = JobFactory(team=world.a.team, assigned_to=world.a.engineer, status=JobStatus.ASSIGNED)
    assert strict.post(action_url("jobs/job", job, "start")).status_code == 403
    job.refresh_from_db()
    assert job.status == JobStatus.ASSIGNED
    page = strict.get(page_url("jobs/job", job)).content.decode()
    assert f'action="{action_url("jobs/job", job, "start")}"' in page and "csrfmiddlewaretoken" in page


def test_the_job_lists_bulk_start_and_complete_are_for_people_who_manage_jobs(world: World) -> None:
    def offered(client: WebClient) -> set[str]:
        form = client.get("/admin/jobs/job/").context["action_form"]
        return {name for name, _ in form.fields["action"].choices if name} if form else set()

    assert not {"start_jobs", "complete_jobs", "cancel_jobs"} & offered(staff_client(world.a.engineer))
    assert {"start_jobs", "complete_jobs", "cancel_jobs"} <= offered(staff_client(world.a.dispatcher))


# Invoices --------------------------------------------------------------------------------------


def test_finance_finalizes_approves_and_voids_from_the_invoice_page(world: World) -> None:
    finance = staff_client(finance_member(world))
    draft = draft_with_line(world.a.team)
    assert buttons(finance, "invoicing/invoice", draft) == ["finalize"]
    done = finance.post(action_url("invoicing/invoice", draft, "finalize"), follow=True)
    draft.refresh_from_db()
    assert draft.status == InvoiceStatus.FINALIZED and draft.number
    assert f"Finalized as {draft.number}." in messages_of(done)
    assert [button.name for button in done.context["object_actions"]] == ["approve", "send", "mark_paid", "void"]

    void_without_reason = finance.post(action_url("invoicing/invoice", draft, "void"), {"void-reason": ""})
    assert void_without_reason.status_code == 400
    voided = finance.post(action_url("invoicing/invoice", draft, "void"), {"void-reason": "Wrong client"}, follow=True)
    draft.refresh_from_db()
    assert (draft.status, draft.void_reason) == (InvoiceStatus.VOID, "Wrong client")
    assert voided.context["object_actions"] == []

    other = draft_with_line(world.a.team)
    finance.post(action_url("invoicing/invoice", other, "finalize"))
    finance.post(action_url("invoicing/invoice", other, "approve"))
    other.refresh_from_db()
    assert other.status == InvoiceStatus.APPROVED and other.approved_by_user is not None


def test_finance_marks_an_invoice_paid_from_its_page(world: World) -> None:
    finance = staff_client(finance_member(world))
    invoice = draft_with_line(world.a.team)
    finance.post(action_url("invoicing/invoice", invoice, "finalize"))
    url = action_url("invoicing/invoice", invoice, "mark_paid")
    future = finance.post(url, {"mark_paid-paid_at": "2999-01-01"}, follow=True)
    invoice.refresh_from_db()
    assert invoice.paid_at is None and "cannot be in the future" in " ".join(messages_of(future))
    paid = finance.post(url, {"mark_paid-paid_at": "2026-11-02"}, follow=True)
    invoice.refresh_from_db()
    assert str(invoice.paid_at)[:10] == "2026-11-02"
    assert f"Marked {invoice.number} paid on 02 Nov 2026." in messages_of(paid)
    assert [button.name for button in paid.context["object_actions"]] == ["approve", "send"]  # no void once paid
    assert staff_client(world.a.dispatcher).post(url).status_code == 403


def test_finalizing_an_empty_draft_is_refused_with_a_message(world: World) -> None:
    finance = staff_client(finance_member(world))
    empty = InvoiceFactory(team=world.a.team)
    response = finance.post(action_url("invoicing/invoice", empty, "finalize"), follow=True)
    assert "Finalize: Cannot finalize an invoice without lines." in messages_of(response)
    empty.refresh_from_db()
    assert empty.status == InvoiceStatus.DRAFT and not empty.number


def test_roles_without_invoicing_are_refused(world: World) -> None:
    draft = draft_with_line(world.a.team)
    for person in (world.a.dispatcher, world.a.engineer):
        assert staff_client(person).post(action_url("invoicing/invoice", draft, "finalize")).status_code == 403
    assert Invoice.objects.get(pk=draft.pk).status == InvoiceStatus.DRAFT


# API keys and webhook endpoints -----------------------------------------------------------------


def test_an_owner_revokes_a_key_from_its_page_once(world: World) -> None:
    owner = staff_client(world.a.owner)
    key = APIKeyFactory(team=world.a.team, name="Warehouse sync")
    assert buttons(owner, "accounts/apikey", key) == ["revoke"]
    confirm = owner.get(action_url("accounts/apikey", key, "revoke"))
    assert confirm.status_code == 200 and "get 401 from now on" in confirm.content.decode()
    assert APIKey.objects.get(pk=key.pk).revoked_at is None, "GET changes nothing"

    done = owner.post(action_url("accounts/apikey", key, "revoke"), follow=True)
    assert "Revoked “Warehouse sync”: requests using it now get 401." in messages_of(done)
    revoked_at = APIKey.objects.get(pk=key.pk).revoked_at
    assert revoked_at is not None
    assert done.context["object_actions"] == []
    again = owner.post(action_url("accounts/apikey", key, "revoke"), follow=True)
    assert any("not possible" in line for line in messages_of(again))
    assert APIKey.objects.get(pk=key.pk).revoked_at == revoked_at


def test_a_dispatcher_sees_a_key_but_may_not_revoke_it(world: World) -> None:
    dispatcher = staff_client(world.a.dispatcher)
    key = APIKeyFactory(team=world.a.team)
    assert buttons(dispatcher, "accounts/apikey", key) == []
    assert dispatcher.post(action_url("accounts/apikey", key, "revoke")).status_code == 403
    assert APIKey.objects.get(pk=key.pk).revoked_at is None


def test_an_owner_sends_a_test_event_to_an_active_endpoint_only(world: World) -> None:
    owner = staff_client(world.a.owner)
    endpoint = make_endpoint(world.a)
    assert buttons(owner, "webhooks/webhookendpoint", endpoint) == ["send_test"]
    sent = owner.post(action_url("webhooks/webhookendpoint", endpoint, "send_test"), follow=True)
    assert any("Queued a test event (ping)" in line for line in messages_of(sent))
    assert WebhookDelivery.objects.filter(endpoint=endpoint, event__type="ping").count() == 1

    update_endpoint(endpoint=endpoint, actor=SYSTEM, active=False)
    assert buttons(owner, "webhooks/webhookendpoint", endpoint) == []
    refused = owner.post(action_url("webhooks/webhookendpoint", endpoint, "send_test"), follow=True)
    assert any("not possible" in line for line in messages_of(refused))
    assert WebhookDelivery.objects.filter(endpoint=endpoint).count() == 1

    dispatcher = staff_client(world.a.dispatcher)
    assert dispatcher.post(action_url("webhooks/webhookendpoint", endpoint, "send_test")).status_code == 403


def test_a_superuser_gets_every_button_the_state_allows(superuser: WebClient, world: World) -> None:
    job = JobFactory(team=world.a.team, assigned_to=world.a.engineer, status=JobStatus.IN_PROGRESS)
    assert buttons(superuser, "jobs/job", job) == ["complete", "cancel"]
    superuser.post(action_url("jobs/job", job, "complete"), {"complete-result_type": ResultType.NO_ACCESS})
    assert Job.objects.get(pk=job.pk).result_type == ResultType.NO_ACCESS
