"""The rows many instances' foreign keys point at, every relation in one round trip, with only the
columns a representation shows (names, keys): a write's answer and event show its object's relations
by name, and a query per relation through the ORM cost more than the rest of the write.

One `UNION ALL` of primary-key lookups (as `core.api.fast.summaries` reads a list page's names), each
row built as a model instance with the named columns loaded and every other column deferred (read
from the database if something asks for it, as with `QuerySet.only`), and cached on the instances
that point at it, as `prefetch_related_objects` would have cached the whole row.
"""

from __future__ import annotations

import weakref
from collections.abc import Collection, Mapping, Sequence
from typing import Any, TypeVar

from django.db import connections, models

_M = TypeVar("_M", bound=models.Model)

# Text columns only: every part of the `UNION ALL` must give each position the same type.
_TEXT_FIELDS = (models.CharField, models.TextField)


def load_related(
    relations: Sequence[tuple[Sequence[models.Model], str]],
    columns: Mapping[type[models.Model], Sequence[str]],
    *,
    using: str = "default",
) -> None:
    """Cache on each instance of each `(instances, foreign key name)` the row it points at, read with
    the text `columns` its model is given there (at most one query for all of them).

    Instances whose key is null or whose relation is already cached are left as they are; a row not
    found is cached as None, as a prefetch leaves it.
    """
    for model, names in columns.items():
        for name in names:
            if not isinstance(model._meta.get_field(name), _TEXT_FIELDS):
                raise TypeError(f"{model.__name__}.{name} is not a text column")
    wanted: dict[type[models.Model], set[Any]] = {}
    pending: list[tuple[models.Model, Any]] = []  # (instance, foreign key) still to fill
    for instances, name in relations:
        for instance in instances:
            field = type(instance)._meta.get_field(name)
            if not isinstance(field, models.ForeignKey):
                raise TypeError(f"{type(instance).__name__}.{name} is not a foreign key")
            value = getattr(instance, field.attname)
            if value is None or field.is_cached(instance):
                continue
            model = field.related_model
            assert isinstance(model, type)
            if not field.target_field.primary_key:
                raise TypeError(f"{type(instance).__name__}.{name} does not point at a primary key")
            if model not in columns:
                raise LookupError(f"No columns are given for {model.__name__}")
            wanted.setdefault(model, set()).add(value)
            pending.append((instance, field))
    if not pending:
        return
    found = _read(wanted, columns, using)
    for instance, field in pending:
        field.set_cached_value(instance, found.get((field.related_model, getattr(instance, field.attname))))


def _read(
    wanted: Mapping[type[models.Model], set[Any]], columns: Mapping[type[models.Model], Sequence[str]], using: str
) -> dict[tuple[type[models.Model], Any], models.Model]:
    connection = connections[using]
    quote = connection.ops.quote_name
    width = max(len(columns[model]) for model in wanted)
    models_read = list(wanted)
    parts: list[str] = []
    params: list[Any] = []
    loaded: list[list[str]] = []  # per model, the attnames read, in the model's field order (`from_db`'s)
    for index, model in enumerate(models_read):
        pk = model._meta.pk
        assert pk is not None
        named = set(columns[model])
        fields = [field for field in model._meta.concrete_fields if field.primary_key or field.name in named]
        loaded.append([field.attname for field in fields])
        selected = [f"CAST({quote(_column(field))} AS TEXT)" for field in fields]
        selected += ["NULL"] * (width + 1 - len(fields))
        ids = sorted(wanted[model], key=str)
        parts.append(  # identifiers from model metadata, quoted; every value is a parameter
            f"SELECT {index}, {', '.join(selected)} FROM {quote(model._meta.db_table)} "  # noqa: S608
            f"WHERE {quote(_column(pk))} IN ({', '.join(['%s'] * len(ids))})"
        )
        params += [pk.get_db_prep_value(value, connection) for value in ids]
    found: dict[tuple[type[models.Model], Any], models.Model] = {}
    with connection.cursor() as cursor:
        cursor.execute(" UNION ALL ".join(parts), params)
        for index, *values in cursor.fetchall():
            model, attnames = models_read[index], loaded[index]
            pk = model._meta.pk
            assert pk is not None
            values = [  # the key was read as text; the other columns are text
                pk.to_python(value) if attname == pk.attname else value
                for attname, value in zip(attnames, values, strict=False)
            ]
            instance = model.from_db(using, attnames, values)
            found[(model, instance.pk)] = instance
    return found


def rows_pointing_at(model: type[_M], key: str, ids: Collection[Any], *, using: str = "default") -> list[_M]:
    """The rows of `model` whose foreign key `key` is one of `ids`, whole and in the model's default
    order: what `model.objects.filter(<key>__in=ids)` returns, without building and compiling a
    queryset (several times the cost of the query itself for a few rows).

    The statement is built from the model's metadata (its columns, its `Meta.ordering` of its own
    columns) once per connection and number of ids; values pass through the converters the ORM applies.
    """
    if not ids:
        return []
    connection = connections[using]
    kept = _statements.setdefault(connection, {})
    statement = kept.get((model, key, len(ids)))
    if statement is None:
        statement = kept[(model, key, len(ids))] = _statement(model, key, len(ids), connection)
    sql, target, names, converters = statement
    rows = []
    with connection.cursor() as cursor:
        cursor.execute(sql, [target.get_db_prep_value(value, connection) for value in ids])
        for values in map(list, cursor.fetchall()):
            for index, found, col in converters:
                for convert in found:
                    values[index] = convert(values[index], col, connection)
            rows.append(model.from_db(using, names, values))
    return rows


# Per connection (converters are the connection's): (model, key, number of ids) → `_statement`'s.
_statements: weakref.WeakKeyDictionary[Any, dict[tuple[Any, str, int], Any]] = weakref.WeakKeyDictionary()


def _statement(model: type[models.Model], key: str, count: int, connection: Any) -> Any:
    fields = model._meta.concrete_fields
    field = model._meta.get_field(key)
    if not isinstance(field, models.ForeignKey) or not field.target_field.primary_key:
        raise TypeError(f"{model.__name__}.{key} is not a foreign key to a primary key")
    quote = connection.ops.quote_name
    order = []
    for name in model._meta.ordering or ():
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
