"""Sign-in is rate-limited, and unknown emails look exactly like wrong passwords."""

from __future__ import annotations

from django.test import Client

from tests.conftest import World

WRONG = "not-the-password"


def sign_in(client: Client, email: str, password: str) -> str:
    response = client.post("/accounts/login/", {"username": email, "password": password})
    return response.content.decode() if response.status_code == 200 else f"redirect {response.status_code}"


def test_five_failures_lock_the_account_for_the_window(world: World) -> None:
    client = Client()
    email = world.a.owner.email
    for _ in range(5):
        assert "Too many" not in sign_in(client, email, WRONG)
    page = sign_in(client, email, "correct-horse-battery")
    assert "Too many failed sign-in attempts" in page, "even the right password is refused while locked"
    assert "Too many" in sign_in(Client(), email, "correct-horse-battery"), "a new session does not reset it"
    assert sign_in(Client(), world.b.owner.email, "correct-horse-battery").startswith("redirect"), "others unaffected"


def test_unknown_email_and_wrong_password_read_the_same(world: World) -> None:
    unknown = sign_in(Client(), "nobody@example.com", WRONG)
    wrong = sign_in(Client(), world.a.owner.email, WRONG)
    marker = "Please enter a correct"
    assert marker in unknown and marker in wrong


def test_pages_carry_a_content_security_policy(world: World) -> None:
    page = Client().get("/accounts/login/")
    policy = page.headers["Content-Security-Policy"]
    assert "default-src 'self'" in policy and "frame-ancestors 'none'" in policy
    assert "Content-Security-Policy" not in Client().get("/v1/openapi.json").headers
