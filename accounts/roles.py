"""What each team role may do, as Django permissions held by one group per role.

A person's rights in a team are the permissions of the group named after their role there
(`Owner`, `Admin`, `Dispatcher`, `Engineer`, `Finance`). The groups are created by a data migration
and topped up after every `migrate` (models added later get their permissions); a superuser may
extend them in the admin. Nothing here is ever removed automatically.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.apps import apps as global_apps
from django.apps.registry import Apps

from accounts.models import Role

VIEW = ("view",)
MANAGE = ("view", "add", "change")
ALL = ("view", "add", "change", "delete")

# Row-level rights on jobs: only the jobs assigned to the person (engineers).
ASSIGNED_JOB_PERMISSIONS = {
    "view_assigned_job": "Can view jobs assigned to them",
    "change_assigned_job": "Can update jobs assigned to them",
}

# (app label, model name or "*" for every model of the app, actions or custom codenames)
_Grant = tuple[str, str, tuple[str, ...]]

_TEAM_ADMIN: list[_Grant] = [
    ("accounts", "user", VIEW),
    ("accounts", "team", ("view", "change")),
    ("accounts", "membership", ALL),
    ("accounts", "invitation", ALL),
    ("accounts", "apikey", MANAGE),
    ("jobs", "*", ALL),
    ("flows", "*", ALL),
    ("projects", "*", ALL),
    ("assets", "*", ALL),
    ("invoicing", "*", ALL),
    ("webhooks", "*", ALL),
    ("plans", "*", ALL),
]

ROLE_GRANTS: dict[str, list[_Grant]] = {
    Role.OWNER: _TEAM_ADMIN,
    Role.ADMIN: _TEAM_ADMIN,
    Role.DISPATCHER: [
        ("accounts", "user", VIEW),
        ("accounts", "team", VIEW),
        ("accounts", "membership", VIEW),
        ("accounts", "apikey", VIEW),
        ("jobs", "*", MANAGE),
        ("flows", "*", MANAGE),
        ("projects", "*", MANAGE),
        ("assets", "*", MANAGE),
        ("plans", "*", MANAGE),
    ],
    Role.ENGINEER: [
        ("accounts", "team", VIEW),
        ("jobs", "jobtype", VIEW),
        ("jobs", "jobevent", VIEW),
        ("jobs", "job", tuple(ASSIGNED_JOB_PERMISSIONS)),
    ],
    Role.FINANCE: [
        ("accounts", "team", VIEW),
        ("accounts", "apikey", VIEW),
        ("invoicing", "*", ALL),
        ("jobs", "*", VIEW),
        ("flows", "*", VIEW),
        ("projects", "*", VIEW),
        ("assets", "*", VIEW),
        ("plans", "*", VIEW),
    ],
}


def group_name(role: str) -> str:
    """The name of the group that holds a role's permissions (`Owner`, `Dispatcher`...)."""
    return Role(role).label


def _codenames(model: str, actions: Iterable[str]) -> set[str]:
    return {action if "_" in action else f"{action}_{model}" for action in actions}


def sync_role_groups(apps: Apps | Any = global_apps) -> None:
    """Create the role groups and give them every permission of `ROLE_GRANTS` that exists (additive)."""
    from django.contrib.auth.management import create_permissions

    for app_config in apps.get_app_configs():
        # Historical app registries have no models module; permissions need one to be created.
        had_module = getattr(app_config, "models_module", None)
        app_config.models_module = had_module or True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = had_module

    content_type_model = apps.get_model("contenttypes", "ContentType")
    permission_model = apps.get_model("auth", "Permission")
    group_model = apps.get_model("auth", "Group")
    try:
        job_type = content_type_model.objects.get(app_label="jobs", model="job")
    except content_type_model.DoesNotExist:
        job_type = None
    if job_type is not None:
        for codename, name in ASSIGNED_JOB_PERMISSIONS.items():
            permission_model.objects.get_or_create(content_type=job_type, codename=codename, defaults={"name": name})

    for role, grants in ROLE_GRANTS.items():
        group, _ = group_model.objects.get_or_create(name=group_name(role))
        wanted: list[Any] = []
        for app_label, model, actions in grants:
            permissions = permission_model.objects.filter(content_type__app_label=app_label)
            if model != "*":
                permissions = permissions.filter(content_type__model=model, codename__in=_codenames(model, actions))
            else:
                permissions = permissions.filter(
                    codename__regex=r"^({})_".format("|".join(a for a in actions if "_" not in a))
                )
            wanted.extend(permissions)
        group.permissions.add(*wanted)


def sync_role_groups_after_migrate(sender: Any, apps: Apps | None = None, **kwargs: Any) -> None:
    """`post_migrate` receiver: models added since the data migration get their role permissions.

    `post_migrate` is sent once per app (after `migrate` and `flush`); the groups are synced once,
    after the last app's.
    """
    with_models = [config for config in global_apps.get_app_configs() if config.models_module is not None]
    if not with_models or sender.label != with_models[-1].label:
        return
    # `flush` (as run between transactional tests) sends the signal without a registry.
    apps = apps or global_apps
    try:
        apps.get_model("auth", "Group")
    except LookupError:
        return
    sync_role_groups(apps)


class TeamPermissions:
    """One person's permissions in the team they are working in: two queries, then answered from memory.

    A member works in one team at a time: the one chosen in the switcher (`chosen`, a team id from
    the session), else their first team by name; rights in their other teams do not apply until
    they switch. A superuser works in the chosen team, or in every team when none (or "all") is chosen.
    """

    def __init__(self, user: Any, chosen: str | None = None) -> None:
        from django.contrib.auth.models import Group

        from accounts.models import Membership, Team

        self.is_superuser = bool(user.is_authenticated and user.is_active and user.is_superuser)
        self.current_team_id: Any = None
        self.roles: dict[Any, str] = {}
        if user.is_authenticated and user.is_active:
            rows = list(
                Membership.objects.filter(user=user, is_active=True)
                .order_by("team__name")
                .values_list("team_id", "role")
            )
            mine = dict(rows)
            current = next((team_id for team_id, _ in rows if str(team_id) == chosen), None)
            if self.is_superuser and current is None and chosen:
                current = (
                    Team.objects.filter(pk=chosen).values_list("pk", flat=True).first() if _is_uuid(chosen) else None
                )
            if current is None and not self.is_superuser and rows:
                current = rows[0][0]
            self.current_team_id = current
            self.roles = {current: mine[current]} if current in mine else {}
        names = {group_name(role): role for role in set(self.roles.values())}
        self.role_permissions: dict[str, set[str]] = {role: set() for role in names.values()}
        rows_ = Group.objects.filter(name__in=names, permissions__isnull=False).values_list(
            "name", "permissions__content_type__app_label", "permissions__codename"
        )
        for name, app_label, codename in rows_:
            self.role_permissions[names[name]].add(f"{app_label}.{codename}")

    @property
    def role(self) -> str | None:
        """The person's role in the current team (None for a superuser who is not a member)."""
        return self.roles.get(self.current_team_id)

    def teams_with(self, *perms: str) -> list[Any]:
        """Ids of the teams (the current one, at most) in which the person holds any of `perms`."""
        return [team_id for team_id, role in self.roles.items() if self.role_permissions[role].intersection(perms)]

    def has(self, team_id: Any, perm: str) -> bool:
        role = self.roles.get(team_id)
        return self.is_superuser or (role is not None and perm in self.role_permissions[role])

    def has_here(self, perm: str) -> bool:
        """Whether the person holds `perm` in the team they are working in."""
        return self.current_team_id is not None and self.has(self.current_team_id, perm)


def _is_uuid(value: str) -> bool:
    import uuid

    try:
        uuid.UUID(value)
    except ValueError:
        return False
    return True


def team_permissions(request: Any) -> TeamPermissions:
    """The signed-in user's `TeamPermissions` in their current team, computed once per request."""
    from accounts.selectors import CURRENT_TEAM_SESSION_KEY

    cached: TeamPermissions | None = getattr(request, "_team_permissions", None)
    if cached is None:
        session = getattr(request, "session", None)
        chosen = session.get(CURRENT_TEAM_SESSION_KEY) if session is not None else None
        cached = TeamPermissions(request.user, chosen)
        request._team_permissions = cached
    return cached
