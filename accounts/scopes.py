"""The API's scopes, declared once. `X.write` includes `X.read`."""

from __future__ import annotations

from collections.abc import Iterable

from django.db import models


class Scope(models.TextChoices):
    JOBS_READ = "jobs.read", "Read jobs and job types"
    JOBS_WRITE = "jobs.write", "Create and change jobs and job types"
    FLOWS_READ = "flows.read", "Read customer documents (flows)"
    FLOWS_WRITE = "flows.write", "Regenerate and resend customer documents"
    ASSETS_READ = "assets.read", "Read assets and their history"
    ASSETS_WRITE = "assets.write", "Create, change, archive and restore assets"
    PROJECTS_READ = "projects.read", "Read projects, templates, clients and sites"
    PROJECTS_WRITE = "projects.write", "Create and change projects, templates, clients and sites"
    INVOICES_READ = "invoices.read", "Read invoices and invoicing settings"
    INVOICES_WRITE = "invoices.write", "Draft, finalize and approve invoices; change invoicing settings"
    TEAM_READ = "team.read", "Read the team and its members"
    SEARCH_READ = "search.read", "Search across the team's records"
    METRICS_READ = "metrics.read", "Read job and flow metrics"
    WEBHOOKS_READ = "webhooks.read", "Read webhook endpoints and their deliveries"
    WEBHOOKS_WRITE = "webhooks.write", "Create, change, test and delete webhook endpoints; redeliver events"
    PLANS_READ = "plans.read", "Read maintenance plans and their visits"
    PLANS_WRITE = "plans.write", "Create, change, pause, resume and end maintenance plans; skip visits"


ALL_SCOPES: tuple[str, ...] = tuple(scope.value for scope in Scope)


def implied_by(required: str) -> set[str]:
    """The scopes any one of which satisfies `required` (a write scope satisfies its read scope)."""
    resource, _, level = required.partition(".")
    return {required, f"{resource}.write"} if level == "read" else {required}


def grants(granted: Iterable[str], required: str) -> bool:
    return not implied_by(required).isdisjoint(granted)


def invalid_scopes(scopes: Iterable[str]) -> list[str]:
    return sorted(set(scopes) - set(ALL_SCOPES))
