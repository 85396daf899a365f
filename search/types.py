"""The kinds of record `/v1/search` can return, and the read scope each one needs."""

from __future__ import annotations

from django.db import models

from accounts.scopes import Scope


class SearchType(models.TextChoices):
    JOB = "job"
    ASSET = "asset"
    PROJECT = "project"
    CLIENT = "client"
    SITE = "site"
    INVOICE = "invoice"


# A token sees a kind of record in search only if it could read that record directly.
TYPE_SCOPES: dict[SearchType, Scope] = {
    SearchType.JOB: Scope.JOBS_READ,
    SearchType.ASSET: Scope.ASSETS_READ,
    SearchType.PROJECT: Scope.PROJECTS_READ,
    SearchType.CLIENT: Scope.PROJECTS_READ,
    SearchType.SITE: Scope.PROJECTS_READ,
    SearchType.INVOICE: Scope.INVOICES_READ,
}
