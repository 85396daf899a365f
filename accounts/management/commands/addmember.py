from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from accounts.models import Role, Team
from accounts.services import add_member, invite_member
from core.exceptions import DomainError


class Command(BaseCommand):
    help = (
        "Add a member to a team: addmember SLUG EMAIL --role ROLE [--password PW | --invite]. "
        "Prints the user id on the last line (the invitation id with --invite)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("slug")
        parser.add_argument("email")
        parser.add_argument("--role", required=True, choices=Role.values)
        parser.add_argument("--name", default="", help="The person's full name.")
        how = parser.add_mutually_exclusive_group()
        how.add_argument("--password", default=None, help="Set this password: the person can sign in at once.")
        how.add_argument("--invite", action="store_true", help="Email the person a link to set their own password.")
        parser.add_argument(
            "--site-url", default="http://127.0.0.1:8000", help="Where the invitation link points (with --invite)."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        team = Team.objects.filter(slug=options["slug"]).first()
        if team is None:
            raise CommandError(f"No team with slug '{options['slug']}'.")
        try:
            if options["invite"]:
                invitation, _ = invite_member(
                    team=team,
                    email=options["email"],
                    role=options["role"],
                    invited_by=None,
                    site_url=options["site_url"],
                )
                self.stdout.write(
                    f"Invited {invitation.email} to {team.slug} as {invitation.role}; the link is emailed"
                )
                self.stdout.write(str(invitation.pk))
                return
            membership = add_member(
                team=team,
                email=options["email"],
                role=options["role"],
                full_name=options["name"],
                password=options["password"],
            )
        except DomainError as exc:
            raise CommandError(str(exc)) from exc
        user = membership.user
        can_sign_in = user.has_usable_password()
        self.stdout.write(f"{user.email} is {membership.role} of {team.slug}")
        if not can_sign_in:
            self.stdout.write("No password yet: run again with --password, or with --invite to email a link.")
        self.stdout.write(str(membership.user_id))
