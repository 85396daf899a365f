from datetime import timedelta
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from accounts.models import Team
from accounts.services import create_api_key
from core.exceptions import DomainError


class Command(BaseCommand):
    help = 'Create an API key: createapikey SLUG --name NAME --scopes "jobs.read jobs.write". Prints the token last.'

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("slug")
        parser.add_argument("--name", required=True)
        parser.add_argument("--scopes", required=True, help="Space- or comma-separated scopes.")
        parser.add_argument("--expires-in-days", type=int, default=None)

    def handle(self, *args: Any, **options: Any) -> None:
        team = Team.objects.filter(slug=options["slug"]).first()
        if team is None:
            raise CommandError(f"No team with slug '{options['slug']}'.")
        days = options["expires_in_days"]
        if days is not None and days <= 0:
            raise CommandError("--expires-in-days must be a positive number of days.")
        expires_at = timezone.now() + timedelta(days=days) if days else None
        scopes = options["scopes"].replace(",", " ").split()
        try:
            key, token = create_api_key(team=team, name=options["name"], scopes=scopes, expires_at=expires_at)
        except DomainError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(f"Created API key {key.name} ({key.display}) for {team.slug}; the token is shown once:")
        self.stdout.write(token)
