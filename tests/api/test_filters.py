"""`TeamFilterSet`: one validating form class per filter set class, and nothing shared between requests."""

from __future__ import annotations

import django_filters
import pytest
from django.http import QueryDict

from accounts.models import User
from core.api.filters import TeamFilterSet
from jobs.api.filters import JobFilter
from jobs.models import Job

pytestmark = pytest.mark.django_db


def test_the_form_class_is_built_once_and_each_request_gets_its_own_form() -> None:
    good = JobFilter(QueryDict("status=COMPLETED"), Job.objects.all())
    bad = JobFilter(QueryDict("status=NOPE&siteId=not-a-uuid"), Job.objects.all())
    assert type(good.form) is type(bad.form)
    assert good.form is not bad.form
    assert good.is_valid() and not good.form.errors
    assert not bad.is_valid() and set(bad.form.errors) == {"status", "siteId"}
    assert JobFilter(QueryDict("status=PENDING"), Job.objects.all()).is_valid()  # no errors carried over


def test_a_filter_set_choosing_querysets_per_request_gets_a_new_form_class_each_time() -> None:
    class ByEngineer(TeamFilterSet):
        engineer = django_filters.ModelChoiceFilter(queryset=lambda request: User.objects.all())

        class Meta:
            model = Job
            fields: list[str] = []

    first = ByEngineer(QueryDict(""), Job.objects.all()).form
    second = ByEngineer(QueryDict(""), Job.objects.all()).form
    assert type(first) is not type(second)
