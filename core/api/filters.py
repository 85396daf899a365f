"""Filter building blocks: millisecond timestamps, ids, and the team-scoped filter set."""

from __future__ import annotations

import datetime as dt
from typing import Any

import django_filters
from django import forms
from django.core.exceptions import ValidationError
from django.forms.utils import ErrorDict, ErrorList
from django_filters.filters import QuerySetRequestMixin
from django_filters.utils import translate_validation

MAX_MILLISECONDS = 253402300799999  # 9999-12-31T23:59:59.999Z, the last moment a date-time can hold


class MillisecondsField(forms.IntegerField):
    """A whole number of milliseconds since the Unix epoch, cleaned to the aware UTC date-time it names."""

    def clean(self, value: Any) -> dt.datetime | None:
        number = super().clean(value)
        if number is None:
            return None
        try:
            return dt.datetime.fromtimestamp(float(number) / 1000, tz=dt.UTC)
        except (OverflowError, OSError, ValueError):
            raise forms.ValidationError("Must be a Unix timestamp in milliseconds.") from None


class MillisecondsFilter(django_filters.NumberFilter):
    """A Unix timestamp in milliseconds (inclusive bound on a date-time field): a whole number ≥ 0.

    The form field turns it into the date-time, so the filter itself is a plain lookup on a value."""

    field_class = MillisecondsField

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("min_value", 0)
        kwargs.setdefault("max_value", MAX_MILLISECONDS)
        super().__init__(*args, **kwargs)


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
        _check_names(self.form, self.data, self.filters)  # cleaned once; the checks add to its errors
        return valid and not self.form.errors

    @classmethod
    def cleaned_params(cls, data: Any) -> dict[str, Any]:
        """The cleaned value of each filter `data` gives (a 400 for any bad one), as `is_valid` checks them.

        Without building the filter set (a deep copy of every filter per request): the form class
        cached by `get_form_class` validates `data` alone. Used by hot lists (`core.api.statements`).
        """
        form_class = _FORM_CLASSES.get(cls)
        if form_class is None or form_class.clean is not forms.Form.clean:  # the filter set's own way
            filterset = cls(data=data, queryset=cls._meta.model._default_manager.none())
            if not filterset.is_valid():
                raise translate_validation(filterset.errors)
            cleaned = filterset.form.cleaned_data
            return {name: cleaned[name] for name in data if name in cls.base_filters}
        # The form's fields clean the parameters given, as `Form.full_clean` would, but without making
        # the form (it deep-copies every field: ~0.2 ms for the jobs list's twelve). Parameters not given
        # are not cleaned: a filter set's fields are all optional, and `cleaned_params` returns only
        # those given. (A form with a `clean()` of its own goes the filter set's way, above.)
        fields = form_class.base_fields
        errors = ErrorDict()
        found: dict[str, Any] = {}
        for name in data:
            field = fields.get(name)
            if field is None:
                if name not in PAGINATION_PARAMS:
                    errors[name] = ErrorList(["Unknown query parameter."])
                continue
            raw = field.widget.value_from_datadict(data, {}, name)
            if raw == "":
                errors[name] = ErrorList(["Must not be empty."])
                continue
            try:
                found[name] = field.clean(raw)
            except ValidationError as exc:
                errors[name] = ErrorList(exc.error_list)
        if errors:
            raise translate_validation(errors)
        return found


def _check_names(form: forms.Form, data: Any, filters: Any) -> None:
    """Unknown parameters, and known ones present but empty (`?siteId=`), as errors of `form`."""
    errors = form.errors
    for name in data:
        if name not in filters and name not in PAGINATION_PARAMS:
            errors[name] = form.error_class(["Unknown query parameter."])
        elif name in filters and data.get(name) == "":
            errors[name] = form.error_class(["Must not be empty."])
