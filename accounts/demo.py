"""Demo people: one of each role (owner, admin, dispatcher, finance) and three engineers.

Each can sign in (site and admin) with `DEMO_PASSWORD`; `demo_access` prints one sign-in per role.
"""

from __future__ import annotations

from accounts.models import Membership, Role, Team
from accounts.services import add_member
from core.demo import DemoContext

DEMO_PASSWORD = "demo-password-1"  # noqa: S105 - printed for the local demo only

PEOPLE = [
    ("owner", "Olivia Owner", Role.OWNER),
    ("manager", "Adam Admin", Role.ADMIN),  # admin@… is the demo superuser
    ("dispatch", "Dan Dispatcher", Role.DISPATCHER),
    ("eng1", "Erin Engineer", Role.ENGINEER),
    ("eng2", "Eli Engineer", Role.ENGINEER),
    ("eng3", "Esme Engineer", Role.ENGINEER),
    ("finance", "Fiona Finance", Role.FINANCE),
]


def seed(context: DemoContext) -> None:
    for handle, name, role in PEOPLE:
        email = f"{handle}@{context.team.slug}.example.com"
        membership = add_member(team=context.team, email=email, role=role, full_name=name, password=DEMO_PASSWORD)
        context.members[handle] = membership.user


def sign_ins(team: Team) -> list[tuple[str, str]]:
    """One demo member per role, as (role label, email), owners first."""
    found = []
    for role in Role:
        membership = (
            Membership.objects.filter(team=team, role=role, is_active=True, user__email__endswith=".example.com")
            .exclude(user__is_superuser=True)
            .select_related("user")
            .order_by("user__email")
            .first()
        )
        if membership is not None:
            found.append((role.label, membership.user.email))
    return found
