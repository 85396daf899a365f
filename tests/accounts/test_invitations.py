"""Settings > Team and the invitation services: invite, resend, revoke, accept, roles, the last owner."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.core import mail
from django.test import Client
from django.utils import timezone

from accounts.models import Invitation, Membership, Role, User, hash_token
from accounts.services import accept_invitation, change_member_role, invite_member, remove_member
from core.exceptions import DomainError, StateConflictError
from tests.factories import MembershipFactory, UserFactory

pytestmark = pytest.mark.django_db

TEAM_URL = "/settings/team/"
LINK = re.compile(r"http://testserver/invitations/([A-Za-z0-9_\-]+)/")


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def emailed_token() -> str:
    match = LINK.search(mail.outbox[-1].body)
    assert match, mail.outbox[-1].body
    return match.group(1)


def test_owner_invites_and_the_invitee_sets_a_password_and_can_enter_the_admin(world):
    owner = signed_in(world.a.owner)
    response = owner.post(TEAM_URL, {"email": "New.Person@Example.com", "role": Role.DISPATCHER})
    assert response.status_code == 302
    invitation = Invitation.objects.get(team=world.a.team)
    assert invitation.email == "new.person@example.com" and invitation.role == Role.DISPATCHER
    assert invitation.invited_by == world.a.owner
    assert invitation.expires_at - invitation.sent_at == timedelta(days=7)
    assert mail.outbox[-1].to == ["new.person@example.com"] and world.a.team.name in mail.outbox[-1].subject
    token = emailed_token()
    assert invitation.hashed_token == hash_token(token) and token not in str(Invitation.objects.values().first())

    anon = Client()
    page = anon.get(f"/invitations/{token}/")
    assert page.status_code == 200 and "Dispatcher" in page.content.decode()
    mismatch = anon.post(f"/invitations/{token}/", {"full_name": "New Person", "password1": "x-Secret-9911",
                                                    "password2": "different-9911"})  # fmt: skip
    assert mismatch.status_code == 200 and not User.objects.filter(email="new.person@example.com").exists()
    done = anon.post(f"/invitations/{token}/", {"full_name": "New Person", "password1": "x-Secret-9911",
                                                "password2": "x-Secret-9911"})  # fmt: skip
    assert done.status_code == 302
    user = User.objects.get(email="new.person@example.com")
    assert user.full_name == "New Person" and user.check_password("x-Secret-9911")
    assert user.is_staff and not user.is_superuser  # from the membership, not by hand
    assert Membership.objects.get(user=user).role == Role.DISPATCHER
    invitation.refresh_from_db()
    assert invitation.accepted_at is not None and invitation.accepted_by == user
    # The link works once.
    assert anon.get(f"/invitations/{token}/").status_code == 404
    # The new member (a dispatcher) signs in and lands on the dispatch board.
    response = anon.post("/admin/login/", {"username": user.email, "password": "x-Secret-9911", "next": "/"})
    assert response.status_code == 302
    assert anon.get("/").url == "/board/"


def test_an_existing_account_joins_without_changing_its_password(world):
    invite_member(team=world.a.team, email=world.b.owner.email, role=Role.FINANCE, invited_by=world.a.owner,
                  site_url="http://testserver")  # fmt: skip
    token = emailed_token()
    page = Client().get(f"/invitations/{token}/")
    assert "already have an account" in page.content.decode()
    Client().post(f"/invitations/{token}/", {"password1": "ignored", "password2": "ignored"})
    world.b.owner.refresh_from_db()
    assert world.b.owner.check_password("correct-horse-battery")
    assert Membership.objects.get(team=world.a.team, user=world.b.owner).role == Role.FINANCE


def test_expired_revoked_and_resent_links_stop_working(world):
    invitation, first = invite_member(team=world.a.team, email="late@example.com", role=Role.ENGINEER,
                                      invited_by=world.a.owner, site_url="http://testserver")  # fmt: skip
    owner = signed_in(world.a.owner)
    assert owner.post(f"/settings/team/invitations/{invitation.pk}/resend/").status_code == 302
    second = emailed_token()
    assert second != first
    assert Client().get(f"/invitations/{first}/").status_code == 404
    assert Client().get(f"/invitations/{second}/").status_code == 200
    Invitation.objects.filter(pk=invitation.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    assert Client().get(f"/invitations/{second}/").status_code == 404
    with pytest.raises(DomainError):
        accept_invitation(token=second, password="x-Secret-9911")
    # Inviting again renews the same open invitation, and revoking ends it.
    again, third = invite_member(team=world.a.team, email="late@example.com", role=Role.FINANCE,
                                 invited_by=world.a.owner, site_url="http://testserver")  # fmt: skip
    assert again.pk == invitation.pk and again.role == Role.FINANCE
    assert owner.post(f"/settings/team/invitations/{invitation.pk}/revoke/").status_code == 302
    assert Client().get(f"/invitations/{third}/").status_code == 404


def test_inviting_a_current_member_is_refused(world):
    response = signed_in(world.a.owner).post(TEAM_URL, {"email": world.a.engineer.email, "role": Role.ADMIN})
    assert response.status_code == 409 and "already a member" in response.content.decode()
    assert not Invitation.objects.exists() and not mail.outbox


@pytest.mark.parametrize("role", [Role.DISPATCHER, Role.ENGINEER, Role.FINANCE])
def test_only_owners_and_admins_manage_members(world, role):
    person = {Role.DISPATCHER: world.a.dispatcher, Role.ENGINEER: world.a.engineer}.get(role)
    if person is None:
        person = MembershipFactory(team=world.a.team, role=role).user
    client = signed_in(person)
    member = Membership.objects.get(user=world.a.engineer, team=world.a.team)
    invitation, _ = invite_member(team=world.a.team, email="x@example.com", role=Role.ENGINEER, invited_by=None,
                                  site_url="http://testserver")  # fmt: skip
    expected_page = 200 if role == Role.DISPATCHER else 403  # dispatchers may see the members, read-only
    page = client.get(TEAM_URL)
    assert page.status_code == expected_page
    if expected_page == 200:
        assert "Send invitation" not in page.content.decode() and "x@example.com" not in page.content.decode()
    assert client.post(TEAM_URL, {"email": "y@example.com", "role": Role.OWNER}).status_code == 403
    assert client.post(f"/settings/team/members/{member.pk}/role/", {"role": Role.ADMIN}).status_code == 403
    assert client.post(f"/settings/team/members/{member.pk}/remove/").status_code == 403
    assert client.post(f"/settings/team/invitations/{invitation.pk}/revoke/").status_code == 403
    member.refresh_from_db()
    assert member.role == Role.ENGINEER and not Invitation.objects.filter(email="y@example.com").exists()


def test_other_teams_members_and_invitations_are_404(world):
    theirs = Membership.objects.get(user=world.b.engineer)
    invitation, _ = invite_member(team=world.b.team, email="b@example.com", role=Role.ENGINEER, invited_by=None,
                                  site_url="http://testserver")  # fmt: skip
    client = signed_in(world.a.owner)
    assert client.post(f"/settings/team/members/{theirs.pk}/remove/").status_code == 404
    assert client.post(f"/settings/team/invitations/{invitation.pk}/revoke/").status_code == 404
    assert Membership.objects.filter(pk=theirs.pk).exists()


def test_change_role_and_remove_member_on_the_team_page(world):
    client = signed_in(world.a.owner)
    member = Membership.objects.get(user=world.a.engineer, team=world.a.team)
    world.a.engineer.is_staff = True
    world.a.engineer.save()
    assert client.post(f"/settings/team/members/{member.pk}/role/", {"role": Role.FINANCE}).status_code == 302
    member.refresh_from_db()
    assert member.role == Role.FINANCE
    assert client.post(f"/settings/team/members/{member.pk}/remove/").status_code == 302
    assert not Membership.objects.filter(pk=member.pk).exists()
    world.a.engineer.refresh_from_db()
    assert not world.a.engineer.is_staff  # no team left: no admin


def test_the_last_owner_can_be_neither_removed_nor_demoted(world):
    owner_membership = Membership.objects.get(user=world.a.owner, team=world.a.team)
    client = signed_in(world.a.owner)
    refused = client.post(f"/settings/team/members/{owner_membership.pk}/remove/")
    assert refused.status_code == 409 and "last owner" in refused.content.decode()
    refused = client.post(f"/settings/team/members/{owner_membership.pk}/role/", {"role": Role.ADMIN})
    assert refused.status_code == 409
    owner_membership.refresh_from_db()
    assert owner_membership.role == Role.OWNER
    with pytest.raises(StateConflictError):
        remove_member(membership=owner_membership)
    # With a second owner, the first may step down.
    second = MembershipFactory(team=world.a.team, role=Role.OWNER)
    change_member_role(membership=owner_membership, role=Role.ADMIN, acting_user=world.a.owner)
    owner_membership.refresh_from_db()
    assert owner_membership.role == Role.ADMIN
    with pytest.raises(StateConflictError):
        remove_member(membership=second)


def test_only_owners_make_owners(world):
    admin = MembershipFactory(team=world.a.team, role=Role.ADMIN).user
    client = signed_in(admin)
    member = Membership.objects.get(user=world.a.engineer, team=world.a.team)
    assert client.post(f"/settings/team/members/{member.pk}/role/", {"role": Role.OWNER}).status_code == 403
    assert client.post(TEAM_URL, {"email": "boss@example.com", "role": Role.OWNER}).status_code == 403
    assert client.post(TEAM_URL, {"email": "helper@example.com", "role": Role.ENGINEER}).status_code == 302
    member.refresh_from_db()
    assert member.role == Role.ENGINEER


def test_admin_invitations_go_through_the_service(world):
    from tests.admin.conftest import staff_client

    client = staff_client(world.a.owner)
    response = client.post("/admin/accounts/invitation/add/", {"team": world.a.team.pk, "email": "adm@example.com",
                                                              "role": Role.ENGINEER})  # fmt: skip
    assert response.status_code == 302
    invitation = Invitation.objects.get(email="adm@example.com")
    assert invitation.invited_by == world.a.owner and mail.outbox[-1].to == ["adm@example.com"]
    assert invitation.hashed_token == hash_token(emailed_token())
    client.post("/admin/accounts/invitation/", {"action": "revoke_invitations", "_selected_action": [invitation.pk]})
    invitation.refresh_from_db()
    assert invitation.revoked_at is not None


def test_admin_cannot_demote_the_last_owner(world):
    from tests.admin.conftest import staff_client

    client = staff_client(world.a.owner)
    membership = Membership.objects.get(user=world.a.owner, team=world.a.team)
    response = client.post(f"/admin/accounts/membership/{membership.pk}/change/", {"role": "admin", "is_active": "on"})
    assert response.status_code == 200 and "last owner" in response.content.decode()
    membership.refresh_from_db()
    assert membership.role == Role.OWNER
    assert client.post(f"/admin/accounts/membership/{membership.pk}/delete/", {"post": "yes"}).status_code in (200, 302)
    assert Membership.objects.filter(pk=membership.pk).exists()


def test_addmember_password_and_invite(world):
    from tests.accounts.test_commands import run

    run("addmember", world.a.team.slug, "fresh@example.com", "--role", "engineer", "--password", "pw-12345678")
    user = User.objects.get(email="fresh@example.com")
    assert user.check_password("pw-12345678") and user.is_staff
    out = run("addmember", world.a.team.slug, "invitee@example.com", "--role", "finance", "--invite")
    assert Invitation.objects.get(email="invitee@example.com").pk.hex in out.replace("-", "")
    assert "http://127.0.0.1:8000/invitations/" in mail.outbox[-1].body
    assert not User.objects.filter(email="invitee@example.com").exists()


def test_demo_access_prints_a_sign_in_per_role(db):
    from tests.accounts.test_commands import run

    run("seed_demo", "--jobs", "0")
    out = run("demo_access")
    for role in ("Owner", "Admin", "Dispatcher", "Engineer", "Finance"):
        line = next(line for line in out.splitlines() if line.strip().startswith(role))
        email = line.split()[1]
        user = User.objects.get(email=email)
        assert user.is_staff and user.check_password("demo-password-1"), line
        assert Membership.objects.get(user=user).role == role.lower()


def test_user_factory_people_are_not_staff_until_a_service_says_so(world):
    other = UserFactory(email="lonely@example.com")
    assert not other.is_staff


def test_team_and_user_pages_show_memberships_read_only(world):
    """Roles change only through the services (membership page, Settings > Team), never in an inline."""
    from tests.admin.conftest import staff_client

    html = staff_client(world.a.owner).get(f"/admin/accounts/team/{world.a.team.pk}/change/").content.decode()
    assert world.a.engineer.email in html or str(world.a.engineer) in html
    assert 'name="memberships-0-role"' not in html
