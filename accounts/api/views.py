from __future__ import annotations

from typing import Any, ClassVar

from drf_spectacular.utils import extend_schema
from rest_framework.request import Request
from rest_framework.response import Response

from accounts.api.serializers import TeamOverviewSerializer, credential_data
from accounts.scopes import Scope
from accounts.selectors import members_by_joining
from core.api.views import BaseAPIView, envelope

# A team's members come in one answer, capped; `membersTruncated` says when there are more.
MAX_MEMBERS = 200


class TeamView(BaseAPIView):
    required_scopes: ClassVar[dict[str, str]] = {"GET": Scope.TEAM_READ}

    @extend_schema(summary="Get the caller's team, its members and the calling credential", tags=["team"],
                   responses=TeamOverviewSerializer)  # fmt: skip
    def get(self, request: Request) -> Response:
        """The team the token belongs to, its members (oldest first, at most 200) and the token itself."""
        memberships = list(members_by_joining(team=self.team)[: MAX_MEMBERS + 1])
        overview: dict[str, Any] = {
            "team": self.team,
            "members": memberships[:MAX_MEMBERS],
            "members_truncated": len(memberships) > MAX_MEMBERS,
            "credential": credential_data(request.user.credential, request.user.scopes),  # type: ignore[union-attr]
        }
        return envelope(TeamOverviewSerializer(overview).data)
