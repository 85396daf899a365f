"""Tenancy is applied by the base viewset, once: a subclass cannot skip it, whatever its selector returns."""

from __future__ import annotations

from typing import Any, ClassVar

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.db.models import Q, QuerySet
from rest_framework.test import APIRequestFactory

from accounts.scopes import ALL_SCOPES
from core.api.authentication import APIPrincipal
from core.api.views import ListMixin, TeamScopedViewSet
from core.models import for_team, narrowed_to
from jobs.models import Job
from projects.models import Client
from tests.conftest import World
from tests.factories import ClientFactory

pytestmark = pytest.mark.django_db


class EveryTeamsClients(ListMixin, TeamScopedViewSet):
    """A careless subclass: its selector forgets the team altogether."""

    queryset = Client.objects.all()
    required_scopes: ClassVar[dict[str, str]] = {"list": "projects.read"}

    def base_queryset(self, team: Any) -> QuerySet[Client]:
        return Client.objects.all()


def view_for(world: World, viewset: type[TeamScopedViewSet], action: str = "list") -> TeamScopedViewSet:
    request = APIRequestFactory().get("/")
    request.user = APIPrincipal(team=world.a.team, scopes=frozenset(ALL_SCOPES), credential=None)  # type: ignore[assignment]
    view = viewset()
    view.request, view.action, view.kwargs, view.format_kwarg = request, action, {}, None
    return view


def test_a_selector_that_forgets_the_team_still_yields_only_the_callers_rows(world: World) -> None:
    ours, theirs = ClientFactory(team=world.a.team), ClientFactory(team=world.b.team)
    rows = set(view_for(world, EveryTeamsClients).get_queryset())
    assert ours in rows and theirs not in rows


def test_a_subclass_cannot_override_get_queryset() -> None:
    with pytest.raises(ImproperlyConfigured, match="base_queryset"):

        class Bypass(TeamScopedViewSet):
            queryset = Client.objects.all()

            def get_queryset(self) -> QuerySet[Client]:
                return Client.objects.all()


def test_every_team_scoped_viewset_of_the_api_keeps_the_base_get_queryset() -> None:
    from django.urls import get_resolver

    seen = set()
    stack = list(get_resolver().url_patterns)
    while stack:
        pattern = stack.pop()
        stack.extend(getattr(pattern, "url_patterns", []))
        cls = getattr(getattr(pattern, "callback", None), "cls", None)
        if cls is not None and issubclass(cls, TeamScopedViewSet):
            seen.add(cls)
            assert cls.get_queryset is TeamScopedViewSet.get_queryset, cls
    assert len(seen) >= 15, "the URL conf was read"


def test_the_team_condition_is_not_repeated_when_the_selector_already_has_it(world: World) -> None:
    team, other = world.a.team, world.b.team
    scoped = Job.objects.filter(team=team).values("id")
    assert for_team(scoped, team) is scoped
    assert str(for_team(Job.objects.values("id"), team).query).count('"team_id" =') == 1
    assert str(for_team(scoped, other).query).count('"team_id" =') == 2  # another team: narrowed again (no rows)


@pytest.mark.parametrize(
    "build",
    [
        lambda t: Job.objects.filter(Q(team=t) | Q(status="PENDING")),
        lambda t: Job.objects.filter(team=t) | Job.objects.all(),
        lambda t: Job.objects.exclude(team=t),
        lambda t: Job.objects.filter(job_type__team=t),
        lambda t: Job.objects.filter(team=t).union(Job.objects.all()),
    ],
    ids=["or", "combined", "negated", "other-table", "union"],
)
def test_only_a_top_level_team_condition_counts_as_narrowed(world: World, build: Any) -> None:
    assert not narrowed_to(build(world.a.team), world.a.team)
