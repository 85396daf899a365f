"""Reads for `/v1/search`: ranked hits across a team's records, one query per kind of record searched."""

from __future__ import annotations

import functools
import operator
import uuid
from collections.abc import Callable, Collection, Iterable
from dataclasses import dataclass
from typing import Any

from django.apps import apps
from django.db import connection, models
from django.db.models import Case, F, FloatField, Q, Value, When
from django.db.models.functions import Coalesce

from accounts.models import Team
from accounts.scopes import grants
from core.exceptions import DomainError
from search import documents
from search.types import TYPE_SCOPES, SearchType

MAX_QUERY_LENGTH = 200
DEFAULT_LIMIT = 10
MAX_LIMIT = 50


class SearchScopeError(DomainError):
    """A kind of record was asked for explicitly that the credential may not read (403)."""

    status_code = 403


@dataclass(frozen=True)
class SearchHit:
    type: SearchType
    id: uuid.UUID
    title: str
    subtitle: str
    score: float


Row = dict[str, Any]


@dataclass(frozen=True)
class SearchSource:
    """One kind of record: its model, its PostgreSQL statement, its SQLite fallback, and its title/subtitle."""

    model: str
    sql: str
    fallback_fields: tuple[str, ...]
    title_field: str
    # Columns for `describe`: a plain field (None) or an expression over related rows.
    columns: dict[str, Any]
    describe: Callable[[Row], tuple[str, str]]
    exact_field: str | None = None

    def model_class(self) -> type[models.Model] | None:
        app_label, model_name = self.model.split(".")
        try:
            return apps.get_model(app_label, model_name)
        except LookupError:
            return None


def _joined(*parts: Any, separator: str = " · ") -> str:
    return separator.join(str(part) for part in parts if part not in (None, ""))


def _describe_job(row: Row) -> tuple[str, str]:
    title = _joined(row["job_type_name"], row["site_name"], separator=" at ")
    scheduled = f"scheduled {row['scheduled_date'].isoformat()}" if row["scheduled_date"] else None
    return title, _joined(row["status"], row["client_name"], scheduled)


def _describe_asset(row: Row) -> tuple[str, str]:
    serial = f"SN {row['serial_number']}" if row["serial_number"] else None
    return row["name"], _joined(_joined(row["manufacturer"], row["model"], separator=" "), serial, row["site_name"])


def _describe_site(row: Row) -> tuple[str, str]:
    return row["name"], _joined(row["address_line1"], row["city"], row["postcode"], separator=", ")


def _describe_invoice(row: Row) -> tuple[str, str]:
    amount = f"{row['total']} {row['currency']}"
    return row["number"] or "Draft invoice", _joined(row["client_name"], row["status"], amount)


SOURCES: dict[SearchType, SearchSource] = {
    SearchType.JOB: SearchSource(
        model="jobs.Job",
        sql=documents.JOB_SQL,
        fallback_fields=(
            "notes",
            "job_type__name",
            "job_type__key",
            "site__name",
            "site__postcode",
            "site__client__name",
        ),
        title_field="job_type__name",
        columns={
            "job_type_name": F("job_type__name"),
            "status": None,
            "scheduled_date": None,
            "site_name": F("site__name"),
            "client_name": Coalesce(F("client__name"), F("site__client__name")),
        },
        describe=_describe_job,
    ),
    SearchType.ASSET: SearchSource(
        model="assets.Asset",
        sql=documents.ASSET_SQL,
        fallback_fields=("name", "serial_number", "model", "manufacturer"),
        title_field="name",
        exact_field="serial_number",
        columns={
            "name": None,
            "manufacturer": None,
            "model": None,
            "serial_number": None,
            "site_name": F("site__name"),
        },
        describe=_describe_asset,
    ),
    SearchType.PROJECT: SearchSource(
        model="projects.Project",
        sql=documents.PROJECT_SQL,
        fallback_fields=("name",),
        title_field="name",
        columns={"name": None, "client_name": F("client__name")},
        describe=lambda row: (row["name"], row["client_name"]),
    ),
    SearchType.CLIENT: SearchSource(
        model="projects.Client",
        sql=documents.CLIENT_SQL,
        fallback_fields=("name", "email"),
        title_field="name",
        exact_field="email",
        columns={"name": None, "email": None},
        describe=lambda row: (row["name"], row["email"]),
    ),
    SearchType.SITE: SearchSource(
        model="projects.Site",
        sql=documents.SITE_SQL,
        fallback_fields=("name", "postcode", "address_line1", "city"),
        title_field="name",
        columns={"name": None, "address_line1": None, "city": None, "postcode": None},
        describe=_describe_site,
    ),
    SearchType.INVOICE: SearchSource(
        model="invoicing.Invoice",
        sql=documents.INVOICE_SQL,
        fallback_fields=("number", "client__name"),
        title_field="number",
        exact_field="number",
        columns={
            "number": None,
            "status": None,
            "total": None,
            "currency": None,
            "client_name": F("client__name"),
        },
        describe=_describe_invoice,
    ),
}
TYPE_ORDER = list(SearchType)


def searchable_types(scopes: Collection[str], requested: Iterable[str] | None = None) -> list[SearchType]:
    """The kinds of record to search: those asked for (all when none are), each checked against the scopes.

    Asking explicitly for a kind the credential may not read is refused (403 naming the scope);
    without `requested`, unreadable kinds are silently left out, so a `search.read`-only token finds nothing.
    """
    if requested is None:
        return [kind for kind in TYPE_ORDER if grants(scopes, TYPE_SCOPES[kind])]
    kinds = sorted({SearchType(kind) for kind in requested}, key=TYPE_ORDER.index)
    for kind in kinds:
        if not grants(scopes, TYPE_SCOPES[kind]):
            message = f"Searching '{kind.value}' records requires the '{TYPE_SCOPES[kind].value}' scope."
            raise SearchScopeError(message, "types")
    return kinds


def normalize_query(query: str) -> str:
    return " ".join(query.split())


def search_records(
    *, team: Team, scopes: Collection[str], query: str, types: Iterable[str] | None = None, limit: int = DEFAULT_LIMIT
) -> list[SearchHit]:
    """Ranked hits for `query` across the team's records of every kind the scopes can read.

    One query per kind of record (full-text and trigram on PostgreSQL, `icontains` elsewhere);
    hits are merged by score, best first, then cut to `limit`.
    """
    query = normalize_query(query)
    hits: list[SearchHit] = []
    for kind in searchable_types(scopes, types):
        source = SOURCES[kind]
        model = source.model_class()
        if model is None:
            continue  # the kind's app does not have its model (yet): nothing of that kind to find
        if _on_postgres():
            rows = _postgres_rows(source, team, query, limit)
        else:
            rows = _fallback_rows(source, model, team, query, limit)
        for row in rows:
            title, subtitle = source.describe(row)
            hits.append(SearchHit(kind, row["id"], title, subtitle or "", round(float(row["score"]), 4)))
    hits.sort(key=lambda hit: (-hit.score, TYPE_ORDER.index(hit.type)))
    return hits[:limit]


def _on_postgres() -> bool:
    return connection.vendor == "postgresql"


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _postgres_rows(source: SearchSource, team: Team, query: str, limit: int) -> list[Row]:
    params: dict[str, Any] = {"team": team.pk, "q": query, "like": f"%{_escape_like(query)}%", "limit": limit}
    with connection.cursor() as cursor:
        cursor.execute(source.sql, params)
        names = [column.name for column in cursor.description]
        return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


def _fallback_rows(source: SearchSource, model: type[models.Model], team: Team, query: str, limit: int) -> list[Row]:
    """SQLite (the demo default): every word must appear in one of the fields, case-insensitively."""
    matches = [
        functools.reduce(operator.or_, (Q(**{f"{field}__icontains": word}) for field in source.fallback_fields))
        for word in query.split()
    ]
    ranks = [When(Q(**{f"{source.title_field}__iexact": query}), then=Value(0.9))]
    if source.exact_field:
        ranks.insert(0, When(Q(**{f"{source.exact_field}__iexact": query}), then=Value(documents.EXACT_SCORE)))
    ranks.append(When(Q(**{f"{source.title_field}__istartswith": query}), then=Value(0.7)))
    queryset = (
        model._default_manager.filter(team=team)
        .filter(functools.reduce(operator.and_, matches))
        .annotate(score=Case(*ranks, default=Value(0.5), output_field=FloatField()))
        .order_by("-score", "-created_at", "id")
        .values(
            "id",
            "score",
            *(name for name, expression in source.columns.items() if expression is None),
            **{name: expression for name, expression in source.columns.items() if expression is not None},
        )
    )
    return list(queryset[:limit])
