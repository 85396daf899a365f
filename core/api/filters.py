"""Filter building blocks: millisecond timestamps, ids, and the team-scoped filter set."""

from __future__ import annotations

import datetime as dt
from typing import Any

import django_filters
from django import forms
from django.db.models import QuerySet
from django_filters.filters import QuerySetRequestMixin

from core.api.errors import bad_request

MAX_MILLISECONDS = 253402300799999  # 9999-12-31T23:59:59.999Z, the last moment a date-time can hold


class MillisecondsFilter(django_filters.NumberFilter):
    """A Unix timestamp in milliseconds (inclusive bound on a date-time field): a whole number ≥ 0."""

    field_class = forms.IntegerField

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("min_value", 0)
        kwargs.setdefault("max_value", MAX_MILLISECONDS)
        super().__init__(*args, **kwargs)

    def filter(self, qs: QuerySet[Any], value: Any) -> QuerySet[Any]:
        if value in (None, ""):
            return qs
        try:
            moment = dt.datetime.fromtimestamp(float(value) / 1000, tz=dt.UTC)
        except (OverflowError, OSError, ValueError):
            raise bad_request(self.field_name_for_errors, "Must be a Unix timestamp in milliseconds.") from None
        return super().filter(qs, moment)

    @property
    def field_name_for_errors(self) -> str:
        return self.label or self.field_name


PAGINATION_PARAMS = frozenset({"limit", "lastEvaluatedKey", "sortBy", "sortOrder"})


# Validating form classes, built once per filter set class (see `TeamFilterSet.get_form_class`).
_FORM_CLASSES: dict[type[django_filters.FilterSet], type[forms.Form]] = {}


class TeamFilterSet(django_filters.FilterSet):
    """List filters. Unknown enum values and malformed ids are 400s on the parameter, and so are a
    parameter that is present but empty (`?siteId=`) and a parameter the list does not know
    (a typo silently ignored would return the wrong rows)."""

    def get_form_class(self) -> type[forms.Form]:
        """django-filter builds a new form class, with a new field per filter, on every request
        (~0.17 ms for the jobs list). Unless a filter picks its choices per request (a queryset
        filter), the class is the same every time: build it once per filter set class."""
        form_class = _FORM_CLASSES.get(type(self))
        if form_class is None:
            form_class = super().get_form_class()
            if not any(isinstance(filter_, QuerySetRequestMixin) for filter_ in self.filters.values()):
                _FORM_CLASSES[type(self)] = form_class
        return form_class

    def is_valid(self) -> bool:
        valid: bool = super().is_valid()
        errors = self.form.errors  # cleaned once; the checks below add to it
        for name in self.data:
            if name not in self.filters and name not in PAGINATION_PARAMS:
                errors[name] = self.form.error_class(["Unknown query parameter."])
            elif name in self.filters and self.data.get(name) == "":
                errors[name] = self.form.error_class(["Must not be empty."])
        return valid and not errors
