"""Tokens: never logged, nowhere in the database in plaintext, compared in constant time, dead within 1 s.

(`tests/api/test_auth.py` covers the 401 answers themselves and the hash of one key; these tests
look at everything around them.)
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import logging
import time
from collections.abc import Iterator
from unittest import mock

import pytest
from django.db import connection
from django.test import override_settings
from django.test.utils import CaptureQueriesContext
from django.urls import include, path
from django.utils import timezone
from django.views.debug import ExceptionReporter
from rest_framework.request import Request
from rest_framework.response import Response

from accounts import key_lookup
from accounts.models import APIKey
from accounts.scopes import ALL_SCOPES
from core.api import authentication
from core.api.urls import urlpatterns as api_urlpatterns
from core.api.views import BaseAPIView
from tests.conftest import Api, World
from tests.factories import APIKeyFactory, JobFactory, JobTypeFactory
from tests.oauth.factories import oauth_token


class Crash(BaseAPIView):
    required_scopes = {"GET": "jobs.read"}

    def get(self, request: Request) -> Response:
        raise RuntimeError("unexpected")


urlpatterns = [path("v1/crash", Crash.as_view()), path("v1/", include(api_urlpatterns))]


class EveryRecord(logging.Handler):
    """Keeps every record of every logger, formatted as the most verbose handler would see it."""

    def __init__(self) -> None:
        super().__init__(level=logging.DEBUG)
        self.texts: list[str] = []
        self.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s %(message)s"))

    def emit(self, record: logging.LogRecord) -> None:
        text = self.format(record)  # includes the formatted traceback
        extras = {key: repr(value) for key, value in record.__dict__.items() if key not in ("msg", "args")}
        self.texts.append(f"{text} {extras}")


@pytest.fixture
def all_logs() -> Iterator[EveryRecord]:
    """Every log record at DEBUG, the SQL log included (with its parameters)."""
    handler = EveryRecord()
    root = logging.getLogger()
    loggers = [root, *(logging.getLogger(name) for name in list(logging.root.manager.loggerDict))]
    levels = [logger.level for logger in loggers]
    root.addHandler(handler)
    for logger in loggers:
        logger.setLevel(logging.DEBUG)
    connection.force_debug_cursor = True  # django.db.backends logs each query with its parameters
    try:
        yield handler
    finally:
        connection.force_debug_cursor = False
        root.removeHandler(handler)
        for logger, level in zip(loggers, levels, strict=True):
            logger.setLevel(level)


def every_kind_of_answer(world: World, token: str) -> set[int]:
    """Requests with `token` that answer 200, 201, 400, 403, 404, 405, 409, 413, 415, 429 and 500."""
    api = Api(token)
    JobTypeFactory(team=world.a.team, key="visit")
    done = JobFactory(team=world.a.team, status="COMPLETED")
    answers = [
        api.get("/v1/jobs"),
        api.post("/v1/jobs", {"jobType": "visit"}),
        api.post("/v1/jobs", {"jobType": "visit", "bogus": 1}),
        Api(world.a.token_with(["team.read"])).get("/v1/jobs"),
        api.get("/v1/jobs/00000000-0000-4000-8000-000000000000"),
        api.request("delete", "/v1/jobs"),
        api.post(f"/v1/jobs/{done.pk}/cancel", {"reason": "late"}),
        api.post("/v1/jobs", raw_body='{"notes": "' + "x" * (1024 * 1024) + '"}'),
        api.post("/v1/jobs", raw_body="a=b", content_type="application/x-www-form-urlencoded"),
        api.post("/v1/jobs", raw_body="{not json"),
    ]
    with override_settings(API_RATE_LIMIT="1/min"):
        answers += [api.get("/v1/team"), api.get("/v1/team")]
    with override_settings(ROOT_URLCONF=__name__, DEBUG=False):
        crash = api.client.get("/v1/crash", headers={"Authorization": f"Bearer {token}"})
    return {response.status_code for response in answers} | {crash.status_code}


def test_an_api_key_is_never_logged(world: World, all_logs: EveryRecord) -> None:
    token = world.a.token
    statuses = every_kind_of_answer(world, token)
    assert {200, 201, 400, 403, 404, 405, 409, 413, 415, 429, 500} <= statuses, statuses
    assert any("Unhandled exception" in text for text in all_logs.texts), "the 500 was logged"
    assert any(hash_hex(token) in text for text in all_logs.texts), "SQL was logged (its parameters hold the hash)"
    assert not [text for text in all_logs.texts if token in text]


def test_an_oauth_token_is_never_logged(world: World, all_logs: EveryRecord) -> None:
    token = oauth_token(world.a.team, world.a.owner, ALL_SCOPES)
    statuses = every_kind_of_answer(world, token)
    assert {200, 201, 400, 404, 500} <= statuses, statuses
    assert not [text for text in all_logs.texts if token in text]


@pytest.mark.parametrize(
    "token",
    ["se_" + "x" * 43, "se_oauth_" + "y" * 43, "se_revoked", "se_expired"],
    ids=["unknown key", "unknown oauth token", "revoked key", "expired key"],
)
def test_refused_tokens_are_not_logged_either(world: World, all_logs: EveryRecord, token: str) -> None:
    if token == "se_revoked":
        key = APIKeyFactory(team=world.a.team, revoked_at=timezone.now())
        token = key.token
    elif token == "se_expired":
        key = APIKeyFactory(team=world.a.team, expires_at=timezone.now())
        token = key.token
    for header in (f"Bearer {token}", f"Bearer {token} extra", f"Basic {token}"):
        response = Api().get("/v1/jobs", headers={"Authorization": header})
        assert response.status_code == 401
        assert token not in response.raw.content.decode(), "nor echoed back"
    assert all_logs.texts, "the 401s were logged"
    assert not [text for text in all_logs.texts if token in text]


@override_settings(ROOT_URLCONF=__name__, DEBUG=False)
def test_an_error_report_would_not_carry_the_authorization_header(world: World) -> None:
    """If error emails (ADMINS) or an error tracker were turned on, the report filters the header out."""
    api = Api(world.a.token)
    response = api.client.get("/v1/crash", headers={"Authorization": f"Bearer {world.a.token}"})
    request = response.wsgi_request
    try:
        raise RuntimeError("unexpected")
    except RuntimeError as exc:
        report = ExceptionReporter(request, type(exc), exc, exc.__traceback__).get_traceback_text()
    assert "HTTP_AUTHORIZATION" in report
    assert world.a.token not in report


def hash_hex(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@pytest.mark.django_db(transaction=True)
def test_no_plaintext_token_anywhere_in_the_database(world: World) -> None:
    """Every column of every table, after keys and OAuth tokens were made and used (committed rows)."""
    oauth = oauth_token(world.a.team, world.a.owner, ALL_SCOPES)
    JobTypeFactory(team=world.a.team, key="visit")
    for token in (world.a.token, oauth):
        api = Api(token)
        assert api.get("/v1/jobs").status_code == 200
        assert (
            api.post("/v1/jobs", {"jobType": "visit"}, headers={"Idempotency-Key": f"create-{len(token)}"}).status_code
            == 201
        )
    with connection.cursor() as cursor:
        cursor.execute("SELECT table_name FROM information_schema.tables WHERE table_schema = 'public'")
        tables = [row[0] for row in cursor.fetchall()]
        assert len(tables) > 20
        for token in (world.a.token, oauth):
            secret = token.removeprefix("se_oauth_").removeprefix("se_")  # the random part; the prefix is public
            for table in tables:
                cursor.execute(f'SELECT count(*) FROM "{table}" t WHERE t::text LIKE %s', [f"%{secret}%"])  # noqa: S608
                assert cursor.fetchone()[0] == 0, f"the token's secret is stored in {table}"


def test_lookup_is_by_hash_and_compared_in_constant_time(world: World) -> None:
    token = world.a.token
    with (
        mock.patch.object(authentication.hmac, "compare_digest", wraps=hmac.compare_digest) as compare,
        CaptureQueriesContext(connection) as queries,
    ):
        assert Api(token).get("/v1/jobs").status_code == 200
    compare.assert_called_once_with(APIKey.objects.get(name="full", team=world.a.team).hashed_token, hash_hex(token))
    lookup = [q["sql"] for q in queries.captured_queries if 'FROM "accounts_apikey"' in q["sql"]]
    assert lookup and all(hash_hex(token) in sql and token not in sql for sql in lookup), lookup


def test_oauth_lookup_is_by_hash_and_compared_in_constant_time(world: World) -> None:
    token = oauth_token(world.a.team, world.a.owner, ["jobs.read"])
    from accounts import oauth

    with mock.patch.object(oauth.hmac, "compare_digest", wraps=hmac.compare_digest) as compare:
        assert Api(token).get("/v1/jobs").status_code == 200
    assert compare.call_count == 1
    stored, presented = compare.call_args.args
    assert stored == presented == hash_hex(token)


@override_settings(API_KEY_CACHE_SECONDS=1)
def test_revocation_reaches_every_worker_within_one_second(world: World) -> None:
    """Another worker's cached key (revoked straight in the database, so no cache is cleared here) dies within 1 s."""
    key = APIKeyFactory(team=world.a.team, scopes=["jobs.read"])
    api = Api(key.token)
    key_lookup._key_cache.clear()
    assert api.get("/v1/jobs").status_code == 200
    revoked_at = time.monotonic()
    APIKey.objects.filter(pk=key.pk).update(revoked_at=timezone.now())
    while api.get("/v1/jobs").status_code == 200:
        assert time.monotonic() - revoked_at < 1.0, "still accepted a second after revocation"
        time.sleep(0.05)
    assert time.monotonic() - revoked_at <= 1.1


@override_settings(API_KEY_CACHE_SECONDS=1)
def test_expiry_is_enforced_within_one_second(world: World) -> None:
    key = APIKeyFactory(team=world.a.team, scopes=["jobs.read"], expires_at=timezone.now() + dt.timedelta(seconds=1))
    api = Api(key.token)
    key_lookup._key_cache.clear()
    assert api.get("/v1/jobs").status_code == 200
    deadline = key.expires_at
    while api.get("/v1/jobs").status_code == 200:
        assert timezone.now() < deadline + dt.timedelta(seconds=1)
        time.sleep(0.05)
    response = api.get("/v1/jobs")
    assert response.status_code == 401 and "expired" in response.issues[0]["message"]
