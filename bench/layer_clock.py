"""The clock behind bench/layers.py: exclusive CPU and wall time per layer, and which functions are layers.

Each layer is a function wrapped with a clock: while it runs, time goes to its label, and a wrapped
function called inside it takes its own share, so the shares are exclusive and add up to the request.
Queries are labelled by their SQL; the middleware chain is walked so that each middleware gets the
time between being called and calling the next one, plus its way back.
"""

from __future__ import annotations

import re
import time
from collections import defaultdict
from collections.abc import Callable
from typing import Any

CLOCK = time.perf_counter_ns
CPU = time.thread_time_ns  # this process's CPU only: steady when other programs load the machine
OUTSIDE = "(the WSGI caller)"


class LayerClock:
    """Exclusive CPU and wall time per label: entering a label pauses the one below it on the stack."""

    def __init__(self) -> None:
        self.stack: list[str] = [OUTSIDE]
        self.cpu: dict[str, int] = defaultdict(int)
        self.wall: dict[str, int] = defaultdict(int)
        self.last_cpu, self.last_wall = CPU(), CLOCK()

    def _charge(self, label: str) -> None:
        cpu, wall = CPU(), CLOCK()
        self.cpu[label] += cpu - self.last_cpu
        self.wall[label] += wall - self.last_wall
        self.last_cpu, self.last_wall = cpu, wall

    def enter(self, label: str) -> None:
        self._charge(self.stack[-1])
        self.stack.append(label)

    def leave(self) -> None:
        self._charge(self.stack.pop())

    def reset(self) -> None:
        self.cpu.clear()
        self.wall.clear()
        self.last_cpu, self.last_wall = CPU(), CLOCK()


CLOCK_ = LayerClock()
_restore: list[tuple[Any, str, Any]] = []


def _timed(function: Callable[..., Any], label: str | Callable[..., str]) -> Callable[..., Any]:
    def timed(*args: Any, **kwargs: Any) -> Any:
        CLOCK_.enter(label if isinstance(label, str) else label(*args, **kwargs))
        try:
            return function(*args, **kwargs)
        finally:
            CLOCK_.leave()

    timed.__wrapped__ = function
    return timed


def wrap(owner: Any, name: str, label: str | Callable[..., str]) -> None:
    """Time `owner.name` (a function, method, static/class method or property) under `label`.

    Missing attributes are skipped: the table names only the layers the code has today.
    """
    raw = owner.__dict__.get(name) if hasattr(owner, "__dict__") else None
    if raw is None:
        if not hasattr(owner, name):
            return
        raw = getattr(owner, name)
    if isinstance(raw, staticmethod):
        new: Any = staticmethod(_timed(raw.__func__, label))
    elif isinstance(raw, classmethod):
        new = classmethod(_timed(raw.__func__, label))
    elif isinstance(raw, property):
        new = property(_timed(raw.fget, label), raw.fset, raw.fdel)
    else:
        new = _timed(raw, label)
    _restore.append((owner, name, raw))
    setattr(owner, name, new)


def unwrap_all() -> None:
    while _restore:
        owner, name, raw = _restore.pop()
        setattr(owner, name, raw)


# --- Labels for queries ---------------------------------------------------------------------------
_TABLE = re.compile(r'\b(?:FROM|INTO|UPDATE)\s+"?(\w+)"?', re.IGNORECASE)


def sql_label(sql: str) -> str:
    text = sql.lstrip()
    verb = text.split(None, 1)[0].upper() if text else "?"
    if verb in ("SAVEPOINT", "RELEASE", "ROLLBACK"):
        return "SQL savepoint"
    if "UNION ALL" in text:
        return "SQL related names (UNION ALL)"
    table = (_TABLE.search(text) or [None, "?"])[1]
    lock = " FOR UPDATE" if "FOR UPDATE" in text else ""
    return f"SQL {verb} {table}{lock}"


# --- The layers ------------------------------------------------------------------------------------
def instrument(application: Any) -> None:
    """Wrap every layer named in the table (see bench/README.md for what each covers)."""
    import psycopg
    from django.core.handlers.base import BaseHandler
    from django.db import transaction
    from django.db.backends.utils import CursorWrapper
    from django.db.models import Model
    from django.db.models.query import QuerySet
    from django.db.models.sql import compiler
    from rest_framework import serializers as drf_serializers
    from rest_framework.request import Request
    from rest_framework.response import Response
    from rest_framework.views import APIView

    from core.api import fast, filters, idempotency, pagination, statements
    from core.api import renderers as api_renderers
    from core.api import views as api_views

    for handler in (application.api, application.pages) if hasattr(application, "api") else (application,):
        _walk_middleware(handler)  # config.wsgi: /v1's handler and the pages' (core/api/handler.py)
    wrap(BaseHandler, "_get_response", "Django: view call, process_view, checks")
    wrap(BaseHandler, "resolve_request", "Django: URL resolving")
    wrap(api_views.BaseAPIView, "dispatch", "DRF: dispatch, initial (versioning)")
    wrap(APIView, "initialize_request", "DRF: request wrapping (Request, parsers, authenticators)")
    wrap(APIView, "perform_content_negotiation", "DRF: content negotiation")
    wrap(APIView, "perform_authentication", "authentication (API key, worker cache)")
    wrap(APIView, "check_permissions", "scopes (permission)")
    wrap(APIView, "check_throttles", "rate limit (Redis INCR+EXPIRE)")
    wrap(api_views.BaseAPIView, "finalize_response", "DRF: finalize (headers, Vary, rate headers)")
    wrap(idempotency, "begin", "idempotency check")
    wrap(Request, "_parse", "body parsing (JSON, camelCase)")
    wrap(api_views.TeamScopedViewSet, "get_queryset", "queryset: selector + tenancy")
    wrap(api_views.TeamScopedViewSet, "filter_queryset", "filter parsing (django-filter)")
    wrap(api_views.TeamScopedViewSet, "get_object", "get_object (lookup)")
    wrap(api_views.TeamScopedViewSet, "validated", "input validation (serializer)")
    wrap(pagination.KeysetPagination, "paginate_queryset", "keyset: parameters + ordering")
    wrap(fast, "wire_rows", "fetching rows (wire_rows: cursor, loaders)")
    wrap(fast, "wire_rows_of", "fetching rows (wire_rows: cursor, loaders)")
    wrap(statements, "wire_rows_of", "fetching rows (wire_rows: cursor, loaders)")
    wrap(pagination.KeysetPagination, "parse", "keyset: parameters + ordering")
    wrap(pagination.KeysetPagination, "apply", "keyset: parameters + ordering")
    wrap(filters.TeamFilterSet, "cleaned_params", "filter parsing (django-filter)")
    wrap(statements.HotList, "rows", "hot list: shape of the request")
    wrap(statements.StatementCache, "compiled", "hot list: kept statement (look up, bind)")
    wrap(statements, "learn", "hot list: learning a shape (once per shape and worker)")
    for name in ("filter", "alias", "order_by", "values", "__getitem__", "prefetch_related", "select_related"):
        wrap(QuerySet, name, "ORM: queryset building (clone, filter, order)")
    wrap(pagination.KeysetPagination, "key_after", "keyset token (sign)")
    wrap(pagination.KeysetPagination, "_decode_key", "keyset token (verify)")
    for cls in (compiler.SQLCompiler, compiler.SQLInsertCompiler, compiler.SQLUpdateCompiler,
                compiler.SQLDeleteCompiler, compiler.SQLAggregateCompiler):  # fmt: skip
        wrap(cls, "as_sql", "query compilation (ORM)")
    wrap(CursorWrapper, "_execute", lambda self, sql, *a, **k: sql_label(sql))
    wrap(CursorWrapper, "_executemany", lambda self, sql, *a, **k: sql_label(sql))
    for name in ("fetchone", "fetchmany", "fetchall"):
        wrap(psycopg.Cursor, name, "SQL fetch + type loading (psycopg)")
    wrap(Model, "from_db", "model instances (ORM)")
    wrap(QuerySet, "_prefetch_related_objects", "prefetch (ORM)")
    wrap(transaction.Atomic, "__exit__", "transaction end (COMMIT / savepoint release)")
    wrap(Response, "rendered_content", "rendering (renderer)")
    wrap(api_renderers, "camelize", "rendering: camelize (recursive)")
    wrap(api_renderers, "dumps", "rendering: orjson")
    wrap(drf_serializers.Serializer, "to_representation", "serializer (DRF fields)")
    wrap(drf_serializers.ListSerializer, "to_representation", "serializer (DRF fields)")
    _instrument_jobs()


def _instrument_jobs() -> None:
    from jobs import services as job_services
    from jobs.api import serializers as job_serializers
    from jobs.api import views as job_views
    from jobs.signals import job_completed

    wrap(job_views, "job_rows", "building rows (job_rows)")
    wrap(job_views.JobViewSet, "fetch_rows", "fetching rows (wire_rows: cursor, loaders)")
    for action in ("list", "retrieve", "create", "start", "complete"):
        wrap(job_views.JobViewSet, action, "view action (its own code)")
    wrap(job_serializers, "signed_link", "signed file links")
    wrap(job_views.JobViewSet, "_fresh", "write: re-read for the answer")
    for name in ("create_job", "start_job", "complete_job", "_transition"):
        wrap(job_services, name, "write: service (locks, checks, save)")
    wrap(job_services, "_record", "write: history (JobEvent)")
    wrap(job_services, "record_event", "write: webhook event (record_event)")
    _instrument_webhooks()
    job_completed.send = _timed(job_completed.send, "write: flows enqueue (job_completed)")  # type: ignore[method-assign]


def _instrument_webhooks() -> None:
    try:
        from webhooks import services as webhook_services
    except ImportError:
        return
    for name in ("object_json", "object_jsons", "event_object", "_payload"):
        wrap(webhook_services, name, "write: webhook payload (object JSON)")
    wrap(webhook_services, "_deliver", "write: deliveries + enqueue")
    wrap(webhook_services, "_deliver_all", "write: deliveries + enqueue")
    from flows import services as flow_services
    from jobs import services as job_services
    from jobs.api import detail
    from plans import services as plan_services

    # Where they are called from (each module holds its own reference to the helper).
    for module in (webhook_services, flow_services, plan_services):
        wrap(module, "rows_pointing_at", "write: related rows (core.related)")
    wrap(job_services, "row_by_pk", "write: row by key, compiled once (core.prepared)")
    wrap(detail, "job_details", "the job as its detail shows it (jobs/api/detail.py)")


def _walk_middleware(application: Any) -> None:
    """Give each middleware its own label: the time until it calls the next one, and after."""
    label_of: dict[int, str] = {}

    def label(instance: Any) -> str:
        name = type(instance).__name__
        return label_of.setdefault(id(instance), f"middleware: {name}")

    def target_of(inner: Any) -> Any:  # `convert_exception_to_response`'s closure holds what it wraps
        for name, cell in zip(inner.__code__.co_freevars, inner.__closure__ or (), strict=True):
            if name == "get_response":
                return cell.cell_contents
        return None

    instances = []
    current = target_of(application._middleware_chain)
    while current is not None and hasattr(current, "get_response") and not hasattr(current, "__func__"):
        instances.append(current)
        current = target_of(current.get_response)
    application._middleware_chain = _timed(application._middleware_chain, label(instances[0]))
    for instance, following in zip(instances, [*instances[1:], None], strict=True):
        inner_label = label(following) if following is not None else "Django: view call, process_view, checks"
        instance.get_response = _timed(instance.get_response, inner_label)
