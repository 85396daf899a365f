from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from accounts.models import Role, Team
from accounts.services import add_member
from core.exceptions import DomainError


class Command(BaseCommand):
    help = "Add a member to a team: addmember SLUG EMAIL --role ROLE. Prints the user id on the last line."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("slug")
        parser.add_argument("email")
        parser.add_argument("--role", required=True, choices=Role.values)
        parser.add_argument("--name", default="", help="The person's full name.")

    def handle(self, *args: Any, **options: Any) -> None:
        team = Team.objects.filter(slug=options["slug"]).first()
        if team is None:
            raise CommandError(f"No team with slug '{options['slug']}'.")
        try:
            membership = add_member(team=team, email=options["email"], role=options["role"], full_name=options["name"])
        except DomainError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(f"{membership.user.email} is {membership.role} of {team.slug}")
        self.stdout.write(str(membership.user_id))
