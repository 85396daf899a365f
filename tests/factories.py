"""factory-boy factories for the shared models. Apps add theirs in tests/<app>/factories.py."""

from __future__ import annotations

from typing import Any

import factory

from accounts.models import APIKey, Membership, Role, Team, User
from assets.models import Asset
from jobs.models import Job, JobType
from projects.models import Client, Project, Site


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"person{n}@example.com")
    full_name = factory.Faker("name")
    password = factory.PostGenerationMethodCall("set_password", "correct-horse-battery")

    @factory.post_generation
    def _save(obj: Any, create: bool, extracted: Any, **kwargs: Any) -> None:  # noqa: N805
        if create:
            obj.save()


class TeamFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Team

    slug = factory.Sequence(lambda n: f"team-{n}")
    name = factory.Sequence(lambda n: f"Team {n}")


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Membership

    team = factory.SubFactory(TeamFactory)
    user = factory.SubFactory(UserFactory)
    role = Role.ENGINEER


class APIKeyFactory(factory.django.DjangoModelFactory):
    """Builds a key; the plaintext is on `key.token` (for tests only — it is never stored)."""

    class Meta:
        model = APIKey
        skip_postgeneration_save = True

    team = factory.SubFactory(TeamFactory)
    name = factory.Sequence(lambda n: f"key {n}")
    scopes = factory.LazyFunction(lambda: ["jobs.read"])

    @factory.post_generation
    def _token(obj: Any, create: bool, extracted: Any, **kwargs: Any) -> None:  # noqa: N805
        obj.token = obj.set_new_token()
        if create:
            obj.save()


class ClientFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Client

    team = factory.SubFactory(TeamFactory)
    # Client names are unique per team (ignoring case): a sequence, not Faker, which repeats.
    name = factory.Sequence(lambda n: f"Client {n}")
    email = factory.Sequence(lambda n: f"client{n}@example.com")


class SiteFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Site

    team = factory.SubFactory(TeamFactory)
    client = factory.SubFactory(ClientFactory, team=factory.SelfAttribute("..team"))
    name = factory.Sequence(lambda n: f"Site {n}")
    postcode = "BS1 4DJ"


class ProjectFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Project

    team = factory.SubFactory(TeamFactory)
    client = factory.SubFactory(ClientFactory, team=factory.SelfAttribute("..team"))
    name = factory.Sequence(lambda n: f"Project {n}")


class AssetFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Asset

    team = factory.SubFactory(TeamFactory)
    site = factory.SubFactory(SiteFactory, team=factory.SelfAttribute("..team"))
    name = factory.Sequence(lambda n: f"Boiler {n}")
    asset_type = "Boiler"
    serial_number = factory.Sequence(lambda n: f"SN-{n:06d}")


class JobTypeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = JobType

    team = factory.SubFactory(TeamFactory)
    key = factory.Sequence(lambda n: f"job-type-{n}")
    name = factory.Sequence(lambda n: f"Job type {n}")


class JobFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Job

    team = factory.SubFactory(TeamFactory)
    job_type = factory.SubFactory(JobTypeFactory, team=factory.SelfAttribute("..team"))
    payload = factory.LazyFunction(dict)
