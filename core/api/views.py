"""The base view every /v1 endpoint derives from: team scoping, scopes, envelope, limits, idempotency."""

from __future__ import annotations

import logging
import uuid
from typing import Any, ClassVar, TypeVar, cast

from django.core.exceptions import ImproperlyConfigured
from django.db import DatabaseError, models, transaction
from django_filters import FilterSet
from rest_framework import status
from rest_framework.exceptions import NotFound
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.serializers import BaseSerializer
from rest_framework.views import APIView
from rest_framework.viewsets import GenericViewSet

from accounts.models import Actor, Team
from core import registry
from core.api import idempotency, lean
from core.api.errors import plain_error_response, request_id_of
from core.api.filters import PAGINATION_PARAMS
from core.api.pagination import DEFAULT_SORT_FIELDS, SortField
from core.api.statements import HotList
from core.models import for_team
from core.prepared import row_by_pk

logger = logging.getLogger("shocking.api")
_M = TypeVar("_M", bound=models.Model)

UUID_PATTERN = "[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}"


def envelope(data: Any, status_code: int = status.HTTP_200_OK, message: str | None = None) -> Response:
    body: dict[str, Any] = {"success": True, "data": data}
    if message:
        body["message"] = message
    return Response(body, status=status_code)


def absolute_links(data: Any, request: Request) -> Any:
    """`data` with every relative link (a `url` starting with `/`) made absolute for `request`, in place."""
    if isinstance(data, dict):
        for key, value in data.items():
            if key == "url" and isinstance(value, str) and value.startswith("/"):
                data[key] = request.build_absolute_uri(value)
            elif isinstance(value, (dict, list)):
                absolute_links(value, request)
    elif isinstance(data, list):
        for item in data:
            absolute_links(item, request)
    return data


class BaseAPIView(APIView):
    """Cross-cutting behaviour for every /v1 view (viewsets and plain API views alike).

    Plain views declare `required_scopes` by HTTP method (`{"GET": Scope.TEAM_READ}`), viewsets by
    action; scopes come from the `accounts.scopes.Scope` enum.
    """

    required_scopes: ClassVar[dict[str, str]] = {}

    @property
    def team(self) -> Team:
        return self.request.user.team  # type: ignore[union-attr]

    @property
    def actor(self) -> Actor:
        return self.request.user.actor  # type: ignore[union-attr]

    def dispatch(self, request: Any, *args: Any, **kwargs: Any) -> Any:
        """A POST with an `Idempotency-Key` runs in one transaction with its idempotency record.

        The claim, the action and the stored answer commit together or not at all: a duplicate sent
        meanwhile waits on the key's unique index and then replays the answer (or runs, if the first
        attempt rolled back), and a request that dies midway leaves no stale claim behind.
        """
        if request.method != "POST" or idempotency.HEADER_META not in request.META:
            return super().dispatch(request, *args, **kwargs)
        try:
            with transaction.atomic():
                return super().dispatch(request, *args, **kwargs)
        except DatabaseError:  # the transaction could not start or commit: nothing was saved
            logger.warning("Database unavailable around an idempotent request", exc_info=True)
            response = plain_error_response(
                request, 503, [{"message": "A required service is unreachable. Retry shortly.", "path": ""}]
            )
            response["Retry-After"] = "5"
            return response

    def initial(self, request: Request, *args: Any, **kwargs: Any) -> None:
        super().initial(request, *args, **kwargs)
        self._idempotency = idempotency.begin(request) if request.method == "POST" else None

    def handle_exception(self, exc: Exception) -> Response:
        if isinstance(exc, idempotency.IdempotentReplay):
            return exc.response(request_id_of(self.request))
        return super().handle_exception(exc)

    def finalize_response(self, request: Request, response: Any, *args: Any, **kwargs: Any) -> Any:
        response = super().finalize_response(request, response, *args, **kwargs)
        rate = getattr(request, "rate_limit", None)
        if rate is not None:
            response["RateLimit-Limit"], response["RateLimit-Remaining"], response["RateLimit-Reset"] = map(str, rate)
        record = getattr(self, "_idempotency", None)
        if record is not None:
            self._idempotency = None
            idempotency.finish(record, response)
        return response


class TeamScopedViewSet(BaseAPIView, GenericViewSet):
    """A viewset over one team-owned model. Querysets are narrowed to the caller's team here, once.

    A subclass says which rows it serves in `base_queryset` (its app's selector, with what its
    serializer needs loaded); `get_queryset` always ends by narrowing them to the caller's team, so
    no action, list path or subclass can skip it. Overriding `get_queryset` is refused at import.
    """

    lookup_field = "pk"
    lookup_url_kwarg = "id"
    lookup_value_regex = UUID_PATTERN
    sort_fields: ClassVar[dict[str, SortField]] = DEFAULT_SORT_FIELDS
    default_sort = "createdAt"
    output_serializer_class: type[BaseSerializer[Any]] | None = None
    # True when `base_queryset(team)` depends on the team and the action alone (not on the path, the
    # query or the caller's scopes): `get_object` then reads the row through a statement kept once built.
    object_statement_kept: ClassVar[bool] = False
    # A hot list: its page statement kept per shape of request, its plain GETs dispatched lean.
    hot_list: ClassVar[HotList | None] = None

    @classmethod
    def as_view(cls, actions: dict[str, Any] | None = None, **initkwargs: Any) -> Any:
        view = super().as_view(actions, **initkwargs)
        if cls.hot_list is not None and (actions or {}).get("get") == "list":
            return lean.list_view(cls, view)  # the route's plain GETs without DRF's general dispatch
        return view

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        for name in ("get_queryset", "scoped_queryset"):
            if name in vars(cls):
                raise ImproperlyConfigured(
                    f"{cls.__qualname__} overrides {name}; declare base_queryset() instead "
                    "(TeamScopedViewSet applies the caller's team itself)."
                )

    def base_queryset(self, team: Team) -> models.QuerySet[Any]:
        """The rows this viewset serves, from its app's selector; the base narrows them to `team` afterwards."""
        return self._declared_queryset().all()

    def get_queryset(self) -> models.QuerySet[Any]:
        if getattr(self, "swagger_fake_view", False):
            return self._declared_queryset().none()
        return self.scoped_queryset(self.team)

    def scoped_queryset(self, team: Team) -> models.QuerySet[Any]:
        """`base_queryset(team)` narrowed to `team`: the only place a viewset's rows meet tenancy."""
        return for_team(self.base_queryset(team), team)

    def _declared_queryset(self) -> models.QuerySet[Any]:
        queryset: models.QuerySet[Any] = cast(Any, self).queryset  # a class attribute (a Manager's queryset)
        return queryset

    def team_object(self, queryset: models.QuerySet[_M], pk: Any) -> _M:
        """The row `pk` of `queryset` if it is the caller team's (a parent named in the path), else 404."""
        try:
            pk = uuid.UUID(str(pk))
        except ValueError:
            raise NotFound() from None
        found = for_team(queryset, self.team).filter(pk=pk).first()
        if found is None:
            raise NotFound()
        return found

    def filter_queryset(self, queryset: models.QuerySet[Any]) -> models.QuerySet[Any]:
        if not self._filters_apply():
            return queryset
        return super().filter_queryset(queryset)

    def _filters_apply(self) -> bool:
        # Without filter parameters there is nothing to filter: skip building the filter set (a deep
        # copy of every filter and a form per request — a measurable share of a hot list's time),
        # unless the filter set filters by default (assets hide archived rows unless asked).
        filterset_class = getattr(self, "filterset_class", None)
        filters_by_default = (
            filterset_class is not None and filterset_class.filter_queryset is not FilterSet.filter_queryset
        )
        return filters_by_default or bool(set(self.request.query_params) - PAGINATION_PARAMS)

    def _path_key(self) -> uuid.UUID:
        try:
            return uuid.UUID(str(self.kwargs[self.lookup_url_kwarg]))
        except ValueError:
            raise NotFound() from None

    def object_to_lock(self) -> Any:
        """The path's row for a service that locks it anyway (a transition), not read here: an
        instance holding its key and the caller's team, and nothing else.

        The service's lock reads the row among that team's rows only (`core.models.for_team`), so
        another team's key, or none, is the model's `DoesNotExist`, answered 404 as `get_object`
        answers it: one read of the row instead of two.
        """
        model = self._declared_queryset().model
        self._object_to_lock = model
        return model(pk=self._path_key(), team=self.team)

    def handle_exception(self, exc: Exception) -> Response:
        model = getattr(self, "_object_to_lock", None)
        if model is not None and isinstance(exc, model.DoesNotExist):
            exc = NotFound()
        return super().handle_exception(exc)

    def get_object(self) -> Any:
        pk = self._path_key()
        if self.object_statement_kept and self.lookup_field == "pk" and not self._filters_apply():
            # The caller's row by its key through a statement compiled once per viewset and action
            # (core.prepared): building and compiling the scoped queryset cost several times reading the row.
            shape = f"view.{type(self).__module__}.{type(self).__qualname__}.{self.action}"
            obj = row_by_pk(shape, self.scoped_queryset, pk, team=self.team)
            if obj is None:
                raise NotFound()
            self.check_object_permissions(self.request, obj)
        else:
            obj = super().get_object()
        if getattr(obj, "team_id", None) == self.team.pk:
            obj.team = self.team  # the caller's team, already loaded: no query when a service reads `obj.team`
        return obj

    def hot_list_response(self, request: Request) -> Response:
        """The hot list's page, as its `list` answers through DRF's dispatch (see `core.api.lean`)."""
        assert self.hot_list is not None
        paginator: Any = self.paginator  # KeysetPagination (settings), as for every list
        return Response(paginator.body(self.hot_list.page(self, request)))

    def get_serializer_context(self) -> dict[str, Any]:
        context = dict(super().get_serializer_context())
        user = getattr(self.request, "user", None)
        if getattr(user, "is_authenticated", False):
            context["team"] = self.team
        return context

    def get_output_serializer(self, *args: Any, **kwargs: Any) -> BaseSerializer[Any]:
        serializer_class = self.output_serializer_class or self.get_serializer_class()
        kwargs.setdefault("context", self.get_serializer_context())
        return serializer_class(*args, **kwargs)

    def validated(self, serializer_class: type[BaseSerializer[Any]], **kwargs: Any) -> dict[str, Any]:
        """Validate the request body with `serializer_class` (400 on failure) and return the data."""
        serializer = serializer_class(data=self.request.data, context=self.get_serializer_context(), **kwargs)
        serializer.is_valid(raise_exception=True)
        return serializer.validated_data

    def respond(self, instance: Any, status_code: int = status.HTTP_200_OK) -> Response:
        return envelope(self.get_output_serializer(instance).data, status_code)

    def respond_fresh(self, obj: models.Model, status_code: int = status.HTTP_200_OK) -> Response:
        """Answer a write with `obj` read again as this viewset reads its rows (what the write left)."""
        return self.respond(self.get_queryset().get(pk=obj.pk), status_code)

    def respond_written(
        self, obj: models.Model, status_code: int = status.HTTP_200_OK, *, read: Any = None
    ) -> Response:
        """Answer a write with `obj` as the write left it.

        The event the write recorded already read and serialized it (`core.registry.read_written`),
        in the write's transaction: that representation is reused, its links made absolute, rather
        than reading the row and its relations a second time. A write that recorded no event (nothing
        changed) answers with `read()` (default: `obj` as it is).
        """
        data = registry.written_representation(obj)
        if data is None:
            return self.respond(obj if read is None else read(), status_code)
        return envelope(absolute_links(data, self.request), status_code)


class ListMixin:
    """`GET /things`: filtered, keyset-paginated, serialized with a constant number of queries."""

    def list(self: Any, request: Request, *args: Any, **kwargs: Any) -> Response:
        queryset = self.filter_queryset(self.get_queryset())
        page = self.paginate_queryset(queryset)
        return self.get_paginated_response(self.get_output_serializer(page, many=True).data)


class RetrieveMixin:
    """`GET /things/{id}`: another team's id is simply not found."""

    def retrieve(self: Any, request: Request, *args: Any, **kwargs: Any) -> Response:
        return self.respond(self.get_object())
