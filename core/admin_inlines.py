"""Inlines one app shows on another app's change page, declared in the app the inline belongs to.

A job type's flow templates sit on the job type's page this way (`flows/admin.py`): the jobs admin
knows nothing of flows. A `ModelAdmin` that takes such inlines mixes in `ContributedInlinesMixin`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from django.contrib.admin.options import InlineModelAdmin
from django.db import models
from django.http import HttpRequest

Inline = TypeVar("Inline", bound="InlineModelAdmin[Any, Any]")
_INLINES: dict[type[models.Model], list[type[InlineModelAdmin[Any, Any]]]] = {}


def change_page_inline(model: type[models.Model]) -> Callable[[type[Inline]], type[Inline]]:
    """Show the decorated inline on `model`'s change page (any `TeamScopedAdmin`)."""

    def register(inline: type[Inline]) -> type[Inline]:
        _INLINES.setdefault(model, []).append(inline)
        return inline

    return register


class ContributedInlinesMixin:
    """A `ModelAdmin` mixin: the admin's own inlines, then those other apps declared for its model."""

    model: type[models.Model]

    def get_inlines(self, request: HttpRequest, obj: Any) -> list[type[InlineModelAdmin[Any, Any]]]:
        return [*super().get_inlines(request, obj), *_INLINES.get(self.model, ())]  # type: ignore[misc]
