"""The team a signed-in person is working in, and what they may do there: what every staff page
(settings, webhooks, role homes) starts from. Not a view, so any app's pages can use it."""

from __future__ import annotations

from dataclasses import dataclass

from django.http import Http404, HttpRequest

from accounts.models import Membership, Team
from accounts.roles import team_permissions
from accounts.selectors import memberships_of


@dataclass(frozen=True)
class TeamContext:
    """The team the signed-in person is working in, and what they may do there."""

    team: Team
    membership: Membership
    memberships: list[Membership]
    can_manage_keys: bool
    can_revoke_keys: bool
    can_view_keys: bool = False
    can_view_webhooks: bool = False
    can_view_members: bool = False
    can_manage_members: bool = False


def team_context(request: HttpRequest) -> TeamContext:
    """The person's current team (chosen in the switcher, else their first); 404 if they have none."""
    memberships = memberships_of(user=request.user)
    if not memberships:
        raise Http404("You are not a member of any team yet.")
    rights = team_permissions(request)
    membership = next((m for m in memberships if m.team_id == rights.current_team_id), memberships[0])
    team_id = membership.team_id

    def may(*perms: str) -> bool:
        return any(rights.has(team_id, perm) for perm in perms)

    return TeamContext(
        team=membership.team,
        membership=membership,
        memberships=memberships,
        can_manage_keys=may("accounts.add_apikey"),
        can_revoke_keys=may("accounts.change_apikey"),
        can_view_keys=may("accounts.view_apikey", "accounts.change_apikey"),
        can_view_webhooks=may("webhooks.view_webhookendpoint", "webhooks.change_webhookendpoint"),
        can_view_members=may("accounts.view_membership", "accounts.change_membership"),
        can_manage_members=may("accounts.add_membership"),
    )
