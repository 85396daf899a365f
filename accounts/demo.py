"""Demo people: an owner, a dispatcher, engineers and a finance person."""

from __future__ import annotations

from accounts.models import Role
from accounts.services import add_member
from core.demo import DemoContext

PEOPLE = [
    ("owner", "Olivia Owner", Role.OWNER),
    ("dispatch", "Dan Dispatcher", Role.DISPATCHER),
    ("eng1", "Erin Engineer", Role.ENGINEER),
    ("eng2", "Eli Engineer", Role.ENGINEER),
    ("eng3", "Esme Engineer", Role.ENGINEER),
    ("finance", "Fiona Finance", Role.FINANCE),
]


def seed(context: DemoContext) -> None:
    for handle, name, role in PEOPLE:
        email = f"{handle}@{context.team.slug}.example.com"
        membership = add_member(team=context.team, email=email, role=role, full_name=name)
        context.members[handle] = membership.user
