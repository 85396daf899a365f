"""A flow template's fixed recipients in the admin: a list of email inputs instead of a JSON array."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import validate_email

from core.admin_schema import Codec, SchemaFormWidget, SchemaJSONField

MAX_RECIPIENTS = 20  # as the API takes them (flows/api/serializers.py)
RECIPIENTS_SCHEMA: dict[str, Any] = {
    "type": "array",
    "title": "Addresses",
    "items": {"type": "string", "format": "email", "title": "Address"},
}


class RecipientsField(SchemaJSONField):
    """Email addresses, one input each; every address that is not one is named at once."""

    def clean(self, value: Any) -> Any:
        addresses = super().clean(value)
        if not isinstance(addresses, list) or not all(isinstance(address, str) for address in addresses):
            raise ValidationError("Give a list of email addresses.")
        addresses = [address.strip() for address in addresses if address.strip()]
        wrong = []
        for address in addresses:
            try:
                validate_email(address)
            except ValidationError:
                wrong.append(address)
        problems = [f"Not an email address: {address}" for address in wrong]
        if len(set(addresses)) > MAX_RECIPIENTS:
            problems.append(f"At most {MAX_RECIPIENTS} addresses.")
        if problems:
            raise ValidationError(problems)
        return list(dict.fromkeys(addresses))


def recipients_field() -> RecipientsField:
    codec = Codec(RECIPIENTS_SCHEMA)
    return RecipientsField(
        label="Fixed recipients",
        codec=codec,
        empty=list,
        widget=SchemaFormWidget(codec=codec),
        help_text="Who the FIXED rule sends to: one address per line (Add item for another).",
    )
