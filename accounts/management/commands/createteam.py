from importlib import import_module
from typing import Any

from django.apps import apps
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction
from django.utils.module_loading import module_has_submodule

from accounts.models import Actor, Team, User
from accounts.services import create_team
from core.exceptions import DomainError


def seed_starter_catalogue(team: Team, owner: User) -> list[str]:
    """Run each installed app's `starter.seed` (job types, asset types) for `team`; the labels seeded.

    Found by name, as Django finds `admin` modules: accounts sits below the domain apps and imports none.
    """
    seeded = []
    for config in apps.get_app_configs():
        if module_has_submodule(config.module, "starter"):
            rows = import_module(f"{config.name}.starter").seed(team=team, actor=Actor(user=owner))
            if rows:
                seeded.append(f"{len(rows)} {rows[0]._meta.verbose_name_plural}")
    return seeded


class Command(BaseCommand):
    help = "Create a team and its owner: createteam SLUG --name NAME --owner EMAIL [--password PW] [--starter]"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("slug")
        parser.add_argument("--name", required=True)
        parser.add_argument("--owner", required=True, help="The owner's email (created if new).")
        parser.add_argument("--password", default=None)
        parser.add_argument("--currency", default="EUR")
        parser.add_argument("--timezone", default="UTC")
        parser.add_argument(
            "--starter",
            action="store_true",
            help="Also give the team the starter catalogue: common job types and asset types, with their schemas.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            with transaction.atomic():
                team = create_team(
                    slug=options["slug"],
                    name=options["name"],
                    owner_email=options["owner"],
                    owner_password=options["password"],
                    currency=options["currency"],
                    timezone_name=options["timezone"],
                )
                owner = User.objects.get(email__iexact=options["owner"])
                seeded = seed_starter_catalogue(team, owner) if options["starter"] else []
        except DomainError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(f"Created team {team.slug} ({team.name}) owned by {options['owner']}")
        if seeded:
            self.stdout.write(f"Starter catalogue: {', '.join(seeded)}")
        self.stdout.write(str(team.id))
