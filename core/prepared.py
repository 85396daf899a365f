"""One row by its primary key through a queryset compiled once: for the hottest single-row reads of
the writes (a transition locking its job), where building and compiling the ORM's query cost four
times the query itself on a wide table.

The first read of a shape compiles `queryset().filter(pk=…)` with the ORM and keeps its statement
and how the ORM builds instances from its rows (the model's columns, the `select_related` rows,
the converters); later reads run that statement with the new key and build the instances the same
way. Shapes the cache cannot hold exactly (annotations, extra columns, prefetches, a key that is not
one parameter) are read through the ORM every time.

A queryset of one team's rows (a view's `scoped_queryset(team)`) is compiled for a stand-in team (a
key and nothing else: tenancy is the team's key) whose key is then bound as the row's is, so one
statement serves every team; it is compiled for two stand-ins and kept only if nothing but the keys
differs.
"""

from __future__ import annotations

import uuid
import weakref
from collections.abc import Callable, Collection, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, TypeVar

import psycopg
from django.db import DatabaseError, connections, models
from django.db.models.query import get_related_populators
from django.db.models.signals import post_save, pre_save
from django.db.transaction import TransactionManagementError
from psycopg._queries import PostgresQuery, _query2pg  # the conversion psycopg caches (pinned)

from accounts.models import Team

_M = TypeVar("_M", bound=models.Model)


@dataclass(frozen=True)
class _Compiled:
    sql: str
    params: tuple[Any, ...]
    key_slot: int  # which parameter is the primary key
    team_slot: int | None  # which parameter is the team's key (a team's queryset)
    locks: bool
    model: type[models.Model]
    model_columns: slice
    init_list: list[str]
    related_populators: list[Any]
    converters: list[tuple[int, list[Any], Any]]


# Per database connection (converters are the connection's): shape → its compiled statement, or None
# when the shape is read through the ORM.
_compiled: weakref.WeakKeyDictionary[Any, dict[str, _Compiled | None]] = weakref.WeakKeyDictionary()


def row_by_pk(
    shape: str, queryset: Callable[..., models.QuerySet[_M]], pk: Any, *, team: Any = None, using: str = "default"
) -> _M | None:
    """`queryset().filter(pk=pk).first()` (without an ordering), `queryset` compiled once per `shape`
    (a name the caller gives each queryset it passes) and connection.

    With `team`, `queryset(team)` (the team's rows): its statement binds the team's key too.
    """
    connection = connections[using]
    compiled_here = _compiled.setdefault(connection, {})
    if shape not in compiled_here:
        compiled_here[shape] = _compile(queryset, using, team=team is not None)
    compiled = compiled_here[shape]
    if compiled is None:
        return (queryset() if team is None else queryset(team)).filter(pk=pk).first()
    if compiled.locks and connection.get_autocommit():  # as the ORM refuses it
        raise TransactionManagementError("select_for_update cannot be used outside of a transaction.")
    pk_field = compiled.model._meta.pk
    assert pk_field is not None
    params = list(compiled.params)
    params[compiled.key_slot] = pk_field.get_db_prep_value(pk_field.to_python(pk), connection)
    if compiled.team_slot is not None:
        params[compiled.team_slot] = _team_key(team, connection)
    row = _fetch_one(connection, compiled.sql, params)
    if row is None:
        return None
    values = list(row)
    for index, converters, expression in compiled.converters:
        for convert in converters:
            values[index] = convert(values[index], expression, connection)
    found = compiled.model.from_db(using, compiled.init_list, values[compiled.model_columns])
    for populator in compiled.related_populators:
        populator.populate(values, found)
    return found  # type: ignore[return-value]


def _fetch_one(connection: Any, sql: str, params: Sequence[Any]) -> tuple[Any, ...] | None:
    """The first row of `sql` (`fetch_all`'s)."""
    rows = fetch_all(connection, sql, params)
    return rows[0] if rows else None


def fetch_all(connection: Any, sql: str, params: Sequence[Any]) -> list[tuple[Any, ...]]:
    """The rows of a kept statement (`_kept_run`)."""
    with _kept_run(connection, sql, params) as cursor:
        return list(cursor.fetchall())


def _run(connection: Any, sql: str, params: Sequence[Any]) -> int:
    """Run a kept write; returns how many rows it wrote (`_kept_run`)."""
    with _kept_run(connection, sql, params) as cursor:
        return int(cursor.rowcount)


MAX_BOUND_VALUES = 65_535  # PostgreSQL's protocol: a statement's bound parameters are counted in 16 bits


@contextmanager
def _kept_run(connection: Any, sql: str, params: Sequence[Any]) -> Iterator[Any]:
    """The cursor `sql` ran on: on PostgreSQL the connection's server-binding cursor (`held_cursor`), so
    psycopg sends the values apart from the statement (dumped in C, not quoted into its text in Python:
    a completion's documents and their tasks are over a hundred values) and PostgreSQL plans the
    statement once per connection, not on every run (a lock with its joins took longer to plan than to
    run: bench/README.md); elsewhere Django's cursor, as on PostgreSQL for a statement of more values
    than its protocol binds (65,535: a bulk write of thousands of rows; Django's cursor writes the
    values into the statement's text)."""
    if connection.vendor != "postgresql" or len(params) > MAX_BOUND_VALUES:
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            yield cursor
        return
    cursor = held_cursor(connection.alias)
    cursor.execute(sql, params)
    log_prepared(connection.alias, sql, params)
    yield cursor


class _KeptQuery(PostgresQuery):
    """psycopg's query conversion (`%s` to `$1`, found by parsing the statement), kept for every
    statement: psycopg keeps it only for statements under 4,096 characters and 50 values, which a
    held cursor's are not always (a lock with its joins; a completion's documents with their tasks,
    over a hundred values), and parsing those cost more than running them. Held cursors run kept
    statements only (a bounded set), and psycopg's own cache holds 128."""

    __slots__ = ()

    def convert(self, query: Any, vars: Any) -> None:
        if vars is None or not isinstance(query, str):
            super().convert(query, vars)
            return
        encoding = self._tx.encoding
        self.query, self._want_formats, self._order, self._parts = _query2pg(query.encode(encoding), encoding)
        self.dump(vars)


class _KeptCursor(psycopg.Cursor[Any]):
    """A server-binding cursor whose statements' conversion is kept (`_KeptQuery`)."""

    _query_cls = _KeptQuery


def held_cursor(using: str, *, name: str = "_bound_cursor", loaders: Mapping[str, Any] | None = None) -> Any:
    """A psycopg cursor that binds on the server, made once per database connection (under `name`,
    with `loaders` registered once) and wrapped as Django wraps its cursors (query logging, execute
    wrappers, error translation).

    Binding on the server makes psycopg prepare each statement at its first run (only such cursors
    prepare), so PostgreSQL plans it once per connection (`plan_cache_mode`, config.settings).
    """
    connection = connections[using]
    connection.ensure_connection()
    raw = connection.connection
    held = getattr(connection, name, None)
    if held is None or held[0] is not raw or held[1].closed:
        made = _KeptCursor(raw)  # server-side binding (Django's own cursors bind on the client)
        raw.prepare_threshold = 0  # prepared at its first run
        for type_name, loader in (loaders or {}).items():
            made.adapters.register_loader(type_name, loader)
        held = (raw, made)
        setattr(connection, name, held)
    connection.validate_thread_sharing()
    cursor: Any = held[1]
    return connection.make_debug_cursor(cursor) if connection.queries_logged else connection.make_cursor(cursor)


def log_prepared(using: str, sql: str, params: Sequence[Any]) -> None:
    """Django logs a query as psycopg last sent it, which is nothing for a prepared statement (sent by
    name): log it as the ORM's other queries are, with its values (tests and debug pages read it)."""
    connection = connections[using]
    if connection.queries_logged and connection.queries_log and connection.queries_log[-1]["sql"] is None:
        connection.queries_log[-1]["sql"] = connection.ops.compose_sql(sql, params)


def _team_key(team: Any, connection: Any) -> Any:
    pk = team._meta.pk
    return pk.get_db_prep_value(pk.to_python(team.pk), connection)


def _compile(queryset: Callable[..., models.QuerySet[Any]], using: str, *, team: bool) -> _Compiled | None:
    if not team:
        return _compile_one(queryset(), using, None)
    first, second = (Team(pk=uuid.uuid4()) for _ in range(2))
    compiled = _compile_one(queryset(first), using, first)
    again = _compile_one(queryset(second), using, second)
    if compiled is None or again is None:
        return None
    same = compiled.sql == again.sql and compiled.key_slot == again.key_slot and compiled.team_slot == again.team_slot
    unchanged = [i for i in range(len(compiled.params)) if i not in (compiled.key_slot, compiled.team_slot)]
    if not same or any(compiled.params[i] != again.params[i] for i in unchanged):
        return None
    return compiled


def _compile_one(queryset: models.QuerySet[Any], using: str, team: Any) -> _Compiled | None:
    connection = connections[using]
    pk_field = queryset.model._meta.pk
    assert pk_field is not None
    key = uuid.uuid4()  # a value no other parameter of the statement has
    if not isinstance(pk_field, models.UUIDField) or queryset._prefetch_related_lookups:  # type: ignore[attr-defined]
        return None
    query = queryset.order_by().filter(pk=key).query
    compiler = query.get_compiler(using=using)
    sql, params = compiler.as_sql()
    prepared_key = pk_field.get_db_prep_value(key, connection)
    slots = [index for index, value in enumerate(params) if value == prepared_key]
    team_slots = [] if team is None else [i for i, value in enumerate(params) if value == _team_key(team, connection)]
    if len(slots) != 1 or compiler.annotation_col_map or compiler.has_extra_select or query.extra_select:
        return None
    if team is not None and len(team_slots) != 1:
        return None
    select, klass_info = compiler.select, compiler.klass_info
    assert klass_info is not None
    columns = klass_info["select_fields"]
    model_columns = slice(columns[0], columns[-1] + 1)
    return _Compiled(
        sql=sql, params=tuple(params), key_slot=slots[0], team_slot=team_slots[0] if team_slots else None,
        locks=query.select_for_update, model=klass_info["model"],
        model_columns=model_columns, init_list=[column[0].target.attname for column in select[model_columns]],
        related_populators=get_related_populators(klass_info, select, using),  # type: ignore[call-arg]
        converters=[
            (index, found, expression)
            for index, (found, expression) in compiler.get_converters([column[0] for column in select]).items()
        ],
    )  # fmt: skip


def insert_new(*groups: Sequence[models.Model], using: str = "default") -> None:
    """Write new rows as `bulk_create` writes them (no `save()`, no signals; each field's `pre_save`,
    then its value prepared as the ORM prepares it), every group in one statement: a data-modifying
    `WITH` per group but the last. Each group holds instances of one model.

    The statement is kept per connection and models and numbers of rows (building and compiling an
    INSERT cost more than sending it). Foreign keys are checked at commit (Django's are deferred), so
    a group may point at a row of a later one. A model the statement cannot write exactly (a column
    the database fills and returns, a value that is an expression), or a database other than
    PostgreSQL, is written by `bulk_create`, a group at a time.
    """
    groups = tuple(group for group in groups if group)
    if not groups:
        return
    connection = connections[using]
    # Data-modifying `WITH`s are PostgreSQL's; elsewhere (SQLite, `make run`'s default) `bulk_create`.
    exact = connection.vendor == "postgresql" and not any(_needs_orm(group) for group in groups)
    params: list[Any] = []
    for group in groups:
        for obj in group:
            if obj.pk is None:
                obj.pk = obj._meta.pk.get_pk_value_on_save(obj)
            obj._prepare_related_fields_for_save(operation_name="bulk_create")  # type: ignore[attr-defined]
            for field in _insert_fields(type(obj)) if exact else ():
                value = field.pre_save(obj, True)
                if hasattr(value, "resolve_expression"):
                    exact = False
                    break
                params.append(field.get_db_prep_save(value, connection))
    if not exact:
        for group in groups:
            type(group[0])._default_manager.using(using).bulk_create(group)
        return
    kept = _inserts.setdefault(connection, {})
    shape = tuple((type(group[0]), len(group)) for group in groups)
    sql = kept.get(shape)
    if sql is None:
        if len(kept) >= 256:  # bulk writes of many sizes: keep the cache bounded
            kept.clear()
        sql = kept[shape] = _insert_sql(shape, connection)
    _run(connection, sql, params)
    for group in groups:
        for obj in group:
            obj._state.adding = False
            obj._state.db = using


def update_row(obj: models.Model, fields: Collection[str], *, using: str = "default") -> None:
    """`obj.save(update_fields=fields)` for a row that exists, without `save()`: each field's `pre_save`,
    then its value prepared as the ORM prepares it, through an UPDATE of those columns by the primary
    key kept per connection, model and fields (building and compiling the ORM's UPDATE cost as much
    CPU as running it). A row that is not there is the `DatabaseError` `save` raises.

    A model whose saves are listened to (`pre_save`, `post_save`) is saved by `save()`.
    """
    model = type(obj)
    if pre_save.has_listeners(model) or post_save.has_listeners(model):
        obj.save(update_fields=fields, using=using)
        return
    connection = connections[using]
    named = {model._meta.get_field(name) for name in fields}
    chosen = [field for field in model._meta.concrete_fields if field in named]
    if len(chosen) != len(named):
        raise ValueError(f"Not concrete fields of {model.__name__}: {sorted(fields)}")
    kept = _updates.setdefault(connection, {})
    shape = (model, tuple(field.attname for field in chosen))
    sql = kept.get(shape)
    if sql is None:
        quote = connection.ops.quote_name
        pk = model._meta.pk
        assert pk is not None
        sql = kept[shape] = (  # identifiers from model metadata, quoted; every value is a parameter
            f"UPDATE {quote(model._meta.db_table)} SET {', '.join(f'{quote(str(f.column))} = %s' for f in chosen)} "  # noqa: S608
            f"WHERE {quote(model._meta.db_table)}.{quote(str(pk.column))} = %s"
        )
    params = [field.get_db_prep_save(field.pre_save(obj, False), connection) for field in chosen]
    if _run(connection, sql, [*params, obj._meta.pk.get_db_prep_value(obj.pk, connection)]) != 1:
        raise DatabaseError("Save with update_fields did not affect any rows.")
    obj._state.adding = False
    obj._state.db = using


# Per connection: (model, the columns set) → the UPDATE statement of those columns by the primary key.
_updates: weakref.WeakKeyDictionary[Any, dict[tuple[Any, tuple[str, ...]], str]] = weakref.WeakKeyDictionary()


# Per connection: ((model, number of rows), …) → the INSERT statement of those groups.
_inserts: weakref.WeakKeyDictionary[Any, dict[tuple[tuple[Any, int], ...], str]] = weakref.WeakKeyDictionary()


def _insert_fields(model: type[models.Model]) -> list[models.Field[Any, Any]]:
    return [field for field in model._meta.concrete_fields if not field.generated]  # as `bulk_create` writes


def _needs_orm(group: Sequence[models.Model]) -> bool:
    model = type(group[0])
    return bool(model._meta.db_returning_fields) or any(type(obj) is not model for obj in group)


def _insert_sql(shape: tuple[tuple[type[models.Model], int], ...], connection: Any) -> str:
    quote = connection.ops.quote_name
    statements = []
    for model, count in shape:
        fields = _insert_fields(model)
        row = f"({', '.join(['%s'] * len(fields))})"
        statements.append(  # identifiers from model metadata, quoted; every value is a parameter
            f"INSERT INTO {quote(model._meta.db_table)} ({', '.join(quote(str(f.column)) for f in fields)}) "  # noqa: S608
            f"VALUES {', '.join([row] * count)}"
        )
    *first, last = statements
    if not first:
        return last
    return "WITH " + ", ".join(f"written_{index} AS ({sql})" for index, sql in enumerate(first)) + " " + last
