"""Admin personas: a staff owner of team alpha, one of team bravo, and a superuser."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from accounts.models import User
from tests.conftest import World
from tests.factories import UserFactory


def staff_client(user: User) -> Client:
    user.is_staff = True
    user.save(update_fields=["is_staff"])
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def staff_a(world: World) -> Client:
    """The owner of team alpha, allowed into the admin."""
    return staff_client(world.a.owner)


@pytest.fixture
def staff_b(world: World) -> Client:
    return staff_client(world.b.owner)


@pytest.fixture
def superuser(db: Any) -> Client:
    user = UserFactory(email="root@example.com", is_staff=True, is_superuser=True)
    client = Client()
    client.force_login(user)
    return client
