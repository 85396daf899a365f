"""Actions as buttons on an object's page in the admin, each one a service call.

A `ModelAdmin` (every `core.admin.TeamScopedAdmin`) lists method names in `object_actions`; each
method is decorated with `@object_action(...)`, which says what the button reads, who may use it
(`permission`: the admin's `has_<permission>_permission(request, obj)`, i.e. the role's rights in the
object's team), in which state of the object it makes sense (`when`), what to confirm, and the small
form it needs, if any. The change page shows the buttons the signed-in person may use on the object
as it stands; the button POSTs (with CSRF) to `<object id>/actions/<name>/`, whose view checks the
same two rules again (wrong role: 403; wrong state: an error message, nothing changed), runs the
method (which calls the app's service, never `obj.save()`), turns a `DomainError` into an error
message, and redirects back to the page.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.utils import quote, unquote
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import URLPattern, path, reverse

from core.exceptions import DomainError

# (model admin, request, object, the form's cleaned data) -> a success message, or None for the default
ObjectActionMethod = Callable[..., str | None]


class ReasonForm(forms.Form):
    """The one field most refusing actions need (cancel a job, void an invoice): why."""

    reason = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), max_length=2000, strip=True)


@dataclass(frozen=True)
class ObjectActionSpec:
    """How an object action is offered: its button, its rules and its form."""

    label: str
    permission: str = "change"
    when: Callable[[Any], bool] | None = None
    confirm: str = ""
    form: type[forms.Form] | None = None
    initial: Callable[[Any], dict[str, Any]] | None = None
    done: str = ""
    danger: bool = False

    def available(self, obj: Any) -> bool:
        """Whether the action makes sense for `obj` in its current state."""
        return self.when is None or bool(self.when(obj))


def object_action(
    *,
    label: str,
    permission: str = "change",
    when: Callable[[Any], bool] | None = None,
    confirm: str = "",
    form: type[forms.Form] | None = None,
    initial: Callable[[Any], dict[str, Any]] | None = None,
    done: str = "",
    danger: bool = False,
) -> Callable[[ObjectActionMethod], ObjectActionMethod]:
    """Declare a `ModelAdmin` method `(self, request, obj, data)` as a button on the object's page.

    `permission` names the admin's `has_<permission>_permission(request, obj)` check; `when(obj)` is
    the state the object must be in; `confirm` is shown before the action runs; `form` (a plain
    `forms.Form`, with `initial(obj)`) is filled in first and its cleaned data passed as `data`;
    `done` is the success message (the method may return its own).
    """
    spec = ObjectActionSpec(label, permission, when, confirm, form, initial, done, danger)

    def declare(method: ObjectActionMethod) -> ObjectActionMethod:
        method.object_action = spec  # type: ignore[attr-defined]
        return method

    return declare


@dataclass(frozen=True)
class ObjectActionButton:
    """One action as the change page shows it."""

    name: str
    spec: ObjectActionSpec
    url: str
    form: forms.Form | None

    @property
    def label(self) -> str:
        return self.spec.label

    @property
    def direct(self) -> bool:
        """A button that runs at once (nothing to confirm or fill in)."""
        return self.form is None and not self.spec.confirm


class ObjectActionsMixin(admin.ModelAdmin):
    """Buttons on the change page for the admin's `object_actions` (see the module's docstring)."""

    object_actions: tuple[str, ...] = ()

    def get_object_action(self, name: str) -> tuple[ObjectActionMethod, ObjectActionSpec] | None:
        method = getattr(self, name, None) if name in self.object_actions else None
        spec = getattr(method, "object_action", None)
        return (method, spec) if method is not None and isinstance(spec, ObjectActionSpec) else None

    def may_use_object_action(self, request: HttpRequest, obj: Any, spec: ObjectActionSpec) -> bool:
        """The role rule: the admin's `has_<permission>_permission` on this object."""
        check = getattr(self, f"has_{spec.permission}_permission")
        return bool(check(request, obj))

    def object_action_url(self, obj: Any, name: str) -> str:
        opts = self.opts
        return reverse(
            f"{self.admin_site.name}:{opts.app_label}_{opts.model_name}_object_action", args=[quote(obj.pk), name]
        )

    def object_page_url(self, obj: Any) -> str:
        opts = self.opts
        return reverse(f"{self.admin_site.name}:{opts.app_label}_{opts.model_name}_change", args=[quote(obj.pk)])

    def object_action_form(self, name: str, spec: ObjectActionSpec, obj: Any, data: Any = None) -> forms.Form | None:
        if spec.form is None:
            return None
        initial = spec.initial(obj) if spec.initial is not None else None
        # Prefixed by the action, so its fields never clash with the change form's on the same page.
        return spec.form(data, prefix=name, initial=initial)

    def object_action_buttons(self, request: HttpRequest, obj: Any) -> list[ObjectActionButton]:
        """The actions this person may use on `obj` as it stands, in declaration order."""
        buttons = []
        for name in self.object_actions:
            declared = self.get_object_action(name)
            if declared is None:
                continue
            spec = declared[1]
            if spec.available(obj) and self.may_use_object_action(request, obj, spec):
                form = self.object_action_form(name, spec, obj)
                buttons.append(ObjectActionButton(name, spec, self.object_action_url(obj, name), form))
        return buttons

    def get_urls(self) -> list[URLPattern]:
        opts = self.opts
        view = self.admin_site.admin_view(self.object_action_view)
        name = f"{opts.app_label}_{opts.model_name}_object_action"
        # Before Django's own, whose `<path:object_id>/` catch-all would take this URL.
        return [path("<path:object_id>/actions/<str:action>/", view, name=name), *super().get_urls()]

    def render_change_form(
        self, request: HttpRequest, context: dict[str, Any], add: bool = False, change: bool = False,
        form_url: str = "", obj: Any = None,
    ) -> HttpResponse:  # fmt: skip
        if obj is not None and change and not context.get("is_popup"):
            context["object_actions"] = self.object_action_buttons(request, obj)
        return super().render_change_form(request, context, add, change, form_url, obj)

    def object_action_view(self, request: HttpRequest, object_id: str, action: str) -> HttpResponse:
        """Confirm (GET) or run (POST) one action on one object, then go back to its page."""
        if not self.has_view_or_change_permission(request):
            raise PermissionDenied(f"Your role has no access to {self.opts.verbose_name_plural}.")
        obj = self.get_object(request, unquote(object_id))
        declared = self.get_object_action(action)
        if obj is None or declared is None:
            raise Http404("No such object or action.")
        method, spec = declared
        if not self.may_use_object_action(request, obj, spec):
            raise PermissionDenied(f"Your role may not {spec.label.lower()} this {self.opts.verbose_name}.")
        back = self.object_page_url(obj)
        if not spec.available(obj):
            messages.error(request, f"“{spec.label}” is not possible for {obj} as it stands; nothing was changed.")
            return HttpResponseRedirect(back)
        if request.method != "POST":
            return self.render_object_action(request, obj, action, spec, self.object_action_form(action, spec, obj))
        form = self.object_action_form(action, spec, obj, request.POST)
        if form is not None and not form.is_valid():
            return self.render_object_action(request, obj, action, spec, form, status=400)
        try:
            outcome = method(request, obj, form.cleaned_data if form is not None else {})
        except DomainError as exc:
            messages.error(request, f"{spec.label}: {exc}")
            return HttpResponseRedirect(back)
        self.log_change(request, obj, spec.label)
        messages.success(request, outcome or spec.done or f"{spec.label}: done.")
        return HttpResponseRedirect(back)

    def render_object_action(
        self, request: HttpRequest, obj: Any, name: str, spec: ObjectActionSpec, form: forms.Form | None,
        status: int = 200,
    ) -> HttpResponse:  # fmt: skip
        """The action on a page of its own: what it will do, its form (with any errors), run or go back."""
        context = {
            **self.admin_site.each_context(request),
            "title": f"{spec.label}: {obj}",
            "opts": self.opts,
            "original": obj,
            "button": ObjectActionButton(name, spec, self.object_action_url(obj, name), form),
            "back_url": self.object_page_url(obj),
            "has_view_permission": self.has_view_permission(request, obj),
        }
        return TemplateResponse(request, "admin/object_action.html", context, status=status)
