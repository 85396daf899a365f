"""Management commands keep the exact shapes tooling depends on; bad arguments create nothing."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from accounts.models import APIKey, Membership, Team, User, hash_token
from jobs.models import Job


def run(*args: str) -> str:
    out = StringIO()
    call_command(*args, stdout=out, stderr=StringIO())
    return out.getvalue()


@pytest.mark.django_db
def test_createteam_addmember_createapikey() -> None:
    run("createteam", "acme", "--name", "Acme Heat", "--owner", "boss@acme.test", "--password", "pw-12345678")
    team = Team.objects.get(slug="acme")
    assert Membership.objects.get(team=team).role == "owner"
    assert User.objects.get(email="boss@acme.test").check_password("pw-12345678")

    out = run("addmember", "acme", "eng@acme.test", "--role", "engineer")
    user_id = out.strip().splitlines()[-1]
    assert str(User.objects.get(email="eng@acme.test").pk) == user_id

    out = run("createapikey", "acme", "--name", "ci", "--scopes", "jobs.read jobs.write", "--expires-in-days", "30")
    token = out.strip().splitlines()[-1]
    key = APIKey.objects.get(hashed_token=hash_token(token))
    assert key.scopes == ["jobs.read", "jobs.write"] and key.expires_at is not None


@pytest.mark.django_db
@pytest.mark.parametrize(
    "args",
    [
        ("createapikey", "nope", "--name", "x", "--scopes", "jobs.read"),
        ("createapikey", "acme", "--name", "x", "--scopes", "jobs.fly"),
        ("createapikey", "acme", "--name", "x", "--scopes", "jobs.read", "--expires-in-days", "0"),
        ("addmember", "acme", "x@acme.test", "--role", "king"),
        ("addmember", "nope", "x@acme.test", "--role", "engineer"),
        ("createteam", "acme", "--name", "Again", "--owner", "other@acme.test"),
    ],
)
def test_bad_arguments_fail_and_create_nothing(args: tuple[str, ...]) -> None:
    run("createteam", "acme", "--name", "Acme", "--owner", "boss@acme.test")
    counts = (Team.objects.count(), User.objects.count(), APIKey.objects.count())
    with pytest.raises((CommandError, SystemExit)):
        run(*args)
    assert (Team.objects.count(), User.objects.count(), APIKey.objects.count()) == counts


@pytest.mark.django_db
def test_seed_demo_is_idempotent_and_tops_up() -> None:
    run("seed_demo", "--jobs", "30")
    run("seed_demo", "--jobs", "30")
    team = Team.objects.get(slug="demo")
    assert Job.objects.filter(team=team).count() == 30
    run("seed_demo", "--jobs", "45")
    assert Job.objects.filter(team=team).count() == 45
    token = run("demo_access").strip().splitlines()[-1]
    assert APIKey.objects.filter(hashed_token=hash_token(token), team=team).exists()


def test_demo_access_prints_the_address_make_run_serves(db) -> None:
    run("seed_demo", "--jobs", "5")
    banner = run("demo_access", "--url", "http://127.0.0.1:8123")
    assert "http://127.0.0.1:8123/admin/" in banner and "http://127.0.0.1:8123/outbox/" in banner
    assert "8000" not in banner
