"""`{% admin_dashboard_tiles as tiles %}`: the dashboard tiles of the admin index for this request."""

from __future__ import annotations

from typing import Any

from django import template

from core.admin import DashboardTile, dashboard_tiles

register = template.Library()


@register.simple_tag(takes_context=True)
def admin_dashboard_tiles(context: dict[str, Any]) -> dict[str, list[DashboardTile]]:
    grouped: dict[str, list[DashboardTile]] = {}
    for tile in dashboard_tiles(context["request"]):
        grouped.setdefault(tile.group, []).append(tile)
    return grouped
