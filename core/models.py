"""Base classes shared by every team-owned model."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any, TypeVar, cast

from django.db import models
from django.db.models.expressions import Col
from django.db.models.lookups import Exact
from django.db.models.sql.where import AND
from django.utils import timezone

if TYPE_CHECKING:
    from accounts.models import Team

_M = TypeVar("_M", bound=models.Model)
_Q = TypeVar("_Q", bound=models.QuerySet[Any, Any])


class TeamQuerySet(models.QuerySet[_M]):
    """A queryset that knows how to narrow itself to one team's rows."""

    def for_team(self, team: Team) -> TeamQuerySet[_M]:
        return self.filter(team=team)


def for_team(queryset: _Q, team: Team) -> _Q:
    """`queryset` narrowed to `team`'s rows: `TeamQuerySet.for_team` where the model has it, else by `team`.

    The one place the API's tenancy is spelled (history tables and other querysets without
    `TeamQuerySet` still carry a `team` column). A queryset a selector already narrowed to this
    team is returned as it is, so the SQL does not repeat the condition.
    """
    if narrowed_to(queryset, team):
        return queryset
    if isinstance(queryset, TeamQuerySet):
        return cast(_Q, queryset.for_team(team))
    return queryset.filter(team=team)


def narrowed_to(queryset: models.QuerySet[Any, Any], team: Team) -> bool:
    """Whether every row `queryset` can return is `team`'s: its WHERE is `team = <team> AND …` on its own table.

    Only a top-level conjunct counts (not one inside OR/NOT, nor a combined query), which is what
    makes it a guarantee rather than a guess.
    """
    query = queryset.query
    where = query.where
    if query.combinator or where.negated or where.connector != AND:
        return False
    for condition in where.children:
        if not isinstance(condition, Exact) or not isinstance(condition.lhs, Col):
            continue
        column = condition.lhs
        if column.alias == query.base_table and column.target.name == "team" and condition.rhs == team.pk:
            return True
    return False


class TeamOwnedModel(models.Model):
    """A row that belongs to exactly one team; ids are UUIDs; created/updated stamped."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    team = models.ForeignKey("accounts.Team", on_delete=models.CASCADE, related_name="+")
    # Plain defaults rather than auto_now(_add), so that imports and bulk seeding can keep real dates.
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    updated_at = models.DateTimeField(default=timezone.now, editable=False)

    objects: Any = TeamQuerySet.as_manager()

    class Meta:
        abstract = True

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self._state.adding:
            self.updated_at = self.created_at
        else:
            self.updated_at = timezone.now()
            if kwargs.get("update_fields") is not None:
                kwargs["update_fields"] = {*kwargs["update_fields"], "updated_at"}
        super().save(*args, **kwargs)

    def save_fields(self, fields: Iterable[str]) -> None:
        """`save(update_fields=fields)` of a row that exists, stamped as `save` stamps it, through an
        UPDATE kept once built (`core.prepared.update_row`): for the hottest writes (a job's transition)."""
        from core.prepared import update_row  # core.prepared reads teams: imported when first used

        self.updated_at = timezone.now()
        update_row(self, {*fields, "updated_at"})


class IdempotencyRecord(models.Model):
    """One `Idempotency-Key` claimed by one credential, and the answer to replay (once known)."""

    credential_id = models.CharField(max_length=64)
    key = models.CharField(max_length=255)
    request_hash = models.CharField(max_length=64)
    path = models.CharField(max_length=500)
    status_code = models.PositiveSmallIntegerField(null=True)
    response_body = models.JSONField(null=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=("credential_id", "key"), name="idempotency_unique_key")]
        indexes = [models.Index(fields=("created_at",), name="idempotency_created_idx")]

    def __str__(self) -> str:
        return f"{self.key} ({self.status_code or 'in progress'})"
