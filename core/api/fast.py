"""Helpers for hand-built, JSON-ready rows on hot list paths (see `renderers.PreCamelized`).

They format values exactly as the DRF fields declared in the serializers would, so the OpenAPI
schema (generated from those serializers) still describes what is sent; tests compare both paths.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import orjson
from django.core.exceptions import EmptyResultSet
from django.db import DEFAULT_DB_ALIAS, connections
from django.db.models import DateTimeField, F, Func, Model, QuerySet
from psycopg.abc import Buffer
from psycopg.adapt import Loader
from psycopg.types.string import TextLoader

from core.prepared import held_cursor, log_prepared
from core.wire import DATETIME_FORMAT
from core.wire import iso_datetime as iso_datetime  # hot rows format timestamps with the rest of this module


def iso_date(value: dt.date | str | None) -> str | None:
    if value is None or isinstance(value, str):
        return value
    return value.isoformat()


def str_or_none(value: Any) -> str | None:
    return None if value is None else str(value)


# A timestamp column selected as the API prints it is named so (`wire_time`); the keyset paginator
# finds a row's sort value under either name.
WIRE_TIME_PREFIX = "wire_"


class WireTimestamp(Func):
    """A `timestamptz` column as the API prints it (`2026-01-02T03:04:05.060000Z`), made by PostgreSQL.

    `to_char` in the statement, as the raw ceiling does (bench/raw_app.py), so the page's timestamps
    arrive as text for psycopg's C loader instead of passing one by one through a Python loader
    (~3 µs a row of jobs). On another database it is the column itself, which the ORM loads as a
    `datetime` and `iso_datetime` formats the same way.
    """

    output_field = DateTimeField()
    template = "%(expressions)s"

    def __init__(self, name: str) -> None:
        super().__init__(F(name))

    def as_postgresql(self, compiler: Any, connection: Any, **extra: Any) -> Any:
        template = """to_char(%(expressions)s AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')"""
        return self.as_sql(compiler, connection, template=template, **extra)


def wire_times(*names: str) -> dict[str, WireTimestamp]:
    """`.values()` keywords selecting each timestamp column `name` as `wire_<name>`, printed for the API."""
    return {f"{WIRE_TIME_PREFIX}{name}": WireTimestamp(name) for name in names}


class _WireTimestampLoader(Loader):
    """`timestamptz` text, in the session's UTC (Django sets it), straight to the API's format.

    PostgreSQL prints `2026-01-02 03:04:05.06+00` (trailing zeros of the fraction dropped, none
    at all on a whole second); the API sends `2026-01-02T03:04:05.060000Z`.
    """

    def load(self, data: Buffer) -> str:
        text = bytes(data).decode()
        if len(text) == 29 and text[26:] == "+00":  # the usual case: all six digits of the fraction
            return f"{text[:10]}T{text[11:26]}Z"
        if not text.endswith("+00"):  # not UTC after all: take the long way
            return dt.datetime.fromisoformat(text).astimezone(dt.UTC).strftime(DATETIME_FORMAT)
        seconds, _, fraction = text[:-3].partition(".")
        return f"{seconds[:10]}T{seconds[11:]}.{fraction.ljust(6, '0')}Z"


class _WireJSONLoader(Loader):
    """JSON documents pass through as they are: no parse here, no serialization in the renderer."""

    def load(self, data: Buffer) -> orjson.Fragment:
        return orjson.Fragment(bytes(data))


_WIRE_LOADERS: dict[str, type[Loader]] = {
    "timestamptz": _WireTimestampLoader,
    "date": TextLoader,  # psycopg's own loader of text (its C version): the value as PostgreSQL prints it
    "uuid": TextLoader,
    "json": _WireJSONLoader,
    "jsonb": _WireJSONLoader,
}


def wire_rows(queryset: QuerySet[Any, dict[str, Any]]) -> list[dict[str, Any]]:
    """The rows of a `.values()` queryset with every value already as the API sends it.

    On PostgreSQL the query the ORM compiles runs on the wire cursor (`wire_rows_of`): ids as
    strings, timestamps reformatted, dates as they are, JSON documents as `orjson.Fragment`s, so no
    Python `datetime`, `UUID` or parsed document is built only to be printed again (these
    conversions cost more than the query on a page of jobs). Elsewhere (SQLite), the ORM's own rows,
    which `iso_datetime`, `iso_date` and `str` turn into the same output.
    """
    connection = connections[queryset.db]
    if connection.vendor != "postgresql":
        return list(queryset)
    try:
        sql, params = queryset.query.get_compiler(queryset.db).as_sql()
    except EmptyResultSet:
        return []
    return wire_rows_of(sql, params, using=queryset.db)


def wire_rows_of(sql: str, params: Sequence[Any], *, using: str = DEFAULT_DB_ALIAS) -> list[dict[str, Any]]:
    """Run `sql` (compiled by the ORM, PostgreSQL) on the connection's wire cursor: its rows as dicts.

    The wire cursor is made once per database connection, with the loaders above registered once,
    and binds parameters on the server, so psycopg prepares each statement at its first run, and
    PostgreSQL makes its generic plan once per connection (`plan_cache_mode`, config.settings):
    a hot page's join is planned once per connection, not per request.
    It runs inside Django's cursor wrapper, so query logging, execute wrappers and error
    translation apply as to any query.
    """
    rows = _rows_on(_held_cursor(using, wire=True), sql, params)
    log_prepared(using, sql, params)
    return rows


def rows_of(sql: str, params: Sequence[Any], *, using: str = DEFAULT_DB_ALIAS) -> list[dict[str, Any]]:
    """As `wire_rows_of`, with psycopg's own Python values (UUID, datetime, …; JSON as text, as Django
    loads it for its `from_db_value`): for rows that become model instances."""
    rows = _rows_on(_held_cursor(using, wire=False), sql, params)
    log_prepared(using, sql, params)
    return rows


def _held_cursor(using: str, *, wire: bool) -> Any:
    if wire:
        return held_cursor(using, name="_wire_cursor", loaders=_WIRE_LOADERS)
    return held_cursor(using)


class Rows(list[tuple[Any, ...]]):
    """A statement's rows as psycopg's tuples, with the statement's column `names`: a hot page's rows
    without a dict built per row (its builder unpacks them, as bench/raw_app.py does)."""

    names: tuple[str, ...] = ()

    @classmethod
    def of(cls, rows: Iterable[tuple[Any, ...]], names: tuple[str, ...]) -> Rows:
        made = cls(rows)
        made.names = names
        return made


def as_dicts(rows: Sequence[Any]) -> list[dict[str, Any]]:
    """`rows` as dicts: `Rows` zipped with their names; rows that are dicts already, as they are."""
    if isinstance(rows, Rows):
        return [dict(zip(rows.names, row, strict=True)) for row in rows]
    return list(rows)


def wire_tuples_of(sql: str, params: Sequence[Any], *, using: str = DEFAULT_DB_ALIAS) -> Rows:
    """As `wire_rows_of`, the rows as tuples (`Rows`)."""
    cursor = _held_cursor(using, wire=True)
    cursor.execute(sql, params)
    rows = Rows.of(cursor.fetchall(), _names(cursor, sql))
    log_prepared(using, sql, params)
    return rows


_COLUMN_NAMES: dict[str, tuple[str, ...]] = {}  # a statement's column names (psycopg builds `description` anew)


def _names(cursor: Any, sql: str) -> tuple[str, ...]:
    names = _COLUMN_NAMES.get(sql)
    if names is None:
        names = tuple(column.name for column in cursor.description)
        if len(_COLUMN_NAMES) >= 1024:
            _COLUMN_NAMES.clear()
        _COLUMN_NAMES[sql] = names
    return names


def _rows_on(cursor: Any, sql: str, params: Sequence[Any]) -> list[dict[str, Any]]:
    cursor.execute(sql, params)
    names = _names(cursor, sql)
    return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


@dataclass(frozen=True)
class Summary:
    """Columns of `model` wanted for the rows whose primary keys are `ids`, under `label`."""

    label: str
    model: type[Model]
    ids: Collection[Any]
    columns: tuple[str, ...]


def summaries(*wanted: Summary, using: str = DEFAULT_DB_ALIAS) -> dict[str, dict[Any, tuple[Any, ...]]]:
    """Fetch the related rows a hot list page shows, every relation in one round trip.

    One `UNION ALL` of primary-key lookups instead of a query per relation (each a round trip
    through the ORM) or a join per relation on the page query (PostgreSQL spends far longer
    choosing a join order over a wide table than running it). Returns label → str(pk) → column values.
    Callers pass ids from rows they already scoped to the team, so no team filter is needed here.
    """
    connection = connections[using]
    found: dict[str, dict[Any, tuple[Any, ...]]] = {item.label: {} for item in wanted}
    width = max((len(item.columns) for item in wanted), default=0)
    parts: list[str] = []
    params: list[Any] = []
    labels: list[Summary] = []
    quote = connection.ops.quote_name
    for item in wanted:
        if not item.ids:
            continue
        pk = item.model._meta.pk
        assert pk is not None
        columns = [quote(_column(item.model, name)) for name in item.columns]
        columns += ["NULL"] * (width - len(columns))
        pk_column = quote(_column(item.model, pk.name))
        placeholders = ", ".join(["%s"] * len(item.ids))
        parts.append(  # identifiers from model metadata, quoted; every value is a parameter
            f"SELECT {len(labels)}, {pk_column}, {', '.join(columns)} "  # noqa: S608
            f"FROM {quote(item.model._meta.db_table)} WHERE {pk_column} IN ({placeholders})"
        )
        params.extend(pk.get_db_prep_value(value, connection) for value in item.ids)
        labels.append(item)
    if not parts:
        return found
    with connection.cursor() as cursor:
        cursor.execute(" UNION ALL ".join(parts), params)
        for index, pk_value, *values in cursor.fetchall():
            item = labels[index]
            pk = item.model._meta.pk
            assert pk is not None
            found[item.label][str(pk.to_python(pk_value))] = tuple(values[: len(item.columns)])
    return found


def _column(model: type[Model], name: str) -> str:
    field = model._meta.get_field(name)
    column = getattr(field, "column", None)
    if not isinstance(column, str):
        raise TypeError(f"{model.__name__}.{name} is not a concrete column")
    return column
