"""Reads for accounts: a person's teams, the team they are working in, a team's members and invitations."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from accounts.models import Invitation, Membership, Team, User, hash_token

# The team chosen in the switcher (settings pages and admin alike) is remembered in the session.
CURRENT_TEAM_SESSION_KEY = "current_team_id"
# A superuser's explicit choice to see every team's rows in the admin.
ALL_TEAMS = "__all__"


def memberships_of(*, user: User | Any) -> list[Membership]:
    """The person's active memberships, teams by name."""
    if not getattr(user, "is_authenticated", False):
        return []
    return list(Membership.objects.filter(user=user, is_active=True).select_related("team").order_by("team__name"))


def switchable_teams(*, user: User | Any) -> list[Team]:
    """Teams the person may switch to: their own, or every team for a superuser."""
    if getattr(user, "is_superuser", False):
        return list(Team.objects.order_by("name"))
    return [membership.team for membership in memberships_of(user=user)]


def team_members(*, team: Team) -> QuerySet[Membership]:
    return Membership.objects.for_team(team).select_related("user").order_by("-is_active", "user__email")


def members_by_joining(*, team: Team) -> QuerySet[Membership]:
    """The team's memberships (active or not) with their people, oldest first, as the API lists them."""
    return Membership.objects.for_team(team).select_related("user").order_by("created_at", "id")


def open_invitations(*, team: Team) -> QuerySet[Invitation]:
    return Invitation.objects.open().filter(team=team).select_related("invited_by").order_by("-sent_at")


def invitation_by_token(*, token: str) -> Invitation | None:
    """The pending (open, unexpired) invitation a link token belongs to, if any."""
    return (
        Invitation.objects.pending().select_related("team", "invited_by").filter(hashed_token=hash_token(token)).first()
    )
