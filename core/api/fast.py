"""Helpers for hand-built, JSON-ready rows on hot list paths (see `renderers.PreCamelized`).

They format values exactly as the DRF fields declared in the serializers would, so the OpenAPI
schema (generated from those serializers) still describes what is sent; tests compare both paths.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connections
from django.db.models import Model

DATETIME_FORMAT = str(settings.REST_FRAMEWORK["DATETIME_FORMAT"])


def iso_datetime(value: dt.datetime | None) -> str | None:
    return None if value is None else value.astimezone(dt.UTC).strftime(DATETIME_FORMAT)


def iso_date(value: dt.date | None) -> str | None:
    return None if value is None else value.isoformat()


def str_or_none(value: Any) -> str | None:
    return None if value is None else str(value)


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
    choosing a join order over a wide table than running it). Returns label → pk → column values.
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
            found[item.label][pk.to_python(pk_value)] = tuple(values[: len(item.columns)])
    return found


def _column(model: type[Model], name: str) -> str:
    field = model._meta.get_field(name)
    column = getattr(field, "column", None)
    if not isinstance(column, str):
        raise TypeError(f"{model.__name__}.{name} is not a concrete column")
    return column
