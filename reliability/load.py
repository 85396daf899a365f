"""A bounded loopback load: threads with keep-alive connections to 127.0.0.1, a realistic mix.

70% reads (a page of jobs, one job), 20% creates (`POST /v1/jobs` with an `Idempotency-Key`, retried
with the same key on a network error, a 5xx or an in-progress 409 — so every acknowledged create
must exist exactly once), 10% transitions (assign → start → complete on jobs this run created).
Every request is recorded: when, how long, which status (0 for a connection error).
"""

from __future__ import annotations

import http.client
import json
import random
import threading
import time
import uuid
from dataclasses import dataclass, field
from typing import Any

READ_SHARE, CREATE_SHARE = 0.70, 0.20  # the rest are transitions
CREATE_RETRIES = 20
NEXT_ACTION = {"PENDING": "assign", "ASSIGNED": "start", "IN_PROGRESS": "complete"}


@dataclass
class Sample:
    at: float  # seconds since the load started
    seconds: float
    status: int  # 0: no answer (connection refused, reset, timed out)
    kind: str
    traceback: bool = False


@dataclass
class LoadResult:
    samples: list[Sample] = field(default_factory=list)
    acknowledged: dict[str, str] = field(default_factory=dict)  # job id -> its marker (notes)
    markers: list[str] = field(default_factory=list)  # every create the load attempted
    started: float = 0.0
    finished: float = 0.0


class Target:
    """One keep-alive HTTP connection to the server, re-opened after any error."""

    def __init__(self, host: str, port: int, token: str, timeout: float) -> None:
        self.host, self.port, self.timeout = host, port, timeout
        self.headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
        self.connection: http.client.HTTPConnection | None = None

    def request(
        self, method: str, path: str, body: Any = None, headers: dict[str, str] | None = None
    ) -> tuple[int, Any, bytes]:
        if self.connection is None:
            self.connection = http.client.HTTPConnection(self.host, self.port, timeout=self.timeout)
        try:
            payload = json.dumps(body).encode() if body is not None else None
            self.connection.request(method, path, body=payload, headers={**self.headers, **(headers or {})})
            response = self.connection.getresponse()
            raw = response.read()
        except (OSError, http.client.HTTPException):
            self.close()
            return 0, None, b""
        if response.getheader("Connection", "").lower() == "close":
            self.close()
        try:
            decoded = json.loads(raw) if raw else None
        except ValueError:
            decoded = None
        return response.status, decoded, raw

    def close(self) -> None:
        if self.connection is not None:
            self.connection.close()
            self.connection = None


class LoadGenerator:
    """Runs `concurrency` client threads for `duration` seconds against the server."""

    def __init__(
        self, *, host: str, port: int, token: str, job_type: str, engineer_id: str, seed_ids: list[str],
        client_id: str, site_id: str, concurrency: int, duration: float, timeout: float = 10.0,
    ) -> None:  # fmt: skip
        self.host, self.port, self.token = host, port, token
        self.job_type, self.engineer_id = job_type, engineer_id
        # A client with an email and its site: completed jobs then email their documents (flows).
        self.job_fields = {"jobType": job_type, "clientId": client_id, "siteId": site_id}
        self.seed_ids = seed_ids
        self.concurrency, self.duration, self.timeout = concurrency, duration, timeout
        self.result = LoadResult()
        self._lock = threading.Lock()
        self._stop = threading.Event()

    # Recording ---------------------------------------------------------------------------------------
    def _record(self, started: float, status: int, kind: str, raw: bytes) -> None:
        sample = Sample(started - self.result.started, time.monotonic() - started, status, kind, b"Traceback" in raw)
        with self._lock:
            self.result.samples.append(sample)

    def _call(self, target: Target, kind: str, method: str, path: str, body: Any = None,
              headers: dict[str, str] | None = None) -> tuple[int, Any]:  # fmt: skip
        started = time.monotonic()
        status, decoded, raw = target.request(method, path, body, headers)
        self._record(started, status, kind, raw)
        return status, decoded

    # The mix ---------------------------------------------------------------------------------------
    def _read(self, target: Target, rng: random.Random, known: list[str]) -> None:
        if known and rng.random() < 0.3:
            self._call(target, "read", "GET", f"/v1/jobs/{rng.choice(known)}")
        else:
            self._call(target, "read", "GET", f"/v1/jobs?limit={rng.choice((10, 25, 50))}")

    def _create(self, target: Target, own: list[dict[str, str]]) -> None:
        marker = f"reliability-{uuid.uuid4()}"
        key = {"Idempotency-Key": marker}
        with self._lock:
            self.result.markers.append(marker)
        for attempt in range(CREATE_RETRIES):
            body = {**self.job_fields, "notes": marker}
            status, decoded = self._call(target, "create", "POST", "/v1/jobs", body, key)
            if status == 201:
                job_id = decoded["data"]["id"]
                with self._lock:
                    self.result.acknowledged[job_id] = marker
                own.append({"id": job_id, "status": decoded["data"]["status"]})
                return
            if status in (0, 409, 429) or status >= 500:  # not acknowledged: retry with the same key
                time.sleep(min(0.1 * 2**attempt, 2.0))
                if self._stop.is_set() and attempt >= 3:
                    return
                continue
            return  # a 4xx: refused for good (nothing to acknowledge)

    def _transition(self, target: Target, rng: random.Random, own: list[dict[str, str]]) -> None:
        open_jobs = [job for job in own if job["status"] in NEXT_ACTION]
        if not open_jobs:
            return
        job = rng.choice(open_jobs)
        action = NEXT_ACTION[job["status"]]
        body: dict[str, Any] = {
            "assign": {"engineerId": self.engineer_id},
            "start": {},
            "complete": {"resultType": "SUCCESS"},  # the job's notes keep the create's marker
        }[action]
        status, decoded = self._call(target, "transition", "POST", f"/v1/jobs/{job['id']}/{action}", body)
        if status == 200:
            job["status"] = decoded["data"]["status"]
        elif status == 409:  # someone (a retried request) moved it already: read the truth
            status, decoded = self._call(target, "read", "GET", f"/v1/jobs/{job['id']}")
            if status == 200:
                job["status"] = decoded["data"]["status"]

    def _client(self, index: int) -> None:
        rng = random.Random(index)  # noqa: S311 - picks requests, not secrets
        target = Target(self.host, self.port, self.token, self.timeout)
        own: list[dict[str, str]] = []
        try:
            while not self._stop.is_set():
                draw = rng.random()
                if draw < READ_SHARE:
                    self._read(target, rng, [job["id"] for job in own[-50:]] or self.seed_ids)
                elif draw < READ_SHARE + CREATE_SHARE:
                    self._create(target, own)
                else:
                    self._transition(target, rng, own)
        finally:
            target.close()

    def run(self) -> LoadResult:
        self.result.started = self.result.started or time.monotonic()
        threads = [threading.Thread(target=self._client, args=(i,), daemon=True) for i in range(self.concurrency)]
        for thread in threads:
            thread.start()
        self._stop.wait(self.duration)
        self._stop.set()
        for thread in threads:
            thread.join(timeout=self.timeout * 3)
        self.result.finished = time.monotonic()
        return self.result

    def stop(self) -> None:
        self._stop.set()
