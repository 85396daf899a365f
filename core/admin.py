"""The one team-scoped `ModelAdmin` every app's admin builds on.

Non-superusers see, choose and open only rows of their current team (the one chosen in the team
switcher, shared with the settings pages), and only where their role's group there (see
`accounts.roles`) grants them the model's permission. Superusers see the team they chose, or every
team in their explicit "all teams" mode. Scoping happens in
`get_queryset`, and foreign-key / many-to-many choices (and therefore autocomplete, which asks the
related admin's `get_queryset`) are drawn from the related admin's scoped queryset, so no view needs
its own `if obj.team != ...` check. Another team's object URL is a 404.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django import forms
from django.contrib import admin
from django.contrib.admin.exceptions import NotRegistered
from django.contrib.admin.options import IS_POPUP_VAR
from django.core.exceptions import FieldDoesNotExist
from django.db import models
from django.db.models import QuerySet
from django.http import Http404, HttpRequest

from accounts.models import Team
from accounts.roles import team_permissions
from core.admin_actions import ObjectActionsMixin, object_action
from core.admin_writes import RefusedSaveError, ServiceWritesAdmin, kept_inline_forms, saved_by_service

if TYPE_CHECKING:
    pass


def is_staff(request: HttpRequest) -> bool:
    return bool(request.user.is_active and request.user.is_staff)


def permitted_team_ids(request: HttpRequest, model: type[models.Model], action: str) -> list[Any]:
    """Teams in which the signed-in staff member may `action` (view/add/change/delete) `model`.

    The rights come from the groups of the person's role in each team (see `accounts.roles`);
    `change` implies `view`, as in Django's admin.
    """
    if not is_staff(request):
        return []
    opts = model._meta
    perms = [f"{opts.app_label}.{action}_{opts.model_name}"]
    if action == "view":
        perms.append(f"{opts.app_label}.change_{opts.model_name}")
    return team_permissions(request).teams_with(*perms)


def superuser_team_id(request: HttpRequest) -> Any:
    """The team a superuser chose in the switcher, or None in their explicit all-teams mode."""
    return team_permissions(request).current_team_id if request.user.is_superuser else None


def registered_admin(model: type[models.Model], site: admin.AdminSite = admin.site) -> admin.ModelAdmin[Any] | None:
    """The `ModelAdmin` registered for `model` on `site`, or None when the model has none."""
    try:
        return site.get_model_admin(model)
    except NotRegistered:
        return None


AdminAction = Callable[..., Any]
_CHANGELIST_ACTIONS: dict[type[models.Model], list[AdminAction]] = {}


def changelist_action(
    model: type[models.Model], offered_to: Callable[[HttpRequest], bool] | None = None
) -> Callable[[AdminAction], AdminAction]:
    """Offer an action on `model`'s changelist from the app it belongs to (declared in that app's admin.py).

    Invoicing's "draft invoices from these jobs" sits on the job list this way: the jobs admin
    declares only its own actions and knows nothing of invoicing. `offered_to(request)` says who
    sees it (people whose role may do what it does in the current team), so no role is offered an
    action that would do nothing for them.
    """

    def register(action: AdminAction) -> AdminAction:
        _CHANGELIST_ACTIONS.setdefault(model, []).append(action)
        if offered_to is not None:
            action.offered_to = offered_to  # type: ignore[attr-defined]
        return action

    return register


class ScopedChoicesMixin:
    """Foreign-key and many-to-many choices limited to what the signed-in user may see."""

    admin_site: admin.AdminSite

    model: type[models.Model]

    def team_choices(self, request: HttpRequest) -> QuerySet[Team]:
        """Teams a new or changed row may be put in: where the user may add or change this model."""
        team_ids = {*permitted_team_ids(request, self.model, "add"), *permitted_team_ids(request, self.model, "change")}
        return Team.objects.filter(pk__in=team_ids)

    def scoped_related_queryset(self, request: HttpRequest, model: type[models.Model]) -> QuerySet[Any] | None:
        """The rows of `model` the user may pick, or None when no narrowing applies."""
        if request.user.is_superuser:
            team_id = superuser_team_id(request)
            if team_id is None:
                return None
            if model is Team:
                return Team.objects.filter(pk=team_id)
        elif model is Team:
            return self.team_choices(request)
        related_admin = registered_admin(model, self.admin_site)
        if isinstance(related_admin, TeamScopedAdmin):
            queryset = related_admin.get_queryset(request)
            ordering = related_admin.get_ordering(request)
            return queryset.order_by(*ordering) if ordering else queryset
        if any(field.name == "team" for field in model._meta.get_fields()):
            if request.user.is_superuser:
                return model._default_manager.filter(team_id=superuser_team_id(request))
            return model._default_manager.filter(team_id__in=permitted_team_ids(request, model, "view"))
        return None

    def formfield_for_foreignkey(
        self, db_field: models.ForeignKey[Any, Any], request: HttpRequest, **kwargs: Any
    ) -> forms.ModelChoiceField | None:
        if "queryset" not in kwargs:
            queryset = self.scoped_related_queryset(request, db_field.remote_field.model)
            if queryset is not None:
                kwargs["queryset"] = queryset
        return super().formfield_for_foreignkey(db_field, request, **kwargs)  # type: ignore[misc]

    def formfield_for_manytomany(
        self, db_field: models.ManyToManyField[Any, Any], request: HttpRequest, **kwargs: Any
    ) -> forms.ModelMultipleChoiceField | None:
        if "queryset" not in kwargs:
            queryset = self.scoped_related_queryset(request, db_field.remote_field.model)
            if queryset is not None:
                kwargs["queryset"] = queryset
        return super().formfield_for_manytomany(db_field, request, **kwargs)  # type: ignore[misc]


class TeamConsistentForm(forms.ModelForm):
    """Refuses linking a row to another team's rows (possible for people in several teams)."""

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        team = cleaned.get("team")
        if team is None and getattr(self.instance, "team_id", None):
            team = self.instance.team
        if team is None:
            return cleaned
        for name, value in list(cleaned.items()):
            if name == "team" or name not in self.fields:
                continue
            related = list(value) if isinstance(value, QuerySet) else [value]
            if any(isinstance(row, models.Model) and getattr(row, "team_id", team.pk) != team.pk for row in related):
                self.add_error(name, "This belongs to another team.")
        return cleaned


class TeamScopedAdmin(ScopedChoicesMixin, ObjectActionsMixin, ServiceWritesAdmin):
    """A `ModelAdmin` whose rows, choices and filters are limited to the user's teams.

    `team_lookup` is the ORM path from the model to its team (`"team"`, `"job__team"`, `"pk"` for
    `Team` itself); set `team_lookup_is_multi` when the path crosses a to-many relation.
    Rows are written through services (`create_object`, `change_object`: see `core.admin_writes`);
    `object_actions` are buttons on the change page, each a service call (see `core.admin_actions`).
    """

    form = TeamConsistentForm
    team_lookup: str = "team"
    team_lookup_is_multi: bool = False

    # --- rows ------------------------------------------------------------------------------------
    def filter_to_teams(self, queryset: QuerySet[Any], team_ids: list[Any]) -> QuerySet[Any]:
        condition = {f"{self.team_lookup}__in": team_ids}
        if self.team_lookup_is_multi:
            return queryset.filter(pk__in=self.model._default_manager.filter(**condition).values("pk"))
        return queryset.filter(**condition)

    def scope_rows(self, request: HttpRequest, queryset: QuerySet[Any], action: str) -> QuerySet[Any]:
        """The rows of `queryset` the user may `action`. Override to add row-level rights."""
        return self.filter_to_teams(queryset, permitted_team_ids(request, self.model, action))

    def get_queryset(self, request: HttpRequest) -> QuerySet[Any]:
        queryset = super().get_queryset(request)
        if request.user.is_superuser:
            team_id = superuser_team_id(request)
            return queryset if team_id is None else self.filter_to_teams(queryset, [team_id])
        return self.scope_rows(request, queryset, "view")

    def get_object(self, request: HttpRequest, object_id: str, from_field: str | None = None) -> Any:
        """Another team's object (or a missing one) is a 404, whatever view asked for it."""
        obj = super().get_object(request, object_id, from_field)
        if obj is None:
            raise Http404(f"No {self.opts.verbose_name} matches the given id.")
        return obj

    # --- permissions -----------------------------------------------------------------------------
    def has_team_permission(self, request: HttpRequest, action: str, obj: Any = None) -> bool:
        """Whether the user may `action` this model in some team (or `obj`, in its team)."""
        if not is_staff(request):
            return False
        if request.user.is_superuser:
            return True
        if obj is None:
            return bool(permitted_team_ids(request, self.model, action)) or self.has_row_permission(request, action)
        base = self.model._default_manager.filter(pk=obj.pk)
        return self.scope_rows(request, base, action).exists()

    def has_row_permission(self, request: HttpRequest, action: str) -> bool:
        """Whether row-level rights (see `scope_rows`) give the user some rows; none by default."""
        return False

    def has_module_permission(self, request: HttpRequest) -> bool:
        return self.has_team_permission(request, "view")

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self.has_team_permission(request, "view", obj)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return self.has_team_permission(request, "add")

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self.has_team_permission(request, "change", obj)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self.has_team_permission(request, "delete", obj)

    # --- forms -----------------------------------------------------------------------------------
    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[str] | tuple[str, ...]:
        readonly = list(super().get_readonly_fields(request, obj))
        # A row never moves between teams: its links would point into the old one.
        if obj is not None and self.team_lookup == "team" and "team" not in readonly:
            readonly.append("team")
        return readonly

    def get_changeform_initial_data(self, request: HttpRequest) -> dict[str, Any]:
        initial = super().get_changeform_initial_data(request)
        if self.team_lookup == "team" and "team" not in initial:
            if request.user.is_superuser:
                team_ids = [superuser_team_id(request)] if superuser_team_id(request) is not None else []
            else:
                team_ids = list(self.team_choices(request).values_list("pk", flat=True))
            if len(team_ids) == 1:
                initial["team"] = str(team_ids[0])
        return initial

    # --- changelist ------------------------------------------------------------------------------
    def get_actions(self, request: HttpRequest) -> dict[str, Any]:
        """The admin's own actions, then those other apps offer on this list (see `changelist_action`)."""
        actions: dict[str, Any] = super().get_actions(request)
        if self.actions is None or IS_POPUP_VAR in request.GET:
            return actions
        for action in _CHANGELIST_ACTIONS.get(self.model, ()):
            func, name, description = self.get_action(action)  # type: ignore[misc]
            required = getattr(func, "allowed_permissions", ())
            offered_to = getattr(func, "offered_to", None)
            if offered_to is not None and not offered_to(request):
                continue
            if all(getattr(self, f"has_{permission}_permission")(request) for permission in required):
                actions[name] = (func, name, description)
        return actions

    def get_list_display(self, request: HttpRequest) -> Any:
        """No Team column while working in one team (it would say the same on every row)."""
        columns = super().get_list_display(request)
        if request.user.is_superuser and superuser_team_id(request) is None:
            return columns
        return [column for column in columns if column != "team"] or columns

    def get_list_filter(self, request: HttpRequest) -> Any:
        """Team filter for superusers only; foreign-key filters list only rows the user can see."""
        filters: list[Any] = []
        for spec in super().get_list_filter(request):
            if isinstance(spec, str) and not request.user.is_superuser and self._is_relation(spec):
                filters.append((spec, admin.RelatedOnlyFieldListFilter))
            else:
                filters.append(spec)
        all_teams = request.user.is_superuser and superuser_team_id(request) is None
        if all_teams and self.team_lookup == "team" and "team" not in filters:
            filters.insert(0, "team")
        return filters

    def _is_relation(self, name: str) -> bool:
        try:
            field = self.model._meta.get_field(name)
        except FieldDoesNotExist:  # a lookup path such as `job__status`
            return False
        return bool(field.is_relation)


class TeamScopedInline(ScopedChoicesMixin, admin.TabularInline):
    """A tabular inline whose choices are limited like its parent admin's.

    Its rows hang off a parent that `TeamScopedAdmin` has already scoped; what the user may do
    with them follows their role's permissions on the inline's model.
    """

    def _team_access(self, request: HttpRequest, action: str) -> bool:
        if not is_staff(request):
            return False
        return bool(request.user.is_superuser or permitted_team_ids(request, self.model, action))

    def get_formset(self, request: HttpRequest, obj: Any = None, **kwargs: Any) -> Any:
        """A table row has no `<label>`s: each input is named by its column (axe's label and select-name)."""
        formset = super().get_formset(request, obj, **kwargs)

        class NamedByColumn(formset):  # type: ignore[misc, valid-type]
            def add_fields(self, form: Any, index: Any) -> None:
                super().add_fields(form, index)
                for name, field in form.fields.items():
                    if not field.widget.is_hidden:
                        label = "Delete" if name == "DELETE" else str(field.label or name)
                        field.widget.attrs.setdefault("aria-label", label)

        NamedByColumn.__name__ = formset.__name__
        return NamedByColumn

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self._team_access(request, "view")

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self._team_access(request, "add")

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self._team_access(request, "change")

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self._team_access(request, "delete")


class ReadOnlyTeamScopedInline(TeamScopedInline):
    """An inline that only shows rows (event timelines, logs)."""

    extra = 0
    can_delete = False
    show_change_link = False

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@dataclass(frozen=True)
class DashboardTile:
    """One figure on the admin index, linking to the changelist that lists it."""

    group: str
    label: str
    count: int
    url: str
    tone: str = "neutral"  # neutral | good | warn | bad


DashboardPanel = Callable[[HttpRequest], list[DashboardTile]]
DASHBOARD_PANELS: list[DashboardPanel] = []


def dashboard_panel(panel: DashboardPanel) -> DashboardPanel:
    """Register a function adding tiles to the admin index (each app adds its own in its admin.py)."""
    DASHBOARD_PANELS.append(panel)
    return panel


def dashboard_tiles(request: HttpRequest) -> list[DashboardTile]:
    return [tile for panel in DASHBOARD_PANELS for tile in panel(request)]


# The admin index shows the dashboard above the usual list of models.
admin.site.index_template = "admin/dashboard_index.html"

__all__ = [
    "DashboardTile",
    "ReadOnlyTeamScopedInline",
    "RefusedSaveError",
    "TeamConsistentForm",
    "TeamScopedAdmin",
    "TeamScopedInline",
    "changelist_action",
    "dashboard_panel",
    "kept_inline_forms",
    "object_action",
    "permitted_team_ids",
    "registered_admin",
    "saved_by_service",
]
