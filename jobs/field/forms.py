"""The engineer's Complete form: the outcome, result fields built from the job type's result schema, notes,
the signer's name and the signature (a PNG drawn on a canvas, sent as a data URL).

The result fields are built here on the server from the schema (not by a script in the browser): plain
inputs that a phone's keyboard suits (`inputmode`), that work without JavaScript and that the form shows
errors beside. A schema this builder cannot draw (nested objects, arrays, combinators) leaves the raw
JSON box, which is otherwise behind "Advanced". Photos are read from the request's files by the view.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from dataclasses import dataclass
from typing import Any

from django import forms

from jobs.models import ResultType

RESULT_FIELD_PREFIX = "result_"
SKIP = "-"  # an issue not to show (see `CompleteForm.add_issues`)
REQUIRED_MESSAGE = re.compile(r"^'(?P<key>.+)' is a required property$")  # jsonschema's wording


@dataclass(frozen=True)
class ResultField:
    """One property of the result schema as a form field."""

    key: str  # the property's name in the result
    name: str  # the form field's name
    kind: str  # number, integer, boolean, date, string, choice
    required: bool


def label_of(key: str, schema: dict[str, Any]) -> str:
    """A property's label: its `title`, else its key in words ("pressureBar" → "Pressure bar")."""
    title = schema.get("title")
    if isinstance(title, str) and title.strip():
        return title.strip()
    words = re.sub(r"(?<=[a-z0-9])(?=[A-Z])", " ", key).replace("_", " ").replace("-", " ").strip()
    return words[:1].upper() + words[1:].lower() if words else key


def _type_of(schema: dict[str, Any]) -> str | None:
    kind = schema.get("type")
    if isinstance(kind, list):
        kinds = [k for k in kind if k != "null"]
        kind = kinds[0] if len(kinds) == 1 else None
    return kind if isinstance(kind, str) else None


def _number_bounds(schema: dict[str, Any]) -> dict[str, Any]:
    bounds = {}
    for keyword, argument in (("minimum", "min_value"), ("maximum", "max_value")):
        if isinstance(schema.get(keyword), int | float) and not isinstance(schema.get(keyword), bool):
            bounds[argument] = schema[keyword]
    return bounds


def _form_field(schema: dict[str, Any], label: str, required: bool) -> tuple[str, forms.Field] | None:
    """A form field for one property's schema, or None when it is not one this builder draws."""
    common: dict[str, Any] = {"label": label, "required": False}
    description = schema.get("description")
    if isinstance(description, str):
        common["help_text"] = description
    enum = schema.get("enum")
    if isinstance(enum, list) and enum and all(isinstance(v, str | int | float) for v in enum):
        choices = [("", "—")] + [(json.dumps(v), str(v)) for v in enum]
        return "choice", forms.TypedChoiceField(choices=choices, coerce=json.loads, empty_value=None, **common)
    kind = _type_of(schema)
    if kind == "number":
        attrs = {"step": "any", "inputmode": "decimal"}
        return "number", forms.FloatField(widget=forms.NumberInput(attrs=attrs), **_number_bounds(schema), **common)
    if kind == "integer":
        attrs = {"step": "1", "inputmode": "numeric"}
        return "integer", forms.IntegerField(widget=forms.NumberInput(attrs=attrs), **_number_bounds(schema), **common)
    if kind == "boolean":
        choices = [("true", "Yes"), ("false", "No")]
        field = forms.TypedChoiceField(
            choices=choices, coerce=lambda v: v == "true", empty_value=None, widget=forms.RadioSelect, **common
        )
        return "boolean", field
    if kind == "string" and schema.get("format") == "date":
        return "date", forms.DateField(widget=forms.DateInput(attrs={"type": "date"}), **common)
    if kind == "string":
        max_length = schema.get("maxLength")
        long_text = not isinstance(max_length, int) or max_length > 200
        widget = forms.Textarea(attrs={"rows": 2}) if long_text else forms.TextInput()
        limit = max_length if isinstance(max_length, int) and max_length > 0 else None
        return "string", forms.CharField(max_length=limit, widget=widget, strip=True, **common)
    return None


def result_fields(schema: Any) -> tuple[list[ResultField], dict[str, forms.Field]] | None:
    """The schema's properties as form fields (required ones first); None when it has any property (or
    shape) the builder cannot draw; no fields for no schema."""
    if not schema:
        return [], {}
    properties = schema.get("properties") if isinstance(schema, dict) else None
    if _type_of(schema) not in (None, "object") or not isinstance(properties, dict) or not properties:
        return None
    required_list = [key for key in schema.get("required") or [] if key in properties]
    required = set(required_list)
    if any(not isinstance(property_schema, dict) for property_schema in properties.values()):
        return None
    # The stored schema keeps no key order (PostgreSQL's jsonb): the required fields come first, in the
    # order of `required` (a list keeps its order), then the others by label.
    others = sorted((key for key in properties if key not in required), key=lambda k: label_of(k, properties[k]))
    described: list[ResultField] = []
    fields: dict[str, forms.Field] = {}
    for index, key in enumerate([*dict.fromkeys(required_list), *others]):
        property_schema = properties[key]
        built = _form_field(property_schema, label_of(key, property_schema), key in required)
        if built is None:
            return None
        kind, field = built
        name = f"{RESULT_FIELD_PREFIX}{index}"
        described.append(ResultField(key=key, name=name, kind=kind, required=key in required))
        fields[name] = field
    return described, fields


class CompleteForm(forms.Form):
    """Completing a job on site (see `jobs.completion.complete_on_site`, which checks the rest)."""

    result_type = forms.ChoiceField(
        label="How did it go?", choices=ResultType.choices, widget=forms.RadioSelect,
        error_messages={"required": "Choose how the visit went."},
    )  # fmt: skip
    notes = forms.CharField(label="Notes", required=False, max_length=10000, widget=forms.Textarea(attrs={"rows": 4}))
    result_json = forms.CharField(
        label="Result as JSON", required=False, max_length=100_000, widget=forms.Textarea(attrs={"rows": 5}),
        help_text="When filled in, this JSON object is recorded as the result instead of the fields above.",
    )  # fmt: skip
    signer_name = forms.CharField(label="Signed by (customer's name)", required=False, max_length=200)
    signature_png = forms.CharField(required=False, widget=forms.HiddenInput, max_length=1_400_000)

    def __init__(self, *args: Any, result_schema: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        built = result_fields(result_schema)
        self.schema_drawn = built is not None
        self.result_specs, extra = built if built is not None else ([], {})
        self.fields.update(extra)
        # In the page's order, so the list of problems at the top reads like the form.
        self.order_fields(["result_type", *extra, "result_json", "notes", "signature_png", "signer_name"])
        self.has_result_schema = bool(result_schema)
        self.photo_errors: list[str] = []

    @property
    def result_bound_fields(self) -> list[tuple[ResultField, forms.BoundField]]:
        return [(spec, self[spec.name]) for spec in self.result_specs]

    @property
    def advanced_open(self) -> bool:
        """The raw JSON box starts open when the schema cannot be drawn, or it holds something."""
        return not self.schema_drawn or bool(self["result_json"].value()) or bool(self.errors.get("result_json"))

    def clean_result_json(self) -> dict[str, Any] | None:
        text = (self.cleaned_data.get("result_json") or "").strip()
        if not text:
            return None
        try:
            value = json.loads(text)
        except ValueError:
            raise forms.ValidationError("This is not valid JSON.") from None
        if not isinstance(value, dict):
            raise forms.ValidationError('The result must be a JSON object, e.g. {"pressureBar": 1.2}.')
        return value

    def result(self) -> dict[str, Any] | None:
        """The result to record: the raw JSON when given, else the fields filled in (None when none are)."""
        if self.cleaned_data.get("result_json") is not None:
            return dict(self.cleaned_data["result_json"])
        result: dict[str, Any] = {}
        for spec in self.result_specs:
            value = self.cleaned_data.get(spec.name)
            if value is None or value == "":
                continue
            result[spec.key] = value.isoformat() if isinstance(value, dt.date) else value
        return result or None

    def add_issues(self, issues: list[tuple[str, str]], photo_names: list[str] | None = None) -> None:
        """Show a service's issues beside the fields they name (photos in `photo_errors`, the rest on top).

        A result issue about a field that already has an error (e.g. "Enter a number.") is left out:
        the field's own error says it better.
        """
        by_key = {spec.key: spec.name for spec in self.result_specs}
        raw = self.cleaned_data.get("result_json") is not None
        names = photo_names or []
        for path, message in issues:
            if path == "photos" or path.startswith("photos."):
                index = path.partition(".")[2]
                which = f"Photo {int(index) + 1}" if index.isdigit() else "Photos"
                if index.isdigit() and int(index) < len(names) and names[int(index)]:
                    which += f" ({names[int(index)]})"
                self.photo_errors.append(f"{which}: {message}")
                continue
            target = self._field_for(path, message, by_key, raw)
            if target != SKIP:
                self.add_error(target, message)

    def _field_for(self, path: str, message: str, by_key: dict[str, str], raw: bool) -> str | None:
        if path == "resultType":
            return "result_type" if "result_type" not in self.errors else SKIP
        if path == "result" or path.startswith("result."):
            if raw or not self.schema_drawn:
                return "result_json"
            key = path.split(".")[1] if "." in path else None
            missing = REQUIRED_MESSAGE.match(message)
            key = key or (missing.group("key") if missing else None)
            name = by_key.get(key or "")
            if name is None:
                return None
            return name if name not in self.errors else SKIP
        if path.startswith("signature."):
            return "signer_name" if path == "signature.signerName" else "signature_png"
        return None  # anything else at the top of the form
