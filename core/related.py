"""The rows of a model that point at given rows (a job's timeline, a team's webhook endpoints), read
without building and compiling a queryset: for a few rows on the write path, the ORM's query
building cost several times the query itself.

The statement is built from the model's metadata once per connection and shape, as the ORM would
write it, and the rows become model instances through the converters the ORM applies.
"""

from __future__ import annotations

import weakref
from collections.abc import Collection
from typing import Any, TypeVar

from django.db import connections, models

from core.prepared import fetch_all

_M = TypeVar("_M", bound=models.Model)


def rows_pointing_at(
    model: type[_M], key: str, ids: Collection[Any], *, ordered: bool = True, using: str = "default"
) -> list[_M]:
    """The rows of `model` whose foreign key `key` is one of `ids`, whole and in the model's default
    order: what `model.objects.filter(<key>__in=ids)` returns, without building and compiling a
    queryset (several times the cost of the query itself for a few rows). With `ordered=False`, in no
    particular order (a one-to-one key: a row per id at most).

    The statement is built from the model's metadata (its columns, its `Meta.ordering` of its own
    columns) once per connection and number of ids; values pass through the converters the ORM applies.
    """
    if not ids:
        return []
    connection = connections[using]
    kept = _statements.setdefault(connection, {})
    statement = kept.get((model, key, len(ids), ordered))
    if statement is None:
        statement = kept[(model, key, len(ids), ordered)] = _statement(model, key, len(ids), ordered, connection)
    sql, target, names, converters = statement
    params = [target.get_db_prep_value(value, connection) for value in ids]
    rows = []
    # Through the connection's kept cursor: prepared, so PostgreSQL plans each statement once per connection.
    for values in map(list, fetch_all(connection, sql, params)):
        for index, found, col in converters:
            for convert in found:
                values[index] = convert(values[index], col, connection)
        rows.append(model.from_db(using, names, values))
    return rows


# Per connection (converters are the connection's): (model, key, number of ids, ordered) → `_statement`'s.
_statements: weakref.WeakKeyDictionary[Any, dict[tuple[Any, str, int, bool], Any]] = weakref.WeakKeyDictionary()


def _statement(model: type[models.Model], key: str, count: int, ordered: bool, connection: Any) -> Any:
    fields = model._meta.concrete_fields
    field = model._meta.get_field(key)
    if not isinstance(field, models.ForeignKey) or not field.target_field.primary_key:
        raise TypeError(f"{model.__name__}.{key} is not a foreign key to a primary key")
    quote = connection.ops.quote_name
    order = []
    for name in (model._meta.ordering or ()) if ordered else ():
        by = model._meta.get_field(str(name).lstrip("-"))
        if not isinstance(name, str) or by.is_relation:  # the ORM would order by the related model's ordering
            raise TypeError(f"{model.__name__} is ordered by {name!r}: only its own columns are supported")
        order.append(f"{quote(_column(by))} {'DESC' if name.startswith('-') else 'ASC'}")  # type: ignore[arg-type]
    sql = (  # identifiers from model metadata, quoted; every value is a parameter
        f"SELECT {', '.join(quote(_column(f)) for f in fields)} FROM {quote(model._meta.db_table)} "  # noqa: S608
        f"WHERE {quote(_column(field))} IN ({', '.join(['%s'] * count)})"
        + (f" ORDER BY {', '.join(order)}" if order else "")
    )
    converters = [
        (index, [*connection.ops.get_db_converters(col), *col.get_db_converters(connection)], col)
        for index, col in enumerate(f.get_col(model._meta.db_table) for f in fields)
    ]
    found = [(index, convert, col) for index, convert, col in converters if convert]
    return sql, field.target_field, [f.attname for f in fields], found


def _column(field: models.Field[Any, Any]) -> str:
    column = field.column
    assert isinstance(column, str)
    return column
