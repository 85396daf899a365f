"""`{% current_team as current %}`: the team the signed-in person is working in, for page headers."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django import template

from accounts.models import Role, Team
from accounts.roles import team_permissions
from accounts.selectors import ALL_TEAMS, switchable_teams

register = template.Library()


@dataclass(frozen=True)
class CurrentTeam:
    team: Team | None  # None: a superuser's all-teams mode
    role_label: str
    choices: list[Team]
    all_teams_value: str
    may_see_all: bool


@register.simple_tag(takes_context=True)
def current_team(context: dict[str, Any]) -> CurrentTeam | None:
    request = context.get("request")
    if request is None or not request.user.is_authenticated:
        return None
    rights = team_permissions(request)
    choices = switchable_teams(user=request.user)
    team = next((t for t in choices if t.pk == rights.current_team_id), None)
    role = rights.role
    label = Role(role).label if role else ("Superuser" if request.user.is_superuser else "")
    return CurrentTeam(team, label, choices, ALL_TEAMS, bool(request.user.is_superuser))
