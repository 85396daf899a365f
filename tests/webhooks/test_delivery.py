"""Deliveries end to end: a real HTTP receiver on loopback, the real queue and worker, real signatures."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest
from django.core import mail
from django.db import transaction
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from accounts.models import Actor
from jobs.models import Job
from jobs.services import assign_job, cancel_job, create_job, start_job
from tests.conftest import World
from tests.factories import JobFactory, JobTypeFactory
from tests.flows.factories import complete, job_ready_to_complete
from tests.webhooks.conftest import Answer, Receiver
from tests.webhooks.factories import fast_forward, make_endpoint, run_worker
from webhooks import services, worker
from webhooks.models import DeliveryStatus, WebhookAttempt, WebhookDelivery, WebhookEndpoint, WebhookEvent
from webhooks.signing import verify_signature
from webhooks.transport import TransportResponse

pytestmark = pytest.mark.django_db
SYSTEM = Actor(user=None, api_key=None)


def signatures(header: str) -> list[str]:
    return [part.split("=", 1)[1] for part in header.split(",") if part.startswith("v1=")]


def test_job_completion_sends_one_signed_delivery(world: World, receiver: Receiver) -> None:
    endpoint = make_endpoint(world.a, receiver.url, enabled_events=["job.completed"])
    job = job_ready_to_complete(world.a)
    complete(job)
    assert receiver.requests == []  # nothing leaves before the worker runs

    run_worker()

    assert len(receiver.requests) == 1
    request = receiver.requests[0]
    assert request.path == "/hooks/shocking"
    assert request.headers["Content-Type"] == "application/json"
    assert request.headers["SE-Event-Type"] == "job.completed"
    assert verify_signature(request.body, request.headers["SE-Signature"], endpoint.plain_secret)
    assert not verify_signature(request.body, request.headers["SE-Signature"], "whsec_wrong")
    body = json.loads(request.body)
    assert body["id"] == request.headers["SE-Event-Id"] and body["id"].startswith("evt_")
    assert body["type"] == "job.completed" and body["teamId"] == str(world.a.team.pk)
    # data.object is exactly what the REST API returns for the job
    assert body["data"]["object"] == world.api.get(f"/v1/jobs/{job.pk}").data
    assert body["data"]["object"]["status"] == "COMPLETED" and body["data"]["object"]["payload"] == {"flueGasCo2": 9.1}
    delivery = WebhookDelivery.objects.get()
    assert delivery.status == DeliveryStatus.SUCCEEDED and delivery.attempts == 1 and delivery.last_status_code == 200
    attempt = WebhookAttempt.objects.get()
    assert attempt.succeeded and attempt.status_code == 200 and attempt.response_body == "ok"


def test_every_job_event_is_emitted_in_order(world: World, receiver: Receiver) -> None:
    make_endpoint(world.a, receiver.url)
    job_type = JobTypeFactory(team=world.a.team)
    job = create_job(team=world.a.team, actor=SYSTEM, job_type=job_type, payload={"snake_key": 1})
    assign_job(job=job, actor=SYSTEM, engineer=world.a.engineer)
    start_job(job=job, actor=SYSTEM)
    other = create_job(team=world.a.team, actor=SYSTEM, job_type=job_type)
    cancel_job(job=other, actor=SYSTEM, reason="Customer away")
    run_worker()
    types = sorted((json.loads(r.body)["createdAt"], r.headers["SE-Event-Type"]) for r in receiver.requests)
    assert [t for _, t in types] == ["job.created", "job.assigned", "job.started", "job.created", "job.cancelled"]
    created = json.loads(receiver.requests[0].body)["data"]["object"]
    assert created["payload"] == {"snake_key": 1}  # free-form keys are kept as sent, like the API does


def test_endpoint_receives_only_its_events_and_team(world: World, receiver: Receiver) -> None:
    make_endpoint(world.a, receiver.url, enabled_events=["job.cancelled"])
    make_endpoint(world.b, receiver.url)
    job = JobFactory(team=world.a.team)
    cancel_job(job=job, actor=SYSTEM)
    assert WebhookEvent.objects.filter(team=world.a.team).count() == 1  # job.cancelled, not the others
    run_worker()
    assert [r.headers["SE-Event-Type"] for r in receiver.requests] == ["job.cancelled"]


def test_inactive_endpoint_or_no_subscriber_delivers_nothing(world: World) -> None:
    endpoint = make_endpoint(world.a, enabled_events=["job.completed"])
    services.update_endpoint(endpoint=endpoint, actor=SYSTEM, active=False)
    cancel_job(job=JobFactory(team=world.a.team), actor=SYSTEM)
    assert not WebhookDelivery.objects.exists() and not DBTaskResult.objects.filter(queue_name="webhooks").exists()
    # the event itself is recorded all the same: it is in the team's events feed (GET /v1/events)
    assert list(WebhookEvent.objects.values_list("type", flat=True)) == ["job.cancelled"]


def test_failing_twice_then_succeeding_logs_three_attempts(world: World, receiver: Receiver) -> None:
    endpoint = make_endpoint(world.a, receiver.url)
    receiver.script = [Answer(500, b"boom"), Answer(503, b"x" * 5000)]
    cancel_job(job=JobFactory(team=world.a.team), actor=SYSTEM)

    run_worker()
    delivery = WebhookDelivery.objects.get()
    assert delivery.status == DeliveryStatus.PENDING and delivery.attempts == 1 and delivery.last_status_code == 500
    assert delivery.next_attempt_at is not None and delivery.next_attempt_at > timezone.now()  # backoff
    run_worker()
    assert len(receiver.requests) == 1
    endpoint.refresh_from_db()
    assert endpoint.consecutive_failures == 1 and endpoint.failing_since is not None

    fast_forward()
    run_worker()
    fast_forward()
    run_worker()

    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.SUCCEEDED and delivery.attempts == 3
    log = list(delivery.attempt_log.order_by("number"))
    assert [(a.number, a.status_code, a.succeeded) for a in log] == [(1, 500, False), (2, 503, False), (3, 200, True)]
    assert log[0].response_body == "boom" and len(log[1].response_body) == 2048
    assert all(a.duration_ms >= 0 and a.started_at for a in log)
    # one event id for every attempt (receivers de-duplicate on it)
    assert len({r.headers["SE-Event-Id"] for r in receiver.requests}) == 1
    endpoint.refresh_from_db()
    assert endpoint.consecutive_failures == 0 and endpoint.failing_since is None


def test_rolled_back_change_emits_nothing(world: World, receiver: Receiver) -> None:
    make_endpoint(world.a, receiver.url)
    job = JobFactory(team=world.a.team)
    with pytest.raises(RuntimeError), transaction.atomic():
        cancel_job(job=job, actor=SYSTEM)
        assert WebhookEvent.objects.count() == 1  # written in the same transaction...
        raise RuntimeError("the request failed after the change")
    assert not WebhookEvent.objects.exists() and not WebhookDelivery.objects.exists()  # ...and gone with it
    assert not DBTaskResult.objects.filter(queue_name="webhooks").exists()
    run_worker()
    assert receiver.requests == []
    assert Job.objects.get(pk=job.pk).status == "PENDING"


def test_test_ping_and_redeliver(world: World, receiver: Receiver) -> None:
    endpoint = make_endpoint(world.a, receiver.url, enabled_events=["invoice.approved"])
    response = world.api.post(f"/v1/webhooks/{endpoint.pk}/test")
    assert response.status_code == 202
    run_worker()
    ping = json.loads(receiver.requests[0].body)
    assert ping["type"] == "ping" and receiver.requests[0].headers["SE-Event-Type"] == "ping"
    assert ping["data"]["object"] == world.api.get(f"/v1/webhooks/{endpoint.pk}").data

    first = WebhookDelivery.objects.get()
    again = world.api.post(f"/v1/webhooks/deliveries/{first.pk}/redeliver")
    assert again.status_code == 202 and again.data["eventId"] == first.event_id
    run_worker()
    assert len(receiver.requests) == 2
    assert receiver.requests[1].body == receiver.requests[0].body
    assert receiver.requests[1].headers["SE-Event-Id"] == receiver.requests[0].headers["SE-Event-Id"]
    assert receiver.requests[1].headers["SE-Delivery-Id"] == again.data["id"]
    listed = world.api.get(f"/v1/webhooks/{endpoint.pk}/deliveries").data
    assert [row["status"] for row in listed] == ["SUCCEEDED", "SUCCEEDED"]
    assert listed[0]["redeliveryOf"] == str(first.pk) and listed[0]["log"][0]["statusCode"] == 200


def test_private_addresses_are_refused_at_save_and_send_time(
    world: World, receiver: Receiver, settings: Any, monkeypatch: Any
) -> None:
    for url in (
        "https://10.1.2.3/h",
        "https://192.168.0.10/h",
        "https://[fd00:ec2::254]/h",
        "https://100.100.100.200/",
        "https://169.254.169.254/latest/meta-data/",
        "https://0.0.0.0/",
        "https://[::1]/h",
    ):
        settings.WEBHOOKS_ALLOW_LOOPBACK = False
        response = world.api.post("/v1/webhooks", {"url": url})
        assert response.status_code == 400 and response.issue_paths == ["url"], url
    settings.WEBHOOKS_ALLOW_LOOPBACK = False
    assert world.api.post("/v1/webhooks", {"url": receiver.url}).status_code == 400  # loopback needs the setting

    # Saved while allowed; at send time the name resolves to a private address (DNS rebinding): refused.
    settings.WEBHOOKS_ALLOW_LOOPBACK = True
    endpoint = make_endpoint(world.a, "https://rebind.example.test/hook")
    import ipaddress

    from webhooks import targets

    monkeypatch.setattr(targets, "resolve", lambda host, port: [ipaddress.ip_address("10.0.0.5")])
    services.send_test_event(endpoint=endpoint, actor=SYSTEM)
    run_worker()
    attempt = WebhookAttempt.objects.get()
    assert attempt.status_code is None and "non-public address" in attempt.error
    assert receiver.requests == []


def test_secret_rotation_overlap(world: World, receiver: Receiver) -> None:
    endpoint = make_endpoint(world.a, receiver.url)
    old_secret = endpoint.plain_secret
    response = world.api.post(f"/v1/webhooks/{endpoint.pk}/rotate-secret")
    new_secret = response.data["secret"]
    services.send_test_event(endpoint=WebhookEndpoint.objects.get(pk=endpoint.pk), actor=SYSTEM)
    run_worker()
    request = receiver.requests[-1]
    header = request.headers["SE-Signature"]
    assert len(signatures(header)) == 2
    assert verify_signature(request.body, header, new_secret) and verify_signature(request.body, header, old_secret)

    # After the overlap only the new secret signs.
    WebhookEndpoint.objects.filter(pk=endpoint.pk).update(previous_secret_expires_at=timezone.now())
    services.send_test_event(endpoint=WebhookEndpoint.objects.get(pk=endpoint.pk), actor=SYSTEM)
    run_worker()
    request = receiver.requests[-1]
    header = request.headers["SE-Signature"]
    assert len(signatures(header)) == 1
    assert verify_signature(request.body, header, new_secret) and not verify_signature(request.body, header, old_secret)


def test_verify_rejects_replays_and_tampering(world: World) -> None:
    from webhooks.signing import signature_header

    body = b'{"id":"evt_1"}'
    header = signature_header(["whsec_abc"], body, timestamp=1_700_000_000)
    assert verify_signature(body, header, "whsec_abc", now=1_700_000_100)
    assert not verify_signature(body, header, "whsec_abc", now=1_700_000_000 + 301)  # older than 5 minutes
    assert not verify_signature(body + b" ", header, "whsec_abc", now=1_700_000_100)
    assert not verify_signature(body, "v1=deadbeef", "whsec_abc")


def test_secrets_are_encrypted_at_rest(world: World) -> None:
    endpoint = make_endpoint(world.a)
    stored = WebhookEndpoint.objects.values_list("secret_encrypted", flat=True).get(pk=endpoint.pk)
    assert endpoint.plain_secret not in stored and "whsec_" not in stored
    assert services.signing_secrets(endpoint) == [endpoint.plain_secret]


def test_timeouts_redirects_and_connection_errors_are_failures(world: World, receiver: Receiver, settings: Any) -> None:
    settings.WEBHOOKS_TIMEOUT_SECONDS = 1
    endpoint = make_endpoint(world.a, receiver.url)
    receiver.script = [Answer(200, delay=2.5), Answer(302, b"", headers={"Location": "https://elsewhere.example/"})]
    services.send_test_event(endpoint=endpoint, actor=SYSTEM)
    run_worker()
    fast_forward()
    run_worker()
    attempts = list(WebhookAttempt.objects.order_by("number"))
    assert attempts[0].status_code is None and "Timed out" in attempts[0].error
    assert attempts[1].status_code == 302 and not attempts[1].succeeded  # the redirect is not followed
    assert len(receiver.requests) == 2

    closed = make_endpoint(world.a, "http://127.0.0.1:9/nothing-listens-here")
    services.send_test_event(endpoint=closed, actor=SYSTEM)
    run_worker()
    attempt = WebhookAttempt.objects.get(delivery__endpoint=closed)
    assert attempt.status_code is None and "Connection" in attempt.error


def test_retries_stop_after_the_window_and_the_endpoint_is_disabled(
    world: World, settings: Any, monkeypatch: Any
) -> None:
    calls: list[str] = []

    class Down:
        def post(self, url: str, body: bytes, headers: dict[str, str], timeout: float) -> TransportResponse:
            calls.append(url)
            return TransportResponse(500, "down")

    monkeypatch.setattr(worker, "transport", Down())
    endpoint = make_endpoint(world.a)
    services.send_test_event(endpoint=endpoint, actor=SYSTEM)
    run_worker()
    endpoint.refresh_from_db()
    assert endpoint.active and endpoint.consecutive_failures == 1

    # Three days after it was made, a delivery's next retry falls outside its window: it fails for good.
    three_days_ago = timezone.now() - dt.timedelta(days=3, minutes=1)
    WebhookDelivery.objects.update(created_at=three_days_ago)
    fast_forward()
    run_worker()
    delivery = WebhookDelivery.objects.get()
    assert delivery.status == DeliveryStatus.FAILED and delivery.attempts == 2 and len(calls) == 2
    endpoint.refresh_from_db()
    assert endpoint.active and endpoint.consecutive_failures == 2  # failing for minutes only: still enabled

    # An endpoint that has failed continuously for three days is disabled at its next failure.
    WebhookEndpoint.objects.filter(pk=endpoint.pk).update(failing_since=three_days_ago)
    services.send_test_event(endpoint=endpoint, actor=SYSTEM)
    run_worker()
    endpoint.refresh_from_db()
    assert not endpoint.active and endpoint.disabled_at is not None and "HTTP 500" in endpoint.disabled_reason
    assert not WebhookDelivery.objects.filter(status=DeliveryStatus.PENDING).exists()


def test_disabling_emails_the_owners(world: World, monkeypatch: Any, django_capture_on_commit_callbacks: Any) -> None:
    class Down:
        def post(self, url: str, body: bytes, headers: dict[str, str], timeout: float) -> TransportResponse:
            return TransportResponse(502, "bad gateway")

    monkeypatch.setattr(worker, "transport", Down())
    endpoint = make_endpoint(world.a)
    WebhookEndpoint.objects.filter(pk=endpoint.pk).update(failing_since=timezone.now() - dt.timedelta(days=4))
    services.send_test_event(endpoint=endpoint, actor=SYSTEM)
    with django_capture_on_commit_callbacks(execute=True):
        run_worker()
    assert [m.to for m in mail.outbox] == [[world.a.owner.email]]
    assert endpoint.url in mail.outbox[0].subject and "disabled" in mail.outbox[0].body
    # The delivery is not retried; nothing more is sent to the disabled endpoint; re-enabling clears the record.
    assert WebhookDelivery.objects.get().status == DeliveryStatus.FAILED
    assert world.api.post(f"/v1/webhooks/{endpoint.pk}/test").status_code == 409
    cancel_job(job=JobFactory(team=world.a.team), actor=SYSTEM)
    assert WebhookDelivery.objects.count() == 1
    enabled = services.update_endpoint(endpoint=endpoint, actor=SYSTEM, active=True)
    assert enabled.active and enabled.failing_since is None and enabled.disabled_at is None


def test_flow_sent_event(world: World, receiver: Receiver) -> None:
    make_endpoint(world.a, receiver.url, enabled_events=["flow.sent", "flow.failed"])
    job = job_ready_to_complete(world.a)
    complete(job)
    run_worker()  # the flows and the webhooks queues, as `manage.py run_worker` does
    run_worker()
    sent = [json.loads(r.body) for r in receiver.requests]
    assert sorted(body["type"] for body in sent) == ["flow.sent", "flow.sent"]
    flow_id = sent[0]["data"]["object"]["id"]
    api_flow = world.api.get(f"/v1/flows/{flow_id}").data
    assert sent[0]["data"]["object"]["status"] == api_flow["status"] == "SENT"
    assert sent[0]["data"]["object"]["log"] == api_flow["log"]


def test_stalled_delivery_is_requeued(world: World, receiver: Receiver) -> None:
    endpoint = make_endpoint(world.a, receiver.url)
    delivery = services.send_test_event(endpoint=endpoint, actor=SYSTEM)
    claimed = worker.claim_delivery(delivery.pk, worker_id="dead-worker")
    assert claimed is not None
    DBTaskResult.objects.filter(queue_name="webhooks").delete()  # the dead worker's task is gone
    WebhookDelivery.objects.filter(pk=delivery.pk).update(lease_expires_at=timezone.now() - dt.timedelta(seconds=1))
    assert worker.requeue_stalled_deliveries() == 1
    run_worker()
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.SUCCEEDED and delivery.attempts == 2 and len(receiver.requests) == 1


def test_retry_delay_grows_with_jitter(settings: Any) -> None:
    import random

    rand = random.Random(7)
    delays = [worker.retry_delay(n, rand).total_seconds() for n in range(1, 12)]
    for n, delay in enumerate(delays, start=1):
        cap = min(60 * 2 ** (n - 1), 6 * 3600)
        assert cap / 2 <= delay <= cap
