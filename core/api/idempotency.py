"""`Idempotency-Key` on POST: the same key and body within 24 h replays the first answer.

The record is inserted in the same transaction as the action (see `BaseAPIView.dispatch`), so the
claim, the action and the stored answer commit together. A concurrent duplicate waits on the unique
constraint on (credential, key), then replays the committed answer — or runs itself if the first
attempt rolled back. A server error rolls back with its claim, so a retry runs again; other answers
(including 4xx) are stored and replayed.
"""

from __future__ import annotations

import hashlib
import json
import logging
from datetime import timedelta
from typing import Any

from django.db import DatabaseError, IntegrityError, connection, transaction
from django.utils import timezone
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.utils.encoders import JSONEncoder

from core.api.errors import Conflict, bad_request
from core.models import IdempotencyRecord

logger = logging.getLogger("shocking.api")

HEADER = "Idempotency-Key"
HEADER_META = "HTTP_IDEMPOTENCY_KEY"
TTL = timedelta(hours=24)
MAX_KEY_LENGTH = 255


class IdempotentReplay(Exception):  # noqa: N818 - a control-flow signal, not an error
    def __init__(self, status_code: int, body: Any) -> None:
        super().__init__("replay")
        self.status_code = status_code
        self.body = body

    def response(self, request_id: str) -> Response:
        body = self.body
        if isinstance(body, dict) and "request_id" in body:
            body = {**body, "request_id": request_id}  # an error body names the request that got it
        response = Response(body, status=self.status_code, headers={"Idempotent-Replayed": "true"})
        response.api_error = self.status_code >= 400  # type: ignore[attr-defined]  # already an error envelope
        return response


def _fingerprint(request: Request) -> str:
    body = request._request.body  # read before DRF parses the stream; Django caches it
    parts = [str(request.method).encode(), request.path.encode(), body]
    return hashlib.sha256(b"\n".join(parts)).hexdigest()


def begin(request: Request) -> IdempotencyRecord | None:
    """Claim the request's key, or raise `IdempotentReplay` / 409. None when no key was sent."""
    key = request.headers.get(HEADER)
    if key is None:
        return None
    if not key.strip() or len(key) > MAX_KEY_LENGTH:
        raise bad_request(HEADER, f"{HEADER} must be 1–{MAX_KEY_LENGTH} characters.")
    credential_id = str(request.auth.pk)
    fingerprint = _fingerprint(request)
    IdempotencyRecord.objects.filter(credential_id=credential_id, key=key, created_at__lt=timezone.now() - TTL).delete()
    try:
        with transaction.atomic():
            return IdempotencyRecord.objects.create(
                credential_id=credential_id, key=key, request_hash=fingerprint, path=request.path
            )
    except IntegrityError:
        pass
    existing = IdempotencyRecord.objects.filter(credential_id=credential_id, key=key).first()
    if existing is None:  # removed in between: a failed first attempt; let the client retry
        raise Conflict(f"A request with this {HEADER} was just retried; send it again.")
    if existing.request_hash != fingerprint:
        raise Conflict(f"This {HEADER} was already used with a different request.")
    if existing.status_code is None:
        raise Conflict(f"A request with this {HEADER} is still in progress; retry shortly.")
    raise IdempotentReplay(existing.status_code, existing.response_body)


def finish(record: IdempotencyRecord, response: Response) -> None:
    """Store the answer to replay it; a server error frees the key so that a retry can run again.

    If the database is unreachable right now (the answer is then usually that 503), the answer
    still goes out unchanged: the bookkeeping must not turn it into a 500.
    """
    if response.status_code >= 500 and connection.in_atomic_block:
        # Roll back the claim together with whatever the failed action did: a retry runs afresh.
        transaction.set_rollback(True)
        return
    try:
        if response.status_code >= 500 or response.status_code == 429:
            record.delete()
            return
        record.status_code = response.status_code
        record.response_body = json.loads(json.dumps(response.data, cls=JSONEncoder))
        record.save(update_fields=["status_code", "response_body"])
    except DatabaseError:
        logger.warning("Could not record the outcome of %s %s=%s", record.path, HEADER, record.key, exc_info=True)
