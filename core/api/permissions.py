"""Scope permission, deny by default: every action must declare the scope it needs."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from rest_framework.exceptions import PermissionDenied
from rest_framework.permissions import BasePermission
from rest_framework.request import Request

from accounts.scopes import grants

logger = logging.getLogger("shocking.api")


def required_scope(view: Any, method: str) -> str | None:
    """The scope the view declares for this action (viewsets) or HTTP method (plain API views)."""
    scopes: dict[str, str] = getattr(view, "required_scopes", None) or {}
    action = getattr(view, "action", None)
    if action and action in scopes:
        return scopes[action]
    return scopes.get(method.upper())


def _handles(view: Any, method: str) -> bool:
    action_map = getattr(view, "action_map", None)
    if action_map is not None:
        return method.lower() in action_map
    return hasattr(view, method.lower())


class ScopePermission(BasePermission):
    def has_permission(self, request: Request, view: Any) -> bool:
        principal: Any = request.user
        if principal is None or not getattr(principal, "is_authenticated", False):
            return False  # DRF answers 401 since an authenticator exists
        if not _handles(view, request.method or ""):
            return True  # no handler for this method: DRF answers 405 next
        scope = required_scope(view, request.method or "")
        if scope is None:
            logger.error("%s declares no scope for %s; refusing by default.", type(view).__name__, request.method)
            raise PermissionDenied("This operation declares no scope and is refused by default.")
        if not grants(principal.scopes, scope):
            raise PermissionDenied(f"This operation requires the '{scope}' scope.")
        return True


def signed_link_or_scope(
    resolve: Callable[[str], tuple[str, str] | None], granted_attribute: str
) -> type[BasePermission]:
    """A permission: a valid signed link (`?token=`) for the object in the path is enough; otherwise the scope.

    `resolve(token)` answers `(object id, what the link grants)` for a valid token, else None; what it
    grants is set on the view as `granted_attribute`. Used by the signed downloads (flow documents, job files).
    """

    class SignedLinkOrScope(BasePermission):
        def has_permission(self, request: Request, view: Any) -> bool:
            token = request.query_params.get("token")
            if token:
                granted = resolve(token)
                if granted is not None and granted[0] == str(view.kwargs.get("id")):
                    setattr(view, granted_attribute, granted[1])
                    return True
            return ScopePermission().has_permission(request, view)

    return SignedLinkOrScope
