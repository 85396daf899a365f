"""Serializer building blocks shared by every app's API."""

from __future__ import annotations

import copy
from typing import Any

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers
from rest_framework.exceptions import NotFound

from accounts.models import APIKey, Membership, Team, User
from core.api.errors import camel
from core.models import for_team
from core.prepared import row_by_pk

# DRF coerces `0` into `false`, `12` into `"12"`, `12.5` into a Decimal; the schema promises JSON
# types, so a value of another type is a 400 on its field (money must arrive as an exact string).
_STRING_FIELDS = (
    serializers.CharField,
    serializers.DecimalField,
    serializers.UUIDField,
    serializers.DateField,
    serializers.DateTimeField,
    serializers.ChoiceField,
    serializers.RelatedField,
)


def json_type_of(field: serializers.Field[Any, Any, Any, Any]) -> tuple[type, ...] | None:
    """The JSON type(s) a request field must arrive as; None when the field checks for itself."""
    if isinstance(field, serializers.BooleanField):
        return (bool,)
    if isinstance(field, serializers.IntegerField):
        return (int,)
    if isinstance(field, serializers.FloatField):
        return (int, float)
    if isinstance(field, _STRING_FIELDS):
        return (str,)
    if isinstance(field, serializers.ListField | serializers.ListSerializer | serializers.ManyRelatedField):
        return (list,)
    if isinstance(field, serializers.Serializer):
        return (dict,)
    return None


_TYPE_NAMES = {bool: "a boolean", int: "an integer", float: "a number", str: "a string", list: "an array",
               dict: "an object"}  # fmt: skip


def json_type_error(value: Any, expected: tuple[type, ...] | None) -> str | None:
    if expected is None or value is None:  # null is for allow_null to decide
        return None
    if isinstance(value, expected) and not (isinstance(value, bool) and bool not in expected):
        return None
    return f"Must be {_TYPE_NAMES[expected[-1]]}."


INT_MAX = 2**31 - 1  # PostgreSQL's `integer`


def may_be_blank(field: serializers.Field[Any, Any, Any, Any]) -> bool:
    """A text field a request may leave empty: `""`, `null` or left out all mean "no value"."""
    return isinstance(field, serializers.CharField) and field.allow_blank and not field.read_only


class InputSerializer(serializers.Serializer[Any]):
    """A request body: unknown fields are refused (400 naming each), as Stripe does, and every value
    must have the JSON type the schema documents.

    A text field that may be empty (`allow_blank`) takes `null` too ("no value" is `null`, the
    contract's rule), stored as `""` as before: services and models see one empty value.
    """

    def to_internal_value(self, data: Any) -> Any:
        if isinstance(data, dict):
            fields = self.fields
            data = {name: "" if value is None and name in fields and may_be_blank(fields[name]) else value
                    for name, value in data.items()}  # fmt: skip
            writable = {name: field for name, field in self.fields.items() if not field.read_only}
            errors: dict[str, Any] = {name: ["Unknown field."] for name in sorted(set(data) - set(writable))}
            for name, field in writable.items():
                if name not in data:
                    continue
                value = data[name]
                if message := json_type_error(value, json_type_of(field)):
                    errors[name] = [message]
                elif isinstance(field, serializers.ListField) and isinstance(value, list):
                    child = json_type_of(field.child)
                    items = {i: [m] for i, item in enumerate(value) if (m := json_type_error(item, child))}
                    if items:
                        errors[name] = items
            if errors:  # report the other fields' issues too, all at once
                rest = {name: value for name, value in data.items() if name in writable and name not in errors}
                try:
                    super().to_internal_value(rest)
                except serializers.ValidationError as exc:
                    if isinstance(exc.detail, dict):
                        for name, detail in exc.detail.items():
                            errors.setdefault(name, detail)
                raise serializers.ValidationError(errors)
        return super().to_internal_value(data)

    def get_fields(self) -> dict[str, serializers.Field[Any, Any, Any, Any]]:
        """Every integer is bounded (PostgreSQL's `integer` unless the field says otherwise), so an
        oversized number is a 400 on its path, never a database error, and the schema says so.

        The declared fields are copied from their constructors' arguments (`_copy_of`), not deep-copied
        arguments and all as DRF does for every instance (~0.3 ms of a job's create)."""
        fields = {name: _copy_of(field) for name, field in self._declared_fields.items()}
        for field in fields.values():
            if may_be_blank(field):
                field.allow_null = True  # published as nullable; `to_internal_value` turns null into ""
            if isinstance(field, serializers.IntegerField):
                if field.max_value is None:
                    field.max_value = INT_MAX
                    message = field.error_messages["max_value"].format(max_value=INT_MAX)
                    field.validators.append(MaxValueValidator(INT_MAX, message=message))
                if field.min_value is None:
                    field.min_value = -INT_MAX - 1
                    message = field.error_messages["min_value"].format(min_value=-INT_MAX - 1)
                    field.validators.append(MinValueValidator(-INT_MAX - 1, message=message))
        return fields

    def run_validation(self, data: Any = serializers.empty) -> Any:
        value = super().run_validation(data)
        not_found = getattr(self, "not_found", None)
        if self.parent is None and not_found:  # the body is valid but names an object not in the team
            raise NotFound(not_found[0])
        return value


class QueryParamsSerializer(serializers.Serializer[Any]):
    """Query parameters of a plain GET view: unknown or empty parameters are 400s on their name."""

    def to_internal_value(self, data: Any) -> Any:
        errors = {}
        for name in data:
            if name not in self.fields:
                errors[name] = ["Unknown query parameter."]
            elif data.get(name) == "":
                errors[name] = ["Must not be empty."]
        if errors:
            raise serializers.ValidationError(errors)
        return super().to_internal_value(data)


class TeamPrimaryKeyField(serializers.PrimaryKeyRelatedField[Any]):
    """An id in a request body that must name a row of the caller's team (anything else is a 400).

    The one way a body id is resolved: the row comes from `rows(team)` (the model's rows unless a
    subclass narrows them), narrowed to the caller's team by `core.models.for_team`, as a path id is
    by the base viewset. Subclasses change what an unknown id answers (`TeamObjectField`: 404) or
    which rows count (`TeamMemberField`: active members).
    """

    default_error_messages = {
        "does_not_exist": "No such object in your team.",
        "incorrect_type": "Must be a UUID.",
    }

    def __init__(self, model: type[models.Model], **kwargs: Any) -> None:
        self.model = model
        kwargs.setdefault("pk_field", serializers.UUIDField())
        super().__init__(**kwargs)

    def rows(self, team: Team) -> models.QuerySet[Any]:
        """The rows an id may name, before team scoping."""
        return self.model._default_manager.all()

    def get_queryset(self) -> models.QuerySet[Any]:
        return self.team_rows(self.context["team"])

    def team_rows(self, team: Team) -> models.QuerySet[Any]:
        return for_team(self.rows(team), team)

    def to_internal_value(self, data: Any) -> Any:
        if isinstance(data, bool):
            self.fail("incorrect_type", data_type=type(data).__name__)
        pk = self.pk_field.to_internal_value(data)  # type: ignore[union-attr]
        if self.lookup == "pk":
            # `rows(team)` depends on the team alone: its statement is compiled once per field class and
            # model, the team and the key bound after (core.prepared), as a path id's `get_object`.
            shape = f"field.{type(self).__module__}.{type(self).__qualname__}.{self.model._meta.label}"
            found = row_by_pk(shape, self.team_rows, pk, team=self.context["team"])
        else:
            found = self.get_queryset().filter(**{self.lookup: pk}).first()
        if found is None:
            return self.missing(pk)
        return found

    lookup = "pk"

    def missing(self, pk: Any) -> Any:
        self.fail("does_not_exist", pk_value=pk)


class TeamObjectField(TeamPrimaryKeyField):
    """An id in the body that names the object an action works on: unknown is a 404, as in a path.

    The 404 waits until the rest of the body is valid, so a bad field elsewhere is still its 400.
    """

    def missing(self, pk: Any) -> Any:
        root = self.root
        if not hasattr(root, "not_found"):
            root.not_found = []  # type: ignore[attr-defined]
        label = self.model._meta.verbose_name
        root.not_found.append(f"No {label} with this {camel(self.field_name or '')} in your team.")  # type: ignore[attr-defined]
        return None


class TeamMemberField(TeamPrimaryKeyField):
    """A user id in the body that must be an active member of the caller's team (else a 400); gives the User."""

    default_error_messages = {**TeamPrimaryKeyField.default_error_messages,
                              "does_not_exist": "No active member of your team has this id."}  # fmt: skip
    lookup = "user_id"

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(Membership, **kwargs)

    def rows(self, team: Team) -> models.QuerySet[Any]:
        return Membership.objects.filter(is_active=True, user__is_active=True).select_related("user")

    def to_internal_value(self, data: Any) -> Any:
        return super().to_internal_value(data).user


class FieldsBuiltOnce:
    """For an output `ModelSerializer`: its fields are built from the model once per class and copied
    for each use (as DRF copies declared fields), instead of introspecting the model for every object:
    for a one-object answer (a write's event and answer) building the fields cost more than showing them.

    Only for serializers whose fields depend on the class alone (not on the context or the instance)
    and are made by their constructors (a copy is made from the constructor's arguments).
    """

    def get_fields(self) -> dict[str, Any]:
        cls = type(self)
        built: dict[str, Any] | None = cls.__dict__.get("_fields_built_once")
        if built is None:
            built = super().get_fields()  # type: ignore[misc]
            cls._fields_built_once = built  # type: ignore[attr-defined]
        return {name: _copy_of(field) for name, field in built.items()}


def _copy_of(field: Any) -> Any:
    """A fresh, unbound copy of `field`: made from its constructor's arguments again, as DRF's deep copy
    makes it, without copying arguments no field changes (a leaf's names, flags and choices); a nested
    serializer, or a field given another (a `ListField`'s `child`), is deep-copied, its own fields and
    child with it: a child bound to one parent at a time, never shared between requests."""
    arguments = (*field._args, *field._kwargs.values())
    if isinstance(field, serializers.BaseSerializer) or any(isinstance(a, serializers.Field) for a in arguments):
        return copy.deepcopy(field)  # its own child (a list's items), never one shared with another copy
    return type(field)(*field._args, **field._kwargs)


class ActorSerializer(serializers.Serializer[Any]):
    """Who did something: `{type: user|apiKey|system, id, name}`."""

    type = serializers.ChoiceField(choices=["user", "apiKey", "system"])
    id = serializers.UUIDField(allow_null=True)
    name = serializers.CharField()


def actor_data(user: User | None, api_key: APIKey | None) -> dict[str, Any]:
    if api_key is not None:
        return {"type": "apiKey", "id": api_key.pk, "name": api_key.name}
    if user is not None:
        return {"type": "user", "id": user.pk, "name": user.full_name or user.email}
    return {"type": "system", "id": None, "name": "system"}


class OptionalEmailField(serializers.EmailField):
    """An email address on output: null when none is on file ("no value" is null; `""` is not an email)."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(allow_null=True, read_only=True, **kwargs)

    def to_representation(self, value: str) -> str | None:  # type: ignore[override]
        return value or None


class ClientBriefSerializer(serializers.Serializer[Any]):
    """A client as other records (a site, a project, a job) embed it."""

    id = serializers.UUIDField()
    name = serializers.CharField()


class SiteBriefSerializer(serializers.Serializer[Any]):
    """A site as other records (a project, a job) embed it."""

    id = serializers.UUIDField()
    name = serializers.CharField()


class UserSummarySerializer(serializers.Serializer[Any]):
    id = serializers.UUIDField()
    name = serializers.SerializerMethodField()
    email = serializers.EmailField()

    def get_name(self, user: User) -> str:
        return user.full_name or user.email


@extend_schema_field({"type": "object", "additionalProperties": True})
class JSONObjectField(serializers.JSONField):
    """A free-form JSON object (payloads, results, attributes); its keys are kept exactly as sent."""

    default_error_messages = {"not_object": "Must be a JSON object."}

    def to_internal_value(self, data: Any) -> Any:
        value = super().to_internal_value(data)
        if not isinstance(value, dict):
            self.fail("not_object")
        return value
