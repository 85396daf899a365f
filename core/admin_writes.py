"""How the admin writes: through the services the API uses, a refusal shown on the bound form.

`ServiceWritesAdmin` (a base of `core.admin.TeamScopedAdmin`) writes the row and its inlines in
`save_related`, once the form and every inline are valid, by calling the admin's `create_object` /
`change_object` (and `save_formset` for an inline), which call services. A `DomainError` they raise
rolls the whole save back, and the page is rendered again in the same request from the bound form
and inlines, with the refusal on them (mapped from the API path: `jobTypeId` → `job_type`).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from django import forms
from django.contrib import admin
from django.contrib.admin import helpers
from django.contrib.admin.options import IS_POPUP_VAR, TO_FIELD_VAR
from django.http import HttpRequest, HttpResponse

from core.exceptions import DomainError


class RefusedSaveError(Exception):
    """A service refused an admin save: the bound form (now carrying the refusal) and inlines to show again."""

    def __init__(self, form: forms.ModelForm[Any], formsets: list[Any]) -> None:
        super().__init__("The save was refused.")
        self.form, self.formsets = form, formsets


def kept_inline_forms(formset: Any) -> list[forms.ModelForm[Any]]:
    """The inline's rows that remain after the save (filled in, not marked for deletion), in page order."""
    return [form for form in formset.forms if form.cleaned_data and not form.cleaned_data.get("DELETE")]


def saved_by_service(formset: Any) -> None:
    """Mark an inline as written by a service (not `formset.save()`): the change message lists no rows."""
    formset.new_objects, formset.changed_objects, formset.deleted_objects = [], [], []


def _field_for_issue(path: str, form: forms.BaseForm, aliases: dict[str, str]) -> str | None:
    """Map an API issue path (`jobTypeId`, `payload.0.x`) onto a form field name, if there is one."""
    head = path.split(".", 1)[0]
    if head in aliases:
        return aliases[head] if aliases[head] in form.fields else None
    snake = re.sub(r"(?<!^)(?=[A-Z])", "_", head).lower()
    for candidate in (snake, snake.removesuffix("_id")):
        if candidate in form.fields:
            return candidate
    return None


class ServiceWritesAdmin(admin.ModelAdmin):
    """Saves through `create_object` / `change_object`; a service's refusal shows on the form, not as a 500."""

    # Maps API issue paths that do not match a form field (`engineerId`) onto one (`assigned_to`).
    service_error_fields: dict[str, str] = {}

    def create_object(self, request: HttpRequest, form: Any, formsets: Sequence[Any]) -> Any:
        """Override to create the row (and what the page's inlines hold) through a service.

        Called once the form and every inline are valid. Returning None keeps the plain save (the
        row, then its many-to-many and inline rows); returning the created row means the service
        wrote everything on the page, so the admin saves nothing more.
        """
        return None

    def change_object(self, request: HttpRequest, obj: Any, form: Any) -> None:
        """Override to change the row through a service (`form.changed_data` says what changed)."""
        obj.save()

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        """Nothing yet: the row is written in `save_related`, where a refusal can still reach the form."""

    def save_related(self, request: HttpRequest, form: Any, formsets: Any, change: bool) -> None:
        """Write the row and its inlines; a `DomainError` becomes errors on the bound form (no 500)."""
        try:
            if change:
                self.change_object(request, form.instance, form)
            else:
                created = self.create_object(request, form, formsets)
                if created is None:
                    form.instance.save()
                else:
                    # Django's view keeps the instance it validated (for the message and the
                    # redirect, and the inlines are bound to it): it becomes the row the service made.
                    vars(form.instance).update(vars(created))
                    for formset in formsets:
                        saved_by_service(formset)
                    return None
            super().save_related(request, form, formsets, change)
        except DomainError as exc:
            for path, message in exc.issues:
                field = _field_for_issue(path, form, self.service_error_fields)
                # An issue deeper in the page (`steps.2.payload`) keeps its path, so the row can be found.
                form.add_error(field, message if field or "." not in path else f"{path}: {message}")
            raise RefusedSaveError(form, formsets) from exc
        return None

    def changeform_view(
        self,
        request: HttpRequest,
        object_id: str | None = None,
        form_url: str = "",
        extra_context: dict[str, Any] | None = None,
    ) -> HttpResponse:
        """Django's view, once; a save a service refused (rolled back) shows its bound form again."""
        try:
            return super().changeform_view(request, object_id, form_url, extra_context)
        except RefusedSaveError as refusal:
            return self.render_refusal(request, object_id, refusal, form_url, extra_context)

    def render_refusal(
        self,
        request: HttpRequest,
        object_id: str | None,
        refusal: RefusedSaveError,
        form_url: str,
        extra_context: dict[str, Any] | None,
    ) -> HttpResponse:
        """The change form as Django renders an invalid submission: the same bound form and inlines."""
        form, formsets = refusal.form, refusal.formsets
        add = object_id is None
        obj = None if add else form.instance
        fieldsets: Any = self.get_fieldsets(request, obj)
        admin_form = helpers.AdminForm(
            form,
            list(fieldsets),
            self.get_prepopulated_fields(request, obj),
            self.get_readonly_fields(request, obj),
            model_admin=self,
        )
        inline_formsets = self.get_inline_formsets(request, formsets, self.get_inline_instances(request, obj), obj)
        media = self.media + admin_form.media
        for inline_formset in inline_formsets:
            media += inline_formset.media
        context = {
            **self.admin_site.each_context(request),
            "title": ("Add %s" if add else "Change %s") % self.opts.verbose_name,
            "subtitle": str(obj) if obj else None,
            "adminform": admin_form,
            "object_id": object_id,
            "original": obj,
            "is_popup": IS_POPUP_VAR in request.POST or IS_POPUP_VAR in request.GET,
            "to_field": request.POST.get(TO_FIELD_VAR, request.GET.get(TO_FIELD_VAR)),
            "media": media,
            "inline_admin_formsets": inline_formsets,
            "errors": helpers.AdminErrorList(form, formsets),
            "preserved_filters": self.get_preserved_filters(request),
            **(extra_context or {}),
        }
        return self.render_change_form(request, context, add=add, change=not add, obj=obj, form_url=form_url)
