"""What the security tests iterate over, read from the URL conf and the serializers — never hand-listed.

- `endpoints()`: every /v1 operation (method, path template, view class, action) that drf-spectacular
  enumerates from the URL conf, with its request serializer (the `request=` of `extend_schema`).
- `id_fields(serializer)`: every field of a request body that names a row: `TeamPrimaryKeyField`s
  (also in lists and nested serializers) and plain UUID fields called `…_id` / lists called `…_ids`.
- `model_for_segment` / `model_for_name`: which model a path segment (`job-types`) or an id field
  (`engineer_id`) refers to, by name.
- `TeamRows`: one row of each model for a team, from the demo seeders, so every model has data.
- `database_state()`: a fingerprint of every domain table, to prove a refused request changed nothing.
"""

from __future__ import annotations

import datetime as dt
import functools
import io
import itertools
import json
import random
import re
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.apps import apps
from django.db import connection, models
from drf_spectacular.generators import EndpointEnumerator, SchemaGenerator
from rest_framework import serializers

from accounts.models import Membership, Team
from core.api.serializers import InputSerializer, JSONObjectField, TeamPrimaryKeyField
from core.demo import DemoContext, seed_team

DOMAIN_APPS = ("accounts", "projects", "assets", "jobs", "flows", "invoicing", "webhooks", "core", "django_tasks_db")
# Columns a request may legitimately touch without changing anything a client owns.
VOLATILE = {("accounts", "apikey"): {"last_used_at"}, ("accounts", "oauthtoken"): {"last_used_at"}}
SKIPPED_MODELS = {("core", "idempotencyrecord")}
PARAM = re.compile(r"\{(\w+)\}")
DESTRUCTIVE_ACTIONS = {"delete_endpoint", "destroy", "archive", "cancel", "void", "delete"}
PEOPLE_NAMES = {"engineer", "user", "assignee", "assigned_to", "created_by"}


@dataclass(frozen=True)
class Endpoint:
    method: str
    path: str
    view: type[Any]
    action: str | None
    request_serializer: serializers.Serializer[Any] | None

    @property
    def params(self) -> list[str]:
        return PARAM.findall(self.path)

    def __str__(self) -> str:
        return f"{self.method} {self.path}"


@functools.cache
def endpoints() -> tuple[Endpoint, ...]:
    """Every /v1 operation the URL conf serves, except the schema documents themselves."""
    generator = SchemaGenerator()
    found = []
    for path, _regex, method, callback in EndpointEnumerator().get_api_endpoints():
        if path in ("/v1/openapi.json", "/v1/docs"):
            continue
        view = generator.create_view(callback, method)
        request_serializer = None
        if method == "POST":
            candidate = view.schema.get_request_serializer()
            if isinstance(candidate, type) and issubclass(candidate, serializers.BaseSerializer):
                candidate = candidate(context={})
            request_serializer = candidate
        actions = getattr(callback, "actions", None) or {}
        found.append(Endpoint(method, path, callback.cls, actions.get(method.lower()), request_serializer))
    return tuple(found)


def post_endpoints() -> list[Endpoint]:
    return [endpoint for endpoint in endpoints() if endpoint.method == "POST"]


# Models by name ----------------------------------------------------------------------------------
def _api_models() -> list[type[models.Model]]:
    return [model for model in apps.get_models() if model._meta.app_label in DOMAIN_APPS]


def model_for_name(name: str, context: str = "") -> type[models.Model] | None:
    """`job_type` → JobType, `group` → FlowGroup, `history` → HistoricalAsset; None if unknown.

    An ambiguous name (`template`) is read in its `context` (`project` → ProjectTemplate).
    """
    if context:
        found = model_for_name(context + name)
        if found is not None:
            return found
    compact = name.replace("_", "").replace("-", "").lower()
    candidates = _api_models()
    for match in (
        lambda model_name: model_name == compact,
        lambda model_name: model_name.endswith(compact),
        lambda model_name: model_name.startswith(compact[:6]) and len(compact) >= 6,
    ):
        hits = [model for model in candidates if match(model._meta.model_name)]
        if len(hits) == 1:
            return hits[0]
    return None


def model_for_segment(segment: str) -> type[models.Model] | None:
    """A collection's URL segment (`job-types`, `flow-templates`, `invoices`) → its model."""
    singular = re.sub(r"ies$", "y", segment) if segment.endswith("ies") else segment.removesuffix("s")
    return model_for_name(singular)


def collection_model(path: str) -> type[models.Model] | None:
    """The model of the collection at `path` (`/v1/job-types`): what its list or detail route's view serves."""
    for endpoint in endpoints():
        if endpoint.path == path or PARAM.sub("{}", endpoint.path) == PARAM.sub("{}", path) + "/{}":
            queryset = getattr(endpoint.view, "queryset", None)
            if queryset is not None:
                return queryset.model
    return None


def path_param_models(endpoint: Endpoint) -> dict[str, type[models.Model]]:
    """Which model each `{param}` of the path names: the model of the collection the param follows."""
    found: dict[str, type[models.Model]] = {}
    segments = endpoint.path.split("/")
    for index, segment in enumerate(segments):
        match = PARAM.fullmatch(segment)
        if not match:
            continue
        param = match.group(1)
        prefix = "/".join(segments[:index])
        model = collection_model(prefix) or model_for_segment(segments[index - 1])
        assert model is not None, f"{endpoint}: cannot tell which model {{{param}}} names"
        found[param] = model
    return found


# Request bodies ----------------------------------------------------------------------------------
@dataclass(frozen=True)
class IdField:
    """An id in a request body: the attribute path (snake_case) and the model it must belong to."""

    path: tuple[str | int, ...]
    model: type[models.Model] | None
    many: bool

    @property
    def api_path(self) -> str:
        from core.api.errors import camel

        return ".".join(camel(str(part)) for part in self.path)


def _fields(serializer: Any) -> dict[str, serializers.Field[Any, Any, Any, Any]]:
    if isinstance(serializer, serializers.ListSerializer):
        serializer = serializer.child
    return dict(serializer.fields.items())


def id_fields(serializer: Any, prefix: tuple[str | int, ...] = ()) -> list[IdField]:
    """Every field of a request body (nested too) that names a row by id."""
    found: list[IdField] = []
    for name, body_field in _fields(serializer).items():
        if body_field.read_only:
            continue
        path = (*prefix, name)
        if isinstance(body_field, TeamPrimaryKeyField):
            found.append(IdField(path, body_field.model, many=False))
        elif isinstance(body_field, serializers.ManyRelatedField) and isinstance(
            body_field.child_relation, TeamPrimaryKeyField
        ):
            found.append(IdField(path, body_field.child_relation.model, many=True))
        elif isinstance(body_field, serializers.UUIDField) and name.endswith("_id"):
            found.append(IdField(path, _model_or_person(name.removesuffix("_id")), many=False))
        elif isinstance(body_field, serializers.ListField) and isinstance(body_field.child, serializers.UUIDField):
            if name.endswith("_ids"):
                found.append(IdField(path, _model_or_person(name.removesuffix("_ids")), many=True))
        elif isinstance(body_field, serializers.ListSerializer | serializers.ListField):
            child = body_field.child
            if isinstance(child, serializers.BaseSerializer):
                found.extend(id_fields(child, (*path, 0)))
        elif isinstance(body_field, serializers.BaseSerializer):
            found.extend(id_fields(body_field, path))
    return found


def _model_or_person(name: str) -> type[models.Model] | None:
    if name in PEOPLE_NAMES:
        return Membership  # a person is "in the team" through their membership
    return model_for_name(name)


def nested_serializers(serializer: Any) -> list[Any]:
    """The serializer and every serializer nested in it (in lists too)."""
    found = [serializer.child if isinstance(serializer, serializers.ListSerializer) else serializer]
    for body_field in _fields(serializer).values():
        child = getattr(body_field, "child", None)
        if isinstance(body_field, serializers.BaseSerializer):
            found.extend(nested_serializers(body_field))
        elif isinstance(child, serializers.BaseSerializer):
            found.extend(nested_serializers(child))
    return found


def writable_names(serializer: Any) -> set[str]:
    return {name for name, body_field in _fields(serializer).items() if not body_field.read_only}


def is_input_serializer(serializer: Any) -> bool:
    inner = serializer.child if isinstance(serializer, serializers.ListSerializer) else serializer
    return isinstance(inner, InputSerializer)


# One row of each model per team -------------------------------------------------------------------
@dataclass
class TeamRows:
    """A seeded team and a way to pick one of its rows for any model (or person)."""

    team: Team
    token: str
    chosen: dict[type[models.Model], Any] = field(default_factory=dict)

    def of(self, model: type[models.Model], **related: Any) -> Any:
        """A row of `model` in this team; `related` narrows it (e.g. `job_type=` for a nested route)."""
        if model is Membership:
            membership = Membership.objects.filter(team=self.team, is_active=True, role="engineer").first()
            assert membership is not None
            return membership.user
        queryset = model._default_manager.filter(team=self.team, **related)
        row = queryset.order_by("pk").first()
        if row is None and not related:
            row = self.create_through_api(model) or self.create_through_parent_actions(model)
        assert row is not None, f"neither the demo nor the API makes a {model.__name__}; the tenancy tests need one"
        return row

    def create_through_api(self, model: type[models.Model]) -> Any:
        """A model the demo does not seed: create one with its collection's `POST` (e.g. `POST /v1/webhooks`)."""
        from tests.conftest import Api

        for endpoint in post_endpoints():
            queryset = getattr(endpoint.view, "queryset", None)
            if endpoint.params or endpoint.action != "create" or queryset is None or queryset.model is not model:
                continue
            response = Api(self.token).post(endpoint.path, camelize(example_body(endpoint.request_serializer, self)))
            assert response.status_code == 201, f"{endpoint} with an example body: {response}"
            return model._default_manager.get(pk=response.data["id"])
        return None

    def create_through_parent_actions(self, model: type[models.Model]) -> Any:
        """A row only actions make (a webhook delivery): try each `POST /parents/{id}/<action>` of its parent."""
        from tests.conftest import Api

        parents = {f.related_model for f in model._meta.concrete_fields if f.is_relation} - {Team}
        for endpoint in post_endpoints():
            queryset = getattr(endpoint.view, "queryset", None)
            if queryset is None or queryset.model not in parents or endpoint.params != ["id"]:
                continue
            if endpoint.action in DESTRUCTIVE_ACTIONS or not endpoint.path.endswith(
                "}/" + endpoint.path.rsplit("/", 1)[-1]
            ):
                continue
            parent = self.of(queryset.model)
            body = example_body(endpoint.request_serializer, self) if endpoint.request_serializer is not None else {}
            Api(self.token).post(endpoint.path.replace("{id}", str(parent.pk)), camelize(body))
            row = model._default_manager.filter(team=self.team).order_by("pk").first()
            if row is not None:
                return row
        return None

    def id_of(self, model: type[models.Model] | None) -> str:
        assert model is not None
        return str(self.of(model).pk)


def seed(team: Team, token: str) -> TeamRows:
    """Run every app's demo seeder for `team` (a small size), so every model has rows; `token` is a full-scope key."""
    seed_team(DemoContext(team=team, jobs=12, rng=random.Random(1), out=io.StringIO()))
    return TeamRows(team, token)


# Example values and bodies ------------------------------------------------------------------------
def example_value(body_field: Any, name: str, rows: TeamRows) -> Any:
    """A plausible value for one required field, with ids taken from `rows`' team."""
    if isinstance(body_field, TeamPrimaryKeyField):
        return rows.id_of(body_field.model)
    if isinstance(body_field, serializers.ManyRelatedField):
        return [rows.id_of(body_field.child_relation.model)]
    if isinstance(body_field, serializers.UUIDField):
        return rows.id_of(_model_or_person(name.removesuffix("_id")))
    if isinstance(body_field, serializers.ListField) and isinstance(body_field.child, serializers.UUIDField):
        return [rows.id_of(_model_or_person(name.removesuffix("_ids")))]
    if isinstance(body_field, serializers.ListSerializer):
        return [example_body(body_field.child, rows)]
    if isinstance(body_field, serializers.ListField):
        child = body_field.child
        if isinstance(child, serializers.BaseSerializer):
            return [example_body(child, rows)]
        return [example_value(child, name, rows)] if body_field.min_length else []
    if isinstance(body_field, serializers.BaseSerializer):
        return example_body(body_field, rows)
    if isinstance(body_field, serializers.ChoiceField):
        return next(iter(body_field.choices))
    if isinstance(body_field, serializers.BooleanField):
        return False
    if isinstance(body_field, serializers.IntegerField):
        return max(body_field.min_value or 1, 1)
    if isinstance(body_field, serializers.DecimalField):
        return str(Decimal(1).quantize(Decimal(1).scaleb(-(body_field.decimal_places or 0))))
    if isinstance(body_field, serializers.FloatField):
        return 1.0
    if isinstance(body_field, serializers.DateTimeField):
        return dt.datetime.now(dt.UTC).isoformat().replace("+00:00", "Z")
    if isinstance(body_field, serializers.DateField):
        return dt.date.today().isoformat()
    if isinstance(body_field, serializers.EmailField):
        return "probe@example.com"
    if isinstance(body_field, serializers.URLField):
        return "https://example.com/"
    if isinstance(body_field, JSONObjectField | serializers.JSONField | serializers.DictField):
        return {}
    if isinstance(body_field, serializers.CharField):
        return f"probe-{random.randrange(10**8)}"[: body_field.max_length or 64]
    return "probe"


def example_body(serializer: Any, rows: TeamRows, with_related: bool = False) -> dict[str, Any]:
    """A body with every required field filled (snake_case keys; the test client's JSON is camelized).

    `with_related` also fills the optional `TeamPrimaryKeyField`s, for rules such as "clientId is
    required for a new draft" that a serializer cannot express.
    """
    body: dict[str, Any] = {}
    for name, body_field in _fields(serializer).items():
        optional_relation = with_related and isinstance(body_field, TeamPrimaryKeyField)
        if body_field.read_only or not (body_field.required or optional_relation):
            continue
        body[name] = example_value(body_field, name, rows)
    return body


def camelize(value: Any) -> Any:
    from core.api.errors import camel

    if isinstance(value, dict):
        return {camel(key): camelize(item) for key, item in value.items()}
    if isinstance(value, list):
        return [camelize(item) for item in value]
    return value


def set_at(body: dict[str, Any], path: tuple[str | int, ...], value: Any) -> dict[str, Any]:
    """A copy of `body` with `value` at `path` (creating nested dicts/lists as needed)."""
    body = json.loads(json.dumps(body))
    node: Any = body
    for part, following in itertools.pairwise(path):
        if isinstance(part, int):
            while len(node) <= part:
                node.append({})
            node = node[part]
        else:
            node = node.setdefault(part, [] if isinstance(following, int) else {})
    node[path[-1]] = value
    return body


# Nothing changed ----------------------------------------------------------------------------------
@functools.cache
def _state_query() -> str:
    quote = connection.ops.quote_name
    parts = []
    for model in _api_models():
        key = (model._meta.app_label, model._meta.model_name)
        if key in SKIPPED_MODELS or model._meta.proxy:
            continue
        ignored = VOLATILE.get(key, set())
        columns = ", ".join(quote(f.column) for f in model._meta.concrete_fields if f.attname not in ignored)
        parts.append(
            f"SELECT '{model._meta.label}' AS label, md5(coalesce(string_agg(x, ',' ORDER BY x), '')) AS digest "  # noqa: S608 - names from the models
            f"FROM (SELECT ROW({columns})::text AS x FROM {quote(model._meta.db_table)}) rows"
        )
    return "\nUNION ALL\n".join(parts)


def database_state() -> dict[str, str]:
    """A digest of every row of every domain table (volatile bookkeeping columns left out), in one query."""
    with connection.cursor() as cursor:
        cursor.execute(_state_query())
        return dict(cursor.fetchall())


def changed_tables(before: dict[str, str], after: dict[str, str]) -> list[str]:
    return sorted(label for label in before if before[label] != after.get(label))
