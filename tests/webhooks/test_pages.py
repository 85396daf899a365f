"""Settings > Developer > Webhooks and the admin, at the view level: roles, tenancy, secret shown once."""

from __future__ import annotations

import re

import pytest
from django.test import Client

from tests.admin.conftest import staff_client
from tests.conftest import World
from tests.webhooks.factories import make_delivery, make_endpoint, run_worker
from webhooks.models import DeliveryStatus, WebhookDelivery, WebhookEndpoint

pytestmark = pytest.mark.django_db

URL = "/settings/developer/webhooks/"
SECRET = re.compile(r"whsec_[A-Za-z0-9_\-]{30,}")


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_owner_creates_an_endpoint_and_sees_the_secret_once(world: World, receiver) -> None:
    client = signed_in(world.a.owner)
    response = client.post(URL, {"url": receiver.url, "description": "ERP", "enabled_events": ["job.completed"]})
    endpoint = WebhookEndpoint.objects.get()
    assert response.status_code == 302 and response["Location"].startswith(f"{URL}{endpoint.pk}/")
    page = client.get(response["Location"]).content.decode()
    secret = SECRET.search(page).group(0)
    assert secret.endswith(endpoint.secret_last4) and "shown only once" in page
    assert SECRET.search(client.get(f"{URL}{endpoint.pk}/").content.decode()) is None  # never again

    assert client.post(f"{URL}{endpoint.pk}/test/").status_code == 302
    run_worker()
    page = client.get(f"{URL}{endpoint.pk}/").content.decode()
    assert 'data-event-type="ping"' in page and "Succeeded" in page and "HTTP 200" in page
    assert len(receiver.requests) == 1


def test_refused_urls_show_on_the_form(world: World) -> None:
    client = signed_in(world.a.owner)
    response = client.post(URL, {"url": "https://10.0.0.1/hook", "enabled_events": ["*"]})
    assert response.status_code == 200 and "non-public address" in response.content.decode()
    assert not WebhookEndpoint.objects.exists()


def test_dispatcher_cannot_see_or_change_webhooks(world: World) -> None:
    endpoint = make_endpoint(world.a)
    client = signed_in(world.a.dispatcher)
    assert client.get(URL).status_code == 403
    assert client.post(URL, {"url": "https://hooks.example.com/x", "enabled_events": ["*"]}).status_code == 403
    assert client.post(f"{URL}{endpoint.pk}/delete/").status_code == 403
    assert WebhookEndpoint.objects.count() == 1


def test_other_teams_endpoints_are_not_found(world: World) -> None:
    theirs = make_endpoint(world.b)
    delivery = make_delivery(world.b, endpoint=theirs)
    client = signed_in(world.a.owner)
    assert client.get(f"{URL}{theirs.pk}/").status_code == 404
    assert client.post(f"{URL}{theirs.pk}/delete/").status_code == 404
    assert client.post(f"{URL}deliveries/{delivery.pk}/redeliver/").status_code == 404
    assert WebhookEndpoint.objects.filter(pk=theirs.pk).exists()


def test_rotate_disable_enable_redeliver_delete(world: World) -> None:
    endpoint = make_endpoint(world.a)
    delivery = make_delivery(world.a, endpoint=endpoint, status=DeliveryStatus.FAILED)
    client = signed_in(world.a.owner)
    rotated = client.post(f"{URL}{endpoint.pk}/rotate/", follow=True).content.decode()
    assert SECRET.search(rotated).group(0) != endpoint.plain_secret and "24 hours" in rotated
    client.post(f"{URL}{endpoint.pk}/disable/")
    assert not WebhookEndpoint.objects.get(pk=endpoint.pk).active
    client.post(f"{URL}{endpoint.pk}/enable/")
    assert WebhookEndpoint.objects.get(pk=endpoint.pk).active
    client.post(f"{URL}deliveries/{delivery.pk}/redeliver/")
    assert WebhookDelivery.objects.filter(redelivery_of=delivery).count() == 1
    assert client.post(f"{URL}{endpoint.pk}/delete/")["Location"] == URL
    assert not WebhookEndpoint.objects.exists()


def test_admin_creates_through_the_service_and_is_team_scoped(world: World) -> None:
    theirs = make_endpoint(world.b)
    client = staff_client(world.a.owner)
    response = client.post(
        "/admin/webhooks/webhookendpoint/add/",
        {
            "team": str(world.a.team.pk),
            "url": "https://hooks.example.com/admin",
            "description": "",
            "enabled_events": ["job.created", "job.completed"],
            "active": "on",
        },
        follow=True,
    )
    assert response.status_code == 200
    endpoint = WebhookEndpoint.objects.get(team=world.a.team)
    assert endpoint.enabled_events == ["job.completed", "job.created"] and endpoint.secret_encrypted
    assert SECRET.search(response.content.decode())  # shown once, as a message
    assert client.get(f"/admin/webhooks/webhookendpoint/{theirs.pk}/change/").status_code == 404
    refused = client.post(
        "/admin/webhooks/webhookendpoint/add/",
        {"team": str(world.a.team.pk), "url": "https://192.168.1.1/", "enabled_events": ["*"], "active": "on"},
    )
    assert refused.status_code == 200 and "non-public address" in refused.content.decode()
    delivery = make_delivery(world.a, endpoint=endpoint, status=DeliveryStatus.FAILED)
    listing = client.get("/admin/webhooks/webhookdelivery/").content.decode()
    assert delivery.event_id in listing
    client.post("/admin/webhooks/webhookdelivery/", {"action": "redeliver_selected", "_selected_action": [delivery.pk]})
    assert WebhookDelivery.objects.filter(redelivery_of=delivery).count() == 1
