from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from accounts.services import create_team
from core.exceptions import DomainError


class Command(BaseCommand):
    help = "Create a team and its owner: createteam SLUG --name NAME --owner EMAIL [--password PW]"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("slug")
        parser.add_argument("--name", required=True)
        parser.add_argument("--owner", required=True, help="The owner's email (created if new).")
        parser.add_argument("--password", default=None)
        parser.add_argument("--currency", default="EUR")
        parser.add_argument("--timezone", default="UTC")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            team = create_team(
                slug=options["slug"],
                name=options["name"],
                owner_email=options["owner"],
                owner_password=options["password"],
                currency=options["currency"],
                timezone_name=options["timezone"],
            )
        except DomainError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(f"Created team {team.slug} ({team.name}) owned by {options['owner']}")
        self.stdout.write(str(team.id))
