import random
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction

from accounts.models import Team
from accounts.services import create_team
from core.demo import DemoContext, seed_team

DEMO_OWNER = "owner@demo.example.com"


class Command(BaseCommand):
    help = "Load demo data (idempotent): seed_demo [--team SLUG] [--jobs N]. Tops the team up to N jobs."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--team", default="demo", help="Team slug (created if missing).")
        parser.add_argument("--jobs", type=int, default=500, help="How many jobs the team should have.")
        parser.add_argument("--seed", type=int, default=42, help="Random seed, for repeatable data.")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["jobs"] < 0:
            raise CommandError("--jobs must be zero or more.")
        slug = options["team"]
        team = Team.objects.filter(slug=slug).first()
        if team is None:
            with transaction.atomic():
                team = create_team(slug=slug, name=f"{slug.replace('-', ' ').title()} Energy", owner_email=DEMO_OWNER)
        context = DemoContext(team=team, jobs=options["jobs"], rng=random.Random(options["seed"]), out=self.stdout)
        seed_team(context)
        self.stdout.write(f"Demo data ready for team {team.slug}.")
