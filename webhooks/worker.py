"""The background side of webhooks: claim a delivery, POST it signed, log the attempt, retry or give up.

At least once: the attempt's outcome and the next step are committed after the POST; a worker that
dies in between leaves a lease that expires, and the sweep queues the delivery again (the receiver
de-duplicates on the stable `SE-Event-Id`).

Retries: exponential backoff with full jitter (`WEBHOOKS_RETRY_BASE_SECONDS` doubling up to
`WEBHOOKS_RETRY_MAX_SECONDS`) until `WEBHOOKS_RETRY_WINDOW_SECONDS` (3 days) after the delivery was
made. An endpoint that has failed continuously (no 2xx) for `WEBHOOKS_DISABLE_AFTER_SECONDS`
(3 days) is disabled and the team's owners are emailed. Leases, backoff and the sweep are `core.work`'s.
"""

from __future__ import annotations

import datetime as dt
import logging
import random
import time
import uuid

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from accounts.models import Membership, Role
from core import work
from core.work import WORKER_ID, LeaseState
from webhooks.models import DeliveryStatus, WebhookAttempt, WebhookDelivery, WebhookEndpoint
from webhooks.services import signing_secrets
from webhooks.signing import SIGNATURE_HEADER, SecretUnreadableError, signature_header
from webhooks.tasks import enqueue_delivery
from webhooks.transport import HTTPTransport, Transport, TransportError

logger = logging.getLogger("shocking.webhooks")

# The transport used by `process_delivery`; tests may swap it for another `Transport`.
transport: Transport = HTTPTransport()


def retry_delay(attempts: int, rand: random.Random | None = None) -> dt.timedelta:
    """Wait after the `attempts`-th failure: a random point in [cap/2, cap], cap = base·2^(n-1) ≤ max."""
    return work.backoff(
        attempts,
        base_seconds=settings.WEBHOOKS_RETRY_BASE_SECONDS,
        max_seconds=settings.WEBHOOKS_RETRY_MAX_SECONDS,
        jitter=True,
        rand=rand,
    )


def _admit(delivery: WebhookDelivery, state: LeaseState, now: dt.datetime) -> bool:
    """A delivery's own rules before a worker takes it: still pending, and its endpoint enabled."""
    if delivery.status != DeliveryStatus.PENDING:
        return False
    if not delivery.endpoint.active:
        delivery.status, delivery.last_error = DeliveryStatus.FAILED, "Not sent: the endpoint is disabled."
        work.clear_lease(delivery)
        delivery.next_attempt_at = None
        delivery.save()
        return False
    return True


def claim_delivery(delivery_id: uuid.UUID, worker_id: str = WORKER_ID) -> WebhookDelivery | None:
    """Take the lease on a pending delivery that is due, counting one attempt; None when nothing is due."""
    return work.claim(
        WebhookDelivery.objects.select_related("endpoint", "event"),
        delivery_id,
        worker_id=worker_id,
        lease_seconds=settings.WEBHOOKS_LEASE_SECONDS,
        admit=_admit,
    )


def _headers(delivery: WebhookDelivery, body: bytes) -> dict[str, str]:
    return {
        "Content-Type": "application/json",
        "SE-Event-Id": delivery.event_id,
        "SE-Event-Type": delivery.event.type,
        "SE-Delivery-Id": str(delivery.pk),
        SIGNATURE_HEADER: signature_header(signing_secrets(delivery.endpoint), body),
    }


def _notify_owners_disabled(endpoint: WebhookEndpoint) -> None:
    owners = list(
        Membership.objects.filter(team_id=endpoint.team_id, role=Role.OWNER, is_active=True, user__is_active=True)
        .values_list("user__email", flat=True)
        .order_by("user__email")
    )
    if not owners:
        return
    send_mail(
        subject=f"Webhook endpoint disabled: {endpoint.url}",
        message=(
            f"Deliveries to your webhook endpoint {endpoint.url} have failed since "
            f"{endpoint.failing_since:%Y-%m-%d %H:%M} UTC, so we have disabled it and stopped sending events.\n\n"
            f"Last error: {endpoint.disabled_reason}\n\n"
            "Fix the receiver, then enable the endpoint again in Settings > Developer > Webhooks (or with "
            "POST /v1/webhooks/{id}/update and active: true). Failed deliveries can be redelivered from there."
        ),
        from_email=None,
        recipient_list=owners,
    )


def _endpoint_failed(endpoint_id: uuid.UUID, now: dt.datetime, error: str) -> bool:
    """Count a failure on the endpoint; disable it once it has failed continuously for too long (→ True)."""
    endpoint = WebhookEndpoint.objects.select_for_update().get(pk=endpoint_id)
    endpoint.consecutive_failures += 1
    endpoint.failing_since = endpoint.failing_since or now
    disable_after = dt.timedelta(seconds=settings.WEBHOOKS_DISABLE_AFTER_SECONDS)
    if endpoint.active and now - endpoint.failing_since >= disable_after:
        endpoint.active = False
        endpoint.disabled_at = now
        endpoint.disabled_reason = f"Failing since {endpoint.failing_since:%Y-%m-%d %H:%M} UTC; last error: {error}"[
            :500
        ]
        logger.warning("Disabled webhook endpoint %s after failing since %s.", endpoint.pk, endpoint.failing_since)
        transaction.on_commit(lambda: _notify_owners_disabled(endpoint))
    endpoint.save()
    return not endpoint.active


def _finish(
    delivery: WebhookDelivery, worker_id: str, started: dt.datetime, duration_ms: int,
    status_code: int | None, response_body: str, error: str,
) -> None:  # fmt: skip
    """Log the attempt and move the delivery on: delivered, retried later, or given up."""
    succeeded = status_code is not None and 200 <= status_code < 300
    with transaction.atomic():
        locked = WebhookDelivery.objects.select_for_update().get(pk=delivery.pk)
        now = timezone.now()
        WebhookAttempt.objects.create(
            delivery=locked, number=delivery.attempts, started_at=started, duration_ms=duration_ms,
            status_code=status_code, response_body=response_body, error=error, succeeded=succeeded,
        )  # fmt: skip
        if not work.holds_lease(locked, worker_id) or locked.status != DeliveryStatus.PENDING:
            return  # our lease expired and another worker took over; the attempt is logged all the same
        locked.last_status_code = status_code
        work.clear_lease(locked)
        if succeeded:
            locked.status, locked.delivered_at, locked.last_error = DeliveryStatus.SUCCEEDED, now, ""
            WebhookEndpoint.objects.filter(
                Q(consecutive_failures__gt=0) | Q(failing_since__isnull=False), pk=locked.endpoint_id
            ).update(consecutive_failures=0, failing_since=None)
        else:
            locked.last_error = error or f"The endpoint answered HTTP {status_code}."
            disabled = _endpoint_failed(locked.endpoint_id, now, locked.last_error)
            next_at = now + retry_delay(locked.attempts)
            window_ends = locked.created_at + dt.timedelta(seconds=settings.WEBHOOKS_RETRY_WINDOW_SECONDS)
            if disabled or next_at > window_ends:
                locked.status = DeliveryStatus.FAILED
            else:
                work.schedule_retry(locked, next_at)
                enqueue_delivery(locked, run_after=next_at)
        locked.save()


def attempt_delivery(delivery: WebhookDelivery, worker_id: str = WORKER_ID) -> None:
    """POST a claimed delivery once and record what happened."""
    body = delivery.event.body.encode()
    started, clock = timezone.now(), time.monotonic()
    status_code, response_body, error = None, "", ""
    try:
        headers = _headers(delivery, body)
        answer = transport.post(delivery.endpoint.url, body, headers, float(settings.WEBHOOKS_TIMEOUT_SECONDS))
        status_code, response_body = answer.status_code, answer.body
    except (TransportError, SecretUnreadableError) as exc:
        error = str(exc)
    except Exception as exc:  # a bug must not leave the delivery leased until the sweep
        logger.exception("Webhook delivery %s crashed.", delivery.pk)
        error = f"Internal error: {type(exc).__name__}"
    duration_ms = int((time.monotonic() - clock) * 1000)
    logger.info("Webhook delivery %s attempt %s: %s", delivery.pk, delivery.attempts, status_code or error)
    _finish(delivery, worker_id, started, duration_ms, status_code, response_body.replace("\x00", ""), error[:2000])


def process_delivery(delivery_id: uuid.UUID, worker_id: str = WORKER_ID) -> str:
    """Make the attempt due on one delivery; returns its status afterwards, for the task log."""
    delivery = claim_delivery(delivery_id, worker_id)
    if delivery is None:
        return "nothing to do"
    attempt_delivery(delivery, worker_id)
    return WebhookDelivery.objects.values_list("status", flat=True).get(pk=delivery_id)


def requeue_stalled_deliveries(now: dt.datetime | None = None) -> int:
    """Re-queue pending deliveries whose worker died (lease expired) or whose task went missing.

    Queueing a delivery twice is harmless: `claim_delivery` takes it once.
    """
    pending = WebhookDelivery.objects.filter(status=DeliveryStatus.PENDING)
    return work.requeue(work.stalled(pending, now), enqueue_delivery, "webhook deliveries")
