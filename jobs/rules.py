"""What a job's links and its assignee must satisfy, written once for `jobs.services` and the admin's form.

Each check returns every issue it finds (as `(path, message)` pairs with the API's camelCase paths)
instead of raising the first, so a form can show them all at once beside its own field errors;
the services raise them together as one `InvalidInputError`.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import QuerySet

from accounts.models import Membership, Role, Team, User
from assets.models import Asset
from core.exceptions import InvalidInputError
from projects.models import Client, Project, Site

# Who may be given a job: engineers, and owners and admins (small teams' owners do field work too).
# Dispatchers plan the work and finance bills it: neither is offered nor accepted as an assignee.
ASSIGNABLE_ROLES: tuple[str, ...] = (Role.ENGINEER, Role.OWNER, Role.ADMIN)

Issues = list[tuple[str, str]]


def assignable_memberships(*, team: Team) -> QuerySet[Membership]:
    """The team's active memberships whose person may be assigned jobs, engineers first, then by name."""
    return (
        Membership.objects.filter(team=team, is_active=True, user__is_active=True, role__in=ASSIGNABLE_ROLES)
        .select_related("user")
        .order_by("user__full_name", "user__email")
    )


def assignee_issues(*, team: Team, engineer: User | None) -> Issues:
    """Why `engineer` may not be given a job of `team` (nothing when they may, or when nobody is named)."""
    if engineer is None:
        return []
    membership = (
        Membership.objects.filter(team=team, user=engineer, is_active=True, user__is_active=True).only("role").first()
    )
    if membership is None:
        return [("engineerId", "No active member of your team has this id.")]
    if membership.role not in ASSIGNABLE_ROLES:
        role = Role(membership.role).label.lower()
        return [("engineerId", f"{engineer} is a {role} member: only engineers, owners and admins are assigned jobs.")]
    return []


def check_assignable(*, team: Team, engineer: User) -> None:
    """Refuse (400 on `engineerId`) a person who may not be given the team's jobs."""
    issues = assignee_issues(team=team, engineer=engineer)
    if issues:
        raise InvalidInputError(issues[0][1], issues=issues)


@dataclass(frozen=True)
class JobLinks:
    """A job's client, site, asset and project once they are checked, the client and site filled in."""

    client: Client | None
    site: Site | None
    asset: Asset | None
    project: Project | None


def link_issues(
    *, client: Client | None, site: Site | None, asset: Asset | None, project: Project | None
) -> tuple[JobLinks, Issues]:
    """Whether the records agree with each other (every disagreement), and the links completed.

    An asset names its site, a site its client, a project its client: what is left out is taken
    from them.
    """
    issues: Issues = []
    if asset is not None:
        if site is not None and asset.site_id != site.pk:
            issues.append(("assetId", "The asset is not installed at this site."))
        site = site or asset.site
    if project is not None:
        if client is not None and project.client_id != client.pk:
            issues.append(("projectId", "The project belongs to another client."))
        client = client or project.client
    if site is not None:
        if client is not None and site.client_id != client.pk:
            issues.append(("siteId", "The site belongs to another client."))
        client = client or site.client
    return JobLinks(client=client, site=site, asset=asset, project=project), issues


def raise_issues(issues: Issues) -> None:
    """Raise every issue at once as one 400 (nothing when there are none)."""
    if issues:
        raise InvalidInputError(issues[0][1], issues=issues)
