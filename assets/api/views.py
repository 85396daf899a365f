from __future__ import annotations

from typing import Any, ClassVar

from django.db.models import QuerySet
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import status
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from accounts.models import Team
from accounts.scopes import Scope
from assets import selectors, services
from assets.api import examples
from assets.api.filters import AssetFilter
from assets.api.serializers import (
    AssetArchiveSerializer,
    AssetCreateSerializer,
    AssetDetailSerializer,
    AssetFilterOptionsSerializer,
    AssetHistoryEntrySerializer,
    AssetRestoreSerializer,
    AssetSerializer,
    AssetTypeCreateSerializer,
    AssetTypeSerializer,
    AssetTypeUpdateSerializer,
    AssetUpdateSerializer,
)
from assets.models import UNKNOWN_INSTALL_SORT_DATE, Asset, AssetType, HistoricalAsset
from core.api.errors import bad_request
from core.api.examples import with_request_examples
from core.api.pagination import CREATED_AT, SortField
from core.api.views import BaseAPIView, ListMixin, RetrieveMixin, TeamScopedViewSet, envelope

TAGS = ["assets"]


def _write_schema(summary: str, body: Any, status_code: int = 200) -> Any:
    return extend_schema(summary=summary, tags=TAGS, request=body, responses={status_code: AssetDetailSerializer})


@with_request_examples(create=examples.CREATE_ASSET_TYPE, update_asset_type=examples.UPDATE_ASSET_TYPE)
@extend_schema_view(
    list=extend_schema(summary="List asset types", tags=TAGS),
    retrieve=extend_schema(summary="Get an asset type", tags=TAGS),
    create=extend_schema(
        summary="Create an asset type",
        description="The key is unique in the team (a duplicate is a 409) and never changes; "
        "`attributesSchema`, when given, must be a valid JSON Schema (2020-12).",
        tags=TAGS,
        request=AssetTypeCreateSerializer,
        responses={201: AssetTypeSerializer},
    ),
    update_asset_type=extend_schema(
        summary="Update some of an asset type's fields",
        description="Only the fields sent change; the key cannot. A new `attributesSchema` applies to "
        "assets as they are next created or their attributes or type change.",
        tags=TAGS,
        request=AssetTypeUpdateSerializer,
        responses={200: AssetTypeSerializer},
    ),
)
class AssetTypeViewSet(ListMixin, RetrieveMixin, TeamScopedViewSet):
    """Asset types: the kinds of equipment the team services, each with an optional attributes schema."""

    queryset = AssetType.objects.all()
    serializer_class = AssetTypeSerializer
    required_scopes: ClassVar[dict[str, str]] = {
        "list": Scope.ASSETS_READ,
        "retrieve": Scope.ASSETS_READ,
        "create": Scope.ASSETS_WRITE,
        "update_asset_type": Scope.ASSETS_WRITE,
    }

    def base_queryset(self, team: Team) -> QuerySet[AssetType]:
        return selectors.asset_types_for(team=team)

    def create(self, request: Request) -> Response:
        data = self.validated(AssetTypeCreateSerializer)
        asset_type = services.create_asset_type(team=self.team, actor=self.actor, **data)
        return self.respond(asset_type, status.HTTP_201_CREATED)

    @action(detail=True, methods=["post"], url_path="update")
    def update_asset_type(self, request: Request, id: str) -> Response:
        asset_type = self.get_object()
        changes = self.validated(AssetTypeUpdateSerializer)
        return self.respond(services.update_asset_type(asset_type=asset_type, actor=self.actor, **changes))


@with_request_examples(create=examples.CREATE_ASSET, update_asset=examples.UPDATE_ASSET, archive=examples.ARCHIVE_ASSET)
@extend_schema_view(
    list=extend_schema(summary="List assets", tags=TAGS),
    retrieve=extend_schema(
        summary="Get an asset with its open jobs count and last completed job",
        tags=TAGS,
        responses=AssetDetailSerializer,
    ),
    create=_write_schema("Create an asset", AssetCreateSerializer, status.HTTP_201_CREATED),
    update_asset=_write_schema("Update some of an asset's fields", AssetUpdateSerializer),
    archive=_write_schema("Archive an asset", AssetArchiveSerializer),
)
class AssetViewSet(ListMixin, RetrieveMixin, TeamScopedViewSet):
    """Assets: equipment at the team's sites. Every change is recorded in the asset's history."""

    queryset = Asset.objects.all()
    serializer_class = AssetSerializer
    filterset_class = AssetFilter
    sort_fields: ClassVar[dict[str, SortField]] = {
        "createdAt": CREATED_AT,
        "updatedAt": SortField("updated_at"),
        "name": SortField("name"),
        "installDate": SortField("install_date", nulls_as=UNKNOWN_INSTALL_SORT_DATE),
    }
    required_scopes: ClassVar[dict[str, str]] = {
        "list": Scope.ASSETS_READ,
        "retrieve": Scope.ASSETS_READ,
        **dict.fromkeys(("create", "update_asset", "archive"), Scope.ASSETS_WRITE),
    }

    def base_queryset(self, team: Team) -> QuerySet[Asset]:
        return selectors.assets_for(team=team)

    def get_serializer_class(self) -> Any:
        return AssetSerializer if self.action == "list" else AssetDetailSerializer

    def filter_queryset(self, queryset: QuerySet[Any]) -> QuerySet[Any]:
        # The list's filters (and its default `archived=false`) never hide an asset fetched by id.
        return super().filter_queryset(queryset) if self.action == "list" else queryset

    def get_serializer_context(self) -> dict[str, Any]:
        context = super().get_serializer_context()
        context["job_summary"] = getattr(self, "_job_summary", None)
        return context

    def _detail(self, asset: Asset, status_code: int = status.HTTP_200_OK) -> Response:
        fresh = self.get_queryset().get(pk=asset.pk)
        self._job_summary = selectors.job_summary(asset=fresh)
        return self.respond(fresh, status_code)

    def retrieve(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return self._detail(self.get_object())

    def create(self, request: Request) -> Response:
        asset = services.create_asset(team=self.team, actor=self.actor, **self.validated(AssetCreateSerializer))
        return self._detail(asset, status.HTTP_201_CREATED)

    @action(detail=True, methods=["post"], url_path="update")
    def update_asset(self, request: Request, id: str) -> Response:
        asset = self.get_object()
        changes = self.validated(AssetUpdateSerializer)
        return self._detail(services.update_asset(asset=asset, actor=self.actor, **changes))

    @action(detail=True, methods=["post"])
    def archive(self, request: Request, id: str) -> Response:
        asset = self.get_object()
        self.validated(AssetArchiveSerializer)
        return self._detail(services.archive_asset(asset=asset, actor=self.actor))


@with_request_examples(restore=examples.RESTORE_ASSET)
@extend_schema_view(
    list=extend_schema(
        summary="List an asset's history, newest first",
        description="Each entry is one change: who made it, when, and `changes: [{field, from, to}]` "
        "against the entry before it. `attributes` changes are reported per key (`attributes.kw`).",
        tags=TAGS,
    ),
    restore=extend_schema(
        summary="Restore an asset to the state of one of its history entries",
        description="Sets every field back to the entry's state (un-archiving if the entry predates the "
        "archive) and records the restore as a new entry. An entry of another asset is a 400; a state "
        "that can no longer hold (its site is gone, its serial number is now another asset's) is a 409.",
        tags=TAGS,
        request=AssetRestoreSerializer,
        responses={200: AssetDetailSerializer},
    ),
)
class AssetHistoryViewSet(TeamScopedViewSet):
    """`/assets/{id}/history`: the asset's history entries, and restoring one of them."""

    queryset = HistoricalAsset.objects.all()
    serializer_class = AssetHistoryEntrySerializer
    sort_fields: ClassVar[dict[str, SortField]] = {"at": SortField("history_date")}
    default_sort = "at"
    required_scopes: ClassVar[dict[str, str]] = {"list": Scope.ASSETS_READ, "restore": Scope.ASSETS_WRITE}

    def asset(self) -> Asset:
        """The path's asset, if it is the caller team's (404 otherwise)."""
        return self.team_object(selectors.assets_for(team=self.team), self.kwargs["id"])

    def base_queryset(self, team: Team) -> QuerySet[Any]:
        return selectors.history_for_asset(team=team, asset_id=self.kwargs["id"])

    def list(self, request: Request, id: str) -> Response:
        self.asset()
        page = self.paginate_queryset(self.get_queryset()) or []
        selectors.attach_changes(page)
        return self.get_paginated_response(self.get_output_serializer(page, many=True).data)

    @action(detail=False, methods=["post"])
    def restore(self, request: Request, id: str) -> Response:
        asset = self.asset()
        data = self.validated(AssetRestoreSerializer)
        restored = services.restore_asset(asset=asset, actor=self.actor, history_id=data["history_id"])
        fresh = selectors.assets_for(team=self.team).get(pk=restored.pk)
        context = {**self.get_serializer_context(), "job_summary": selectors.job_summary(asset=fresh)}
        return envelope(AssetDetailSerializer(fresh, context=context).data)


class AssetFilterOptionsView(BaseAPIView):
    """`GET /assets/filter-options`: the values each list filter can take, with counts."""

    required_scopes: ClassVar[dict[str, str]] = {"GET": Scope.ASSETS_READ}
    extra_error_statuses = (400,)

    @extend_schema(
        summary="The values the asset list's filters can take, with counts",
        description="One grouped count per facet. Counts cover the assets the list shows by default "
        "(not archived), or the archived ones with `archived=true`; the `archived` facet counts both. "
        "Asset types and statuses list every value (zero counts included); sites, clients and "
        "manufacturers list the values in use. Facets are sorted by count, then name.",
        tags=TAGS,
        parameters=[
            OpenApiParameter(
                "archived", OpenApiTypes.STR, enum=["false", "true"], description="Count archived assets instead."
            )
        ],
        responses=AssetFilterOptionsSerializer,
    )
    def get(self, request: Request) -> Response:
        for name in request.query_params:
            if name != "archived":
                raise bad_request(name, "Unknown query parameter; the only one is `archived`.")
        raw = request.query_params.get("archived", "false")
        if raw not in ("false", "true"):
            raise bad_request("archived", "archived must be 'true' or 'false'.")
        options = selectors.filter_options(team=self.team, archived=raw == "true")
        return envelope(AssetFilterOptionsSerializer(options).data)
