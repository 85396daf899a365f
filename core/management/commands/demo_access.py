from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from accounts.demo import DEMO_PASSWORD, sign_ins
from accounts.models import Team, User
from accounts.scopes import ALL_SCOPES
from accounts.services import add_member, create_api_key

DEMO_ADMIN = "admin@demo.example.com"


class Command(BaseCommand):
    help = "Reset the demo superuser, make a full-scope API key, print a sign-in per role; the token last."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--team", default="demo")
        parser.add_argument("--url", default="http://127.0.0.1:8000", help="Where `make run` serves (HOST, PORT).")

    def handle(self, *args: Any, **options: Any) -> None:
        team = Team.objects.filter(slug=options["team"]).first()
        if team is None:
            raise CommandError(f"No team '{options['team']}'; run seed_demo first.")
        admin = User.objects.filter(email=DEMO_ADMIN).first()
        if admin is None:
            admin = User.objects.create_superuser(DEMO_ADMIN, DEMO_PASSWORD, full_name="Demo Admin")
        else:
            admin.set_password(DEMO_PASSWORD)
            admin.is_staff = admin.is_superuser = True
            admin.save()
        add_member(team=team, email=DEMO_ADMIN, role="owner")
        key, token = create_api_key(team=team, name="Demo key", scopes=ALL_SCOPES, created_by=admin)
        url = str(options["url"]).rstrip("/")
        self.stdout.write("")
        self.stdout.write(f"  Shocking Energy demo is ready: {url}")
        self.stdout.write(f"  Superuser  {url}/admin/  {DEMO_ADMIN} / {DEMO_PASSWORD}")
        self.stdout.write(f"  Sign in as one member of each role (password {DEMO_PASSWORD}) at {url}/:")
        for role, email in sign_ins(team):
            self.stdout.write(f"    {role:<11}{email} / {DEMO_PASSWORD}")
        self.stdout.write(f"  API docs   {url}/v1/docs")
        self.stdout.write(f"  Sent mail  {url}/outbox/ (as the superuser; nothing leaves this machine)")
        self.stdout.write(f"  API key    {key.display} (all scopes), for example:")
        self.stdout.write(f'  curl -H "Authorization: Bearer {token}" {url}/v1/jobs')
        self.stdout.write("")
        self.stdout.write(token)
