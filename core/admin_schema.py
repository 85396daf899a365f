"""Forms generated from JSON Schemas in the admin, with raw JSON behind an "Advanced" toggle.

`SchemaJSONField` edits a JSON value (a job's payload, an asset's attributes, a list of addresses)
with django-jsonform's widget, which draws a form from a JSON Schema. The schema usually depends on
a type chosen on the same page (a job's type, an asset's type): the form sets it from the type it
is bound to (`set_schema`), and `static/js/schema-form.js` redraws the editor when the type select
changes, from a small team-scoped JSON view (`type_schema_view`). Below the form, "Advanced: raw
JSON" shows the value as JSON; ticking "Save the JSON below" saves that text instead of the form.

A `codec` sits between the stored value and what the form edits: identity (empty fields dropped)
for payloads, or the structured schema editor's rows (`core.schema_builder`) for a type's schema.
Validation stays in the services; `issues_to_errors` puts their issues on the field and in the form.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django import forms
from django.contrib import admin
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models
from django.http import HttpRequest, JsonResponse
from django.template.loader import render_to_string
from django.utils.safestring import SafeString
from django_jsonform.constants import JOIN_SYMBOL  # type: ignore[import-untyped]
from django_jsonform.utils import normalize_schema  # type: ignore[import-untyped]

from core import schema_builder

REQUIRED = re.compile(r"^'(?P<name>.+)' is a required property$")


@dataclass(frozen=True)
class Submitted:
    """What the page sent: the form's JSON, or (when `raw`) the Advanced box's text."""

    text: str
    raw: bool


class Codec:
    """The value as stored ↔ the value as the generated form edits it (here: the same, blanks dropped)."""

    form_schema: dict[str, Any] | None = None  # a fixed schema for the form, when the codec has one
    mirrors_raw = True  # the raw box can follow the form as it is filled in (same shape)
    css_class = ""

    def __init__(self, form_schema: dict[str, Any] | None = None) -> None:
        if form_schema is not None:
            self.form_schema = form_schema

    def to_form(self, value: Any) -> Any:
        return value

    def from_form(self, data: Any) -> Any:
        return drop_blanks(data)


class SchemaRowsCodec(Codec):
    """A JSON Schema edited as rows, one per field (`core.schema_builder`)."""

    form_schema = schema_builder.ROWS_SCHEMA
    mirrors_raw = False
    css_class = "schema-form-rows"  # each row's settings side by side (static/css/admin.css)

    def to_form(self, value: Any) -> Any:
        return schema_builder.rows_from_schema(value)

    def from_form(self, data: Any) -> Any:
        # Rows are a list of objects; anything else (a schema posted as it is, by a script) is taken as sent.
        if isinstance(data, list) and all(isinstance(row, dict) for row in data):
            return schema_builder.schema_from_rows(data)
        return data


def drop_blanks(value: Any) -> Any:
    """Leave out the keys of fields left empty (the generated form sends "" or null for them)."""
    if isinstance(value, dict):
        return {key: drop_blanks(item) for key, item in value.items() if item not in ("", None)}
    if isinstance(value, list):
        return [drop_blanks(item) for item in value]
    return value


def editor_schema(schema: Any) -> dict[str, Any] | None:
    """The schema as the widget draws it, or None when there is nothing to draw a form from."""
    if not isinstance(schema, dict) or not schema or "type" not in schema:
        return None
    return dict(normalize_schema(schema))


class SchemaFormWidget(forms.Widget):
    """django-jsonform's editor (`templates/django_jsonform/editor.html`, no inline style) + the raw box."""

    template_name = "admin/widgets/schema_form.html"

    def __init__(
        self,
        *,
        codec: Codec | None = None,
        source: str = "",
        schema_url: str = "",
        empty_note: str = "",
        attrs: dict[str, Any] | None = None,
    ) -> None:
        super().__init__(attrs)
        self.codec = codec or Codec()
        self.schema: dict[str, Any] | None = editor_schema(self.codec.form_schema)
        self.source, self.schema_url, self.empty_note = source, schema_url, empty_note
        self.error_map: dict[str, list[str]] = {}

    class Media:
        css = {"all": ["django_jsonform/style.css"]}
        js = [
            "django_jsonform/vendor/react.production.min.js",
            "django_jsonform/vendor/react-dom.production.min.js",
            "django_jsonform/vendor/react-modal.min.js",
            "django_jsonform/react-json-form.js",
            "django_jsonform/index.js",
            "js/schema-form.js",
        ]

    def value_from_datadict(self, data: Any, files: Any, name: str) -> Submitted | None:
        if data.get(f"{name}__raw_on"):
            return Submitted(data.get(f"{name}__raw", ""), raw=True)
        if name in data:
            return Submitted(data[name], raw=False)
        return None

    def value_omitted_from_data(self, data: Any, files: Any, name: str) -> bool:
        return name not in data and f"{name}__raw_on" not in data

    def _views(self, value: Any) -> tuple[Any, str, bool]:
        """(what the form edits, the raw text, whether the raw box is the one in use) for `value`."""
        if isinstance(value, Submitted):
            try:
                parsed = json.loads(value.text) if value.text.strip() else None
            except ValueError:
                return None, value.text, True
            if value.raw:
                return self.codec.to_form(parsed), value.text, True
            try:
                stored = self.codec.from_form(parsed)
            except ValidationError:
                return parsed, "", False
            return parsed, pretty(stored), False
        form_value = self.codec.to_form(value)
        return form_value, pretty(value), form_value is None and value not in (None, {}, [])

    def get_context(self, name: str, value: Any, attrs: dict[str, Any] | None) -> dict[str, Any]:
        context = super().get_context(name, None, attrs)
        form_value, raw_text, raw_on = self._views(value)
        drawable = self.schema is not None
        widget_id = context["widget"]["attrs"].get("id", f"id_{name}")
        config = {
            "data": json.dumps(form_value if form_value is not None else None),
            "schema": self.schema,
            "fileHandler": "",
            "fileHandlerArgs": {"field_name": name, "model_name": ""},
            "errorMap": self.error_map,
            "validateOnSubmit": False,
            "readonly": bool(context["widget"]["attrs"].get("disabled")),
        }
        context["widget"].update(
            {
                "config": json.dumps(config) if drawable else "",
                "form_value": json.dumps(form_value) if form_value is not None else "",
                "attrs": {**context["widget"]["attrs"], "class": "django-jsonform-container", "id": widget_id},
                "raw_text": raw_text,
                "raw_on": raw_on or not drawable,
                "drawable": drawable,
                "mirrors_raw": self.codec.mirrors_raw,
                "css_class": self.codec.css_class,
                "source": self.source,
                "schema_url": self.schema_url,
                "empty_note": self.empty_note,
                "unsupported": not isinstance(value, Submitted) and form_value is None and value not in (None, {}, []),
            }
        )
        return context

    def render(self, name: str, value: Any, attrs: Any = None, renderer: Any = None) -> SafeString:
        return render_to_string(self.template_name, self.get_context(name, value, attrs))  # a SafeString


def pretty(value: Any) -> str:
    return "" if value is None else json.dumps(value, indent=2, ensure_ascii=False)


class SchemaJSONField(forms.Field):
    """A JSON value edited through a form generated from a JSON Schema (or as raw JSON, when asked)."""

    widget = SchemaFormWidget

    def __init__(self, *, codec: Codec | None = None, empty: Callable[[], Any] = dict, **kwargs: Any) -> None:
        kwargs.setdefault("widget", SchemaFormWidget(codec=codec))
        kwargs.setdefault("required", False)
        super().__init__(**kwargs)
        self.codec = codec or Codec()
        self.empty = empty

    def set_schema(self, schema: Any) -> None:
        """Draw the form from `schema` (a type's schema); None leaves only the raw box."""
        self.widget.schema = editor_schema(schema)

    def to_python(self, value: Any) -> Any:
        if not isinstance(value, Submitted):
            return self.empty() if value is None else value
        text = value.text.strip()
        if not text:
            return self.empty()
        try:
            parsed = json.loads(text)
        except json.JSONDecodeError as exc:
            raise ValidationError(f"Not valid JSON: {exc.msg} (line {exc.lineno}, column {exc.colno}).") from None
        value = parsed if value.raw else self.codec.from_form(parsed)
        return self.empty() if value is None else value

    def has_changed(self, initial: Any, data: Any) -> bool:
        try:
            return bool(self.to_python(data) != (self.empty() if initial is None else initial))
        except ValidationError:
            return True

    def bound_data(self, data: Any, initial: Any) -> Any:
        return initial if self.disabled else data


def issues_to_errors(form: forms.BaseForm, issues: list[tuple[str, str]], fields: dict[str, str]) -> None:
    """Put a service's issues on the form: `payload.rooms` on the payload field (and in its editor).

    `fields` maps an issue path's first part (`engineerId`) onto a form field (`assigned_to`); an
    issue on no field of the form becomes a form-wide error.
    """
    for path, message in issues:
        head, _, rest = path.partition(".")
        name = fields.get(head)
        if name is None or name not in form.fields:
            form.add_error(None, f"{path}: {message}" if path else message)
            continue
        field = form.fields[name]
        coords = [part for part in rest.split(".") if part]
        found = REQUIRED.match(message)
        if found:
            coords.append(found["name"])
        where = ".".join(coords)
        if isinstance(field.widget, SchemaFormWidget):
            field.widget.error_map.setdefault(JOIN_SYMBOL.join(coords), []).append(message)
        form.add_error(name, f"{where}: {message}" if where and not found else message)


def type_schema_view(
    model_admin: admin.ModelAdmin[Any], type_model: type[models.Model], attribute: str, lookup: str = "pk"
) -> Callable[[HttpRequest], JsonResponse]:
    """A JSON view answering `?type=<id>` with `{"schema": …}` for a type the person may see (else 404).

    `lookup` is the type's field the select sends (`pk`, or `key` for assets, which name their type by key).
    """

    def view(request: HttpRequest) -> JsonResponse:
        if not model_admin.has_view_permission(request):
            raise PermissionDenied
        type_admin = model_admin.admin_site.get_model_admin(type_model)
        try:
            found = type_admin.get_queryset(request).filter(**{lookup: request.GET.get("type", "")}).first()
        except ValidationError:  # not a valid id
            found = None
        if found is None:
            return JsonResponse({"error": "No such type in your team."}, status=404)
        return JsonResponse({"schema": editor_schema(getattr(found, attribute))})

    return model_admin.admin_site.admin_view(view)


def related_choices_view(
    model_admin: admin.ModelAdmin[Any], model: type[models.Model], parent_field: str
) -> Callable[[HttpRequest], JsonResponse]:
    """A JSON view answering `?parent=<id>` with the `model` rows of that parent the person may see.

    `{"choices": [{"value", "label"}]}`, drawn from `model`'s admin queryset (so scoped to the team
    and role); no parent gives every such row. Feeds selects that follow another one (a job's site
    follows its client: `static/js/schema-form.js`); the form narrows its queryset the same way.
    """

    def view(request: HttpRequest) -> JsonResponse:
        if not model_admin.has_view_permission(request):
            raise PermissionDenied
        rows = model_admin.admin_site.get_model_admin(model).get_queryset(request)
        parent = request.GET.get("parent", "")
        if parent:
            try:
                rows = rows.filter(**{parent_field: parent})
                rows.exists()
            except ValidationError:
                rows = rows.none()
        return JsonResponse({"choices": [{"value": str(row.pk), "label": str(row)} for row in rows[:500]]})

    return model_admin.admin_site.admin_view(view)
