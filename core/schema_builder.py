"""The structured schema editor's rows and the JSON Schema they stand for, both ways.

Staff describe a type's fields as rows (name, title, kind, required, choices, minimum, maximum, help)
instead of writing JSON Schema; `schema_from_rows` turns the rows into a JSON Schema (2020-12) object
and `rows_from_schema` reads one back, or returns None for a schema the rows cannot hold (nesting,
`$ref`, patterns...), which is then edited as raw JSON. Shared by job types and asset types.
"""

from __future__ import annotations

import re
from typing import Any

from django.core.exceptions import ValidationError

# The kinds a row may be, as (value, label); "date" is a string with `format: date`.
KINDS = (("string", "Text"), ("number", "Number"), ("integer", "Whole number"), ("boolean", "Yes/no"),
         ("date", "Date"))  # fmt: skip
NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
_PROPERTY_KEYS = {"type", "title", "description", "enum", "minimum", "maximum", "minLength", "maxLength", "format"}

# The rows as the form generated from them shows them (a django-jsonform schema of its own).
ROWS_SCHEMA: dict[str, Any] = {
    "type": "array",
    "title": "Fields",
    "items": {
        "type": "object",
        "title": "Field",
        "properties": {
            "name": {"type": "string", "title": "Name", "help_text": "Letters, digits and _; e.g. ratedOutputKw"},
            "title": {"type": "string", "title": "Label"},
            "kind": {
                "type": "string",
                "title": "Kind",
                "default": "string",
                "choices": [{"value": value, "title": label} for value, label in KINDS],
            },
            "required": {"type": "boolean", "title": "Required"},
            "choices": {"type": "array", "title": "Choices (text only)", "items": {"type": "string"}},
            "minimum": {"type": "number", "title": "Minimum", "help_text": "Of the value, or of the text's length"},
            "maximum": {"type": "number", "title": "Maximum", "help_text": "Of the value, or of the text's length"},
            "help": {"type": "string", "title": "Help text"},
        },
    },
}


def _blank(value: Any) -> bool:
    return value is None or value == "" or value == []


def _number(value: Any, integral: bool) -> Any:
    """A bound as the schema should hold it (5, not 5.0, for whole numbers and lengths)."""
    if isinstance(value, float) and value.is_integer() and integral:
        return int(value)
    return value


def schema_from_rows(rows: Any) -> dict[str, Any] | None:
    """The JSON Schema the rows describe (None for no rows); every problem at once as a ValidationError."""
    if rows in (None, "", []):
        return None
    if not isinstance(rows, list) or not all(isinstance(row, dict) for row in rows):
        raise ValidationError("The fields must be a list of rows.")
    problems: list[str] = []
    properties: dict[str, Any] = {}
    required: list[str] = []
    for number, row in enumerate(rows, start=1):
        name = str(row.get("name") or "").strip()
        where = f"Field {number}" + (f" ({name})" if name else "")
        kind = row.get("kind") or "string"
        if not name:
            problems.append(f"{where}: give it a name.")
        elif not NAME.match(name):
            problems.append(f"{where}: a name has letters, digits and _ only, and does not start with a digit.")
        elif name in properties:
            problems.append(f"{where}: another field already has this name.")
        if kind not in dict(KINDS):
            problems.append(f"{where}: unknown kind {kind!r}.")
            continue
        prop: dict[str, Any] = {"type": "string" if kind == "date" else kind}
        if kind == "date":
            prop["format"] = "date"
        if not _blank(row.get("title")):
            prop["title"] = str(row["title"]).strip()
        if not _blank(row.get("help")):
            prop["description"] = str(row["help"]).strip()
        choices = [str(choice).strip() for choice in row.get("choices") or [] if not _blank(choice)]
        if choices:
            if kind != "string":
                problems.append(f"{where}: choices are for text fields only.")
            elif len(set(choices)) != len(choices):
                problems.append(f"{where}: a choice is listed twice.")
            else:
                prop["enum"] = choices
        low, high = row.get("minimum"), row.get("maximum")
        bounds = [(bound, value) for bound, value in (("minimum", low), ("maximum", high)) if not _blank(value)]
        for bound, value in bounds:
            if isinstance(value, bool) or not isinstance(value, int | float):
                problems.append(f"{where}: the {bound} must be a number.")
            elif kind in ("boolean", "date"):
                problems.append(f"{where}: a {dict(KINDS)[kind].lower()} field has no {bound}.")
            elif kind == "string" and (value < 0 or not float(value).is_integer()):
                problems.append(f"{where}: a text length {bound} is a whole number, 0 or more.")
            else:
                key = {"minimum": "minLength", "maximum": "maxLength"}[bound] if kind == "string" else bound
                prop[key] = _number(value, kind != "number")
        if all(isinstance(v, int | float) and not isinstance(v, bool) for v in (low, high)) and low > high:
            problems.append(f"{where}: the minimum is above the maximum.")
        if name and name not in properties:
            properties[name] = prop
            if row.get("required"):
                required.append(name)
    if problems:
        raise ValidationError(problems)
    schema: dict[str, Any] = {"type": "object", "properties": properties}
    if required:
        schema["required"] = required
    return schema


def rows_from_schema(schema: Any) -> list[dict[str, Any]] | None:
    """The rows that describe `schema` ([] for none), or None when it uses more than the rows can hold."""
    if schema in (None, {}):
        return []
    if not isinstance(schema, dict) or schema.get("type") != "object":
        return None
    if set(schema) - {"type", "properties", "required", "$schema"}:
        return None
    properties, required = schema.get("properties") or {}, schema.get("required") or []
    if not isinstance(properties, dict) or not isinstance(required, list) or set(required) - set(properties):
        return None
    rows = []
    for name, prop in properties.items():
        if not isinstance(prop, dict) or set(prop) - _PROPERTY_KEYS:
            return None
        kind = prop.get("type")
        if prop.get("format") is not None:
            if kind != "string" or prop["format"] != "date":
                return None
            kind = "date"
        if kind not in dict(KINDS):
            return None
        if "enum" in prop and (kind != "string" or not all(isinstance(choice, str) for choice in prop["enum"])):
            return None
        lengths = kind == "string" and ("minLength" in prop or "maxLength" in prop)
        if lengths and ("minimum" in prop or "maximum" in prop):
            return None
        if kind != "string" and ("minLength" in prop or "maxLength" in prop):
            return None
        row: dict[str, Any] = {"name": name, "title": prop.get("title", ""), "kind": kind,
                               "required": name in required, "choices": list(prop.get("enum", [])),
                               "help": prop.get("description", "")}  # fmt: skip
        low = prop.get("minLength" if lengths else "minimum")
        high = prop.get("maxLength" if lengths else "maximum")
        row["minimum"] = "" if low is None else low
        row["maximum"] = "" if high is None else high
        rows.append(row)
    return rows
