"""Settings > Developer > Webhooks in a real browser: create an endpoint, see its secret once, send a
test ping, see the delivery (here, beside the other browser tests, for the browser fixtures)."""

from __future__ import annotations

import re

import pytest

from tests.webhooks.conftest import Receiver
from tests.webhooks.factories import run_worker
from webhooks.models import WebhookEndpoint
from webhooks.signing import verify_signature

pytestmark = pytest.mark.django_db(transaction=True)

PASSWORD = "correct-horse-battery"


@pytest.fixture
def receiver(settings):
    settings.WEBHOOKS_ALLOW_LOOPBACK = True  # the receiver listens on 127.0.0.1
    with Receiver() as running:
        yield running


def test_webhook_endpoint_lifecycle(page, world, receiver, artifacts):
    page.goto("/settings/developer/")
    page.get_by_label("Email").fill(world.a.owner.email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.get_by_role("navigation", name="Settings").get_by_role("link", name="Webhooks").click()
    page.get_by_role("heading", name="Webhooks", exact=True).wait_for()
    assert "No webhook endpoints yet" in page.content()

    page.get_by_label("Endpoint URL").fill(receiver.url)
    page.get_by_label("Description").fill("Warehouse ERP")
    page.get_by_role("button", name="Add endpoint").click()

    secret_box = page.get_by_role("textbox", name="Signing secret")
    secret_box.wait_for()
    secret = secret_box.input_value()
    assert re.fullmatch(r"whsec_[A-Za-z0-9_\-]{30,}", secret)
    assert "shown only once" in page.content()
    page.screenshot(path=str(artifacts / "settings-webhooks-new-secret.png"), full_page=True)

    page.get_by_role("button", name="Send test ping").click()
    page.get_by_text("A ping event is on its way").wait_for()
    assert secret not in page.content()  # the secret is gone after one view

    run_worker()
    page.reload()
    row = page.locator('tr[data-event-type="ping"]')
    row.wait_for()
    assert "Succeeded" in row.inner_text() and "HTTP 200" in row.inner_text()
    page.screenshot(path=str(artifacts / "settings-webhooks-delivery.png"), full_page=True)

    assert len(receiver.requests) == 1
    sent = receiver.requests[0]
    assert verify_signature(sent.body, sent.headers["SE-Signature"], secret)
    assert WebhookEndpoint.objects.get().description == "Warehouse ERP"
