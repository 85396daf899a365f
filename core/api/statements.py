"""Hot lists: the page's statement compiled once per *shape* of request, then only bound.

Building and compiling the ORM query is the largest part of a hot list's time (bench/README.md's
layer table: ~29% of `GET /v1/jobs`, more with filters), and for two requests of the same shape —
the same filters present, sort, order, page size, with or without a cursor — it makes the same SQL
with other parameters. So a hot list builds its page query through the very code every list uses
(the viewset's selector and tenancy, `TeamScopedViewSet.scoped_queryset`; its filter set; the keyset
pagination's `apply`), but only the first time a shape is seen in the worker, and keeps the SQL.

That first build runs with each request value replaced by a *slot*: an instance of a subclass of
the value's own type (UUID, str, int, date, date-time) holding the value, which the ORM passes
through to the statement's parameters untouched. Each parameter of the compiled statement is then
either a slot (bound from the next request's values) or a constant of the shape. To prove it, the
shape is built a second time with other values in the slots: the SQL must be the same text, the
slots at the same places and every constant equal. A shape that fails that (a value turned into
something else, or deciding the SQL's form) is not kept: it is built by the ORM on every request.
Values that must decide the form (a filter with its own method, such as a job type given by key or
by id) are not slotted: they are part of the shape.

The statements are then run on the wire cursor (`core.api.fast.wire_rows_of`), which binds on the
server, so PostgreSQL also plans each statement once per connection.
"""

from __future__ import annotations

import copy
import datetime as dt
import re
import uuid
from collections import OrderedDict
from collections.abc import Callable, Hashable, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any, Final

import django_filters
from django.core.exceptions import EmptyResultSet, ImproperlyConfigured
from django.db import connections
from django.db.models import QuerySet
from rest_framework.request import Request

from core.api.fast import rows_of, wire_rows, wire_rows_of, wire_tuples_of
from core.api.filters import PAGINATION_PARAMS
from core.api.renderers import PreCamelized


class _UUIDSlot(uuid.UUID):
    __slots__ = ()


class _StrSlot(str):
    __slots__ = ()


class _IntSlot(int):
    __slots__ = ()


class _DateSlot(dt.date):
    __slots__ = ()


class _DateTimeSlot(dt.datetime):
    __slots__ = ()


def slot(value: Any, *, other: bool = False) -> Any | None:
    """`value` in a slot (with `other`, a different value of its type); None for a type without slots."""
    kind = type(value)
    if kind is uuid.UUID:
        return _UUIDSlot(int=value.int ^ 1 if other else value.int)
    if kind is str:
        return _StrSlot(value + "~" if other else value)
    if kind is int:
        return _IntSlot(value + 1 if other else value)
    if kind is dt.datetime:
        earliest = dt.datetime.min.replace(tzinfo=value.tzinfo)
        moment = value - dt.timedelta(microseconds=1) if other and value > earliest else value
        return _DateTimeSlot(
            moment.year, moment.month, moment.day, moment.hour, moment.minute, moment.second, moment.microsecond,
            moment.tzinfo, fold=moment.fold,
        )  # fmt: skip
    if kind is dt.date:
        day = value - dt.timedelta(days=1) if other and value > dt.date.min else value
        return _DateSlot(day.year, day.month, day.day)
    return None


@dataclass(frozen=True)
class Statement:
    """A shape's SQL, its constants written in; each parameter a slot's name (`True, name`)."""

    sql: str
    sources: tuple[tuple[bool, Any], ...]

    def bind(self, values: Mapping[str, Any]) -> list[Any]:
        return [values[source] if is_slot else source for is_slot, source in self.sources]


_UNCACHEABLE: Final = object()
_EMPTY: Final = object()  # the shape can return no row at all (the ORM's EmptyResultSet)
Build = Callable[[Mapping[str, Any]], QuerySet[Any, Any]]


def _compiled(queryset: QuerySet[Any, Any]) -> tuple[str, tuple[Any, ...]] | None:
    try:
        sql, params = queryset.query.get_compiler(queryset.db).as_sql()
    except EmptyResultSet:
        return None
    return sql, tuple(params)


def learn(values: Mapping[str, Any], build: Build) -> Statement | object:
    """`build`'s statement with `values` as slots, or `_UNCACHEABLE` / `_EMPTY` (see the module's text)."""
    first = {name: slot(value) for name, value in values.items()}
    second = {name: slot(value, other=True) for name, value in values.items()}
    if any(value is None for value in (*first.values(), *second.values())):
        return _UNCACHEABLE
    built = build(first)
    a, b = _compiled(built), _compiled(build(second))
    if a is None and b is None:
        return _EMPTY
    if a is None or b is None or a[0] != b[0] or len(a[1]) != len(b[1]):
        return _UNCACHEABLE
    names_a = {id(value): name for name, value in first.items()}
    names_b = {id(value): name for name, value in second.items()}
    sources: list[tuple[bool, Any]] = []
    for param_a, param_b in zip(a[1], b[1], strict=True):
        name = names_a.get(id(param_a))
        if name is not None:
            if names_b.get(id(param_b)) != name:
                return _UNCACHEABLE
            sources.append((True, name))
        elif id(param_b) in names_b or type(param_a) is not type(param_b) or param_a != param_b:
            return _UNCACHEABLE
        else:
            sources.append((False, param_a))
    return _with_constants_written(a[0], sources, using=built.db)


_PLACEHOLDER = re.compile(r"%%|%s")


def _with_constants_written(sql: str, sources: list[tuple[bool, Any]], *, using: str) -> Statement:
    """The statement with each constant written into its SQL as a literal, only the slots bound.

    The statement is planned once, generically (`config.settings`: `plan_cache_mode`): a constant
    left as a parameter hides it from the planner, and `COALESCE(next_due_on, $2)` no longer
    matches the index on `COALESCE(next_due_on, '9999-12-31')` (the plans list sorted a team's
    plans instead of reading its index in order). Literals are written by psycopg, as Django's
    debug SQL is (`compose_sql`).
    """
    compose = connections[using].ops.compose_sql  # type: ignore[attr-defined]  # PostgreSQL's operations
    constants = iter([value for is_slot, value in sources if not is_slot])
    slots = iter(sources)

    def written(match: re.Match[str]) -> str:
        if match.group() == "%%":
            return "%%"
        is_slot, _ = next(slots)
        return "%s" if is_slot else compose("%s", [next(constants)]).replace("%", "%%")

    return Statement(_PLACEHOLDER.sub(written, sql), tuple(source for source in sources if source[0]))


class StatementCache:
    """One hot list's statements in a worker: shape → statement, the least recently used dropped."""

    def __init__(self, size: int = 256) -> None:
        self.size = size
        self._shapes: OrderedDict[Hashable, Statement | object] = OrderedDict()

    def compiled(self, shape: Hashable | None, values: Mapping[str, Any], build: Build) -> tuple[str, list[Any]] | None:
        """The SQL and parameters of `build(values)`; None when it can return no row."""
        found = _UNCACHEABLE if shape is None else self._shapes.get(shape)
        if found is None:
            found = learn(values, build)
            self._shapes[shape] = found
            if len(self._shapes) > self.size:
                self._shapes.popitem(last=False)
        elif shape is not None:
            self._shapes.move_to_end(shape)
        if isinstance(found, Statement):
            return found.sql, found.bind(values)
        if found is _EMPTY:
            return None
        result = _compiled(build(values))
        return None if result is None else (result[0], list(result[1]))

    def clear(self) -> None:
        self._shapes.clear()


def as_team(team: Any, pk: Any) -> Any:
    """`team` with `pk` for its primary key (a slot while a shape is learnt): the caller, for tenancy."""
    caller = copy.copy(team)
    caller.pk = pk
    return caller


def kept_rows(
    cache: StatementCache, shape: Hashable, values: Mapping[str, Any], build: Build, *, wire: bool = True
) -> list[dict[str, Any]]:
    """The rows of `build(values)` (a `.values()` queryset) through the statement kept for `shape`.

    On PostgreSQL: as the wire sends them (`wire_rows_of`), or with psycopg's Python values
    (`rows_of`, for model instances); elsewhere (SQLite), the ORM's rows of `build(values)`.
    """
    queryset = build(values) if connections["default"].vendor != "postgresql" else None
    if queryset is not None:
        return list(queryset)
    compiled = cache.compiled(shape, values, build)
    if compiled is None:
        return []
    return (wire_rows_of if wire else rows_of)(compiled[0], compiled[1])


def _slottable(filterset_class: Any, name: str) -> bool:
    """A filter that only compares its field with the value (no method, no value deciding the form);
    a filter set names the methods that do no more in `plain_methods`."""
    filter_ = filterset_class.base_filters[name]
    if filter_.method is not None:
        return name in getattr(filterset_class, "plain_methods", ())
    kind = type(filter_).filter
    if kind is django_filters.Filter.filter:
        return True
    return kind is django_filters.ChoiceFilter.filter and getattr(filter_, "null_label", None) is None


class HotList:
    """The list action of a `TeamScopedViewSet` whose page statement is kept per shape.

    `columns` turns the scoped, filtered queryset into the `.values()` the rows are built from, and
    `build(rows, view)` builds the API's rows from those (camelCase, JSON-ready: `PreCamelized`); on
    PostgreSQL they come as `core.api.fast.Rows` (tuples and their names), elsewhere as dicts. The
    parameters are checked as on every list (the filter set's form, `KeysetPagination.parse`), and a
    shape's first request builds the page query the way `ListMixin` does. A viewset with a hot list
    answers its plain `GET`s through the lean dispatch (`core.api.lean`).
    """

    def __init__(
        self,
        columns: Callable[[QuerySet[Any]], QuerySet[Any, dict[str, Any]]],
        build: Callable[[Sequence[Any], Any], list[dict[str, Any]]],
    ) -> None:
        self.columns = columns
        self.build = build
        self.statements = StatementCache()
        self.keep = True  # False: the ORM builds the statement every time (tests compare both ways)

    def page(self, view: Any, request: Request) -> PreCamelized:
        """The page's rows as the API sends them (the paginator keeps the next page's key)."""
        return PreCamelized(self.build(self.rows(view, request), view))

    def rows(self, view: Any, request: Request) -> Sequence[Any]:
        """The page's rows (the paginator keeps the next page's key, as for any list)."""
        filterset_class: Any = getattr(view, "filterset_class", None)
        default = django_filters.FilterSet.filter_queryset
        if filterset_class is not None and filterset_class.filter_queryset is not default:
            raise ImproperlyConfigured(f"{type(view).__name__}'s filter set filters by default: not a hot list")
        data = request.query_params
        filters: dict[str, Any] = {}
        if filterset_class is not None and set(data) - PAGINATION_PARAMS:
            filters = filterset_class.cleaned_params(data)
        paginator = view.paginator
        page = paginator.parse(request, view, view.queryset.model)

        team = view.team
        values: dict[str, Any] = {"team": team.pk}
        shape: list[Hashable] = [page.sort_by, page.order, page.limit, page.after is not None]
        cacheable = True
        for name, value in sorted(filters.items()):
            if _slottable(filterset_class, name) and slot(value) is not None:
                values[f"filter:{name}"] = value
                shape.append((name, type(value)))
            elif isinstance(value, Hashable):
                shape.append((name, "=", value))  # the value itself decides the statement
            else:
                cacheable = False
        if page.after is not None:
            values["after_value"], values["after_id"] = page.after

        def build(bound: Mapping[str, Any]) -> QuerySet[Any, Any]:
            queryset = view.scoped_queryset(as_team(team, bound["team"]))
            if filters:
                filterset = filterset_class(data=data, queryset=queryset, request=request)
                filterset.is_valid()  # valid: `cleaned_params` checked the same data
                filterset.form.cleaned_data.update({n: bound.get(f"filter:{n}", v) for n, v in filters.items()})
                queryset = filterset.filter_queryset(queryset)
            after = (bound["after_value"], bound["after_id"]) if page.after is not None else None
            return paginator.apply(self.columns(queryset), replace(page, after=after))

        using = view.queryset.db
        found: Sequence[Any]
        if self.keep and connections[using].vendor == "postgresql":
            compiled = self.statements.compiled(tuple(shape) if cacheable else None, values, build)
            found = [] if compiled is None else wire_tuples_of(compiled[0], compiled[1], using=using)
        else:  # another database (SQLite): the ORM's query and rows, each time
            found = getattr(view, "fetch_rows", wire_rows)(build(values))
        return paginator.finish(found, page)
