"""Job types' JSON Schemas (2020-12): checking a schema, and validating payloads and results against it."""

from __future__ import annotations

from typing import Any

from jsonschema import Draft202012Validator
from jsonschema.exceptions import SchemaError

from core.exceptions import InvalidInputError
from jobs.models import JobType, ResultType


def check_schema(schema: Any, field: str = "payloadSchema") -> None:
    """Refuse (400 on `field`) anything that is not a valid JSON Schema (2020-12) object."""
    if not isinstance(schema, dict):
        raise InvalidInputError(f"{field} must be a JSON Schema object.", field)
    try:
        Draft202012Validator.check_schema(schema)
    except SchemaError as exc:
        where = ".".join(str(p) for p in exc.absolute_path)
        path = ".".join(filter(None, [field, where]))
        raise InvalidInputError(f"Not a valid JSON Schema: {exc.message}", path) from None


def check_payload_schema(schema: Any) -> None:
    """Refuse (400 on `payloadSchema`) anything that is not a valid JSON Schema object."""
    check_schema(schema, "payloadSchema")


def _validate_against(schema: dict[str, Any], value: Any, root: str) -> None:
    """Every failure at once: one 400 issue each, with its dotted path under `root`."""
    validator = Draft202012Validator(schema)
    errors = sorted(validator.iter_errors(value), key=lambda e: [str(p) for p in e.absolute_path])
    if errors:
        issues = [(".".join([root, *(str(p) for p in error.absolute_path)]), error.message) for error in errors[:50]]
        raise InvalidInputError(issues[0][1], issues=issues)


def validate_payload(job_type: JobType, payload: Any) -> None:
    """Validate a payload against its type's schema: one 400 issue per failure, dotted path under `payload`."""
    if not isinstance(payload, dict):
        raise InvalidInputError("payload must be a JSON object.", "payload")
    if job_type.payload_schema:
        _validate_against(job_type.payload_schema, payload, "payload")


# Outcomes where nothing may have been measured: a missing result is not checked against the schema.
RESULT_OPTIONAL = (ResultType.FAILED, ResultType.NO_ACCESS)


def validate_result(job_type: JobType, result_type: str, result: Any) -> None:
    """Validate a completion's result against its type's result schema (400s under `result`, all at once).

    A missing result counts as `{}` (so required readings are enforced), except for FAILED and
    NO_ACCESS, where it may be left out; a result that is given is always checked.
    """
    if result is not None and not isinstance(result, dict):
        raise InvalidInputError("result must be a JSON object.", "result")
    if not job_type.result_schema or (result is None and result_type in RESULT_OPTIONAL):
        return
    _validate_against(job_type.result_schema, {} if result is None else result, "result")
