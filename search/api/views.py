from __future__ import annotations

from typing import ClassVar

from drf_spectacular.utils import extend_schema
from rest_framework.request import Request
from rest_framework.response import Response

from accounts.scopes import Scope
from core.api.examples import with_request_examples
from core.api.views import BaseAPIView, envelope
from search.api import examples
from search.api.serializers import SearchHitSerializer, SearchRequestSerializer
from search.selectors import search_records


@with_request_examples(post=examples.SEARCH)
class SearchView(BaseAPIView):
    required_scopes: ClassVar[dict[str, str]] = {"POST": Scope.SEARCH_READ}

    @extend_schema(
        summary="Search the team's records",
        tags=["search"],
        request=SearchRequestSerializer,
        responses={200: SearchHitSerializer(many=True)},
    )
    def post(self, request: Request) -> Response:
        """Ranked hits across jobs, assets, projects, clients, sites and invoices, best first.

        Only kinds of record whose `.read` scope the token has are searched; naming another kind
        in `types` is a 403 that names the missing scope.
        """
        serializer = SearchRequestSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        hits = search_records(team=self.team, scopes=request.user.scopes, **serializer.validated_data)  # type: ignore[union-attr]
        return envelope(SearchHitSerializer(hits, many=True).data)
