"""Writes for a team's invoicing profile (who bills, its defaults and number sequence) and invoice template."""

from __future__ import annotations

import re
from typing import Any

from django.db import transaction

from accounts.models import Actor, Team
from core.exceptions import InvalidInputError, StateConflictError
from invoicing import selectors
from invoicing.models import Invoice, InvoiceTemplate, InvoicingProfile

# Profile fields an upsert may set (the API's snake_case names).
PROFILE_FIELDS = (
    "legal_name", "address", "tax_id", "bank_details", "default_currency", "default_tax_rate",
    "payment_terms_days", "number_prefix", "number_include_year", "number_padding", "next_number", "footer_text",
)  # fmt: skip
TEMPLATE_FIELDS = ("logo_text", "primary_color", "accent_color", "notes", "terms")
HEX_COLOUR = re.compile(r"#[0-9A-Fa-f]{6}")


def locked_profile(team: Team) -> InvoicingProfile:
    """The team's profile row, locked until the transaction ends (created with defaults on first use)."""
    profile = InvoicingProfile.objects.select_for_update().filter(team=team).first()
    if profile is None:
        # Two first uses at once: one insert wins, the other is ignored; both then lock the same row.
        InvoicingProfile.objects.bulk_create([selectors.default_profile(team=team)], ignore_conflicts=True)
        profile = InvoicingProfile.objects.select_for_update().get(team=team)
    return profile


def upsert_profile(*, team: Team, actor: Actor, **changes: Any) -> InvoicingProfile:
    """Create or update the team's invoicing profile; only the fields given change.

    `next_number` may only be set before the team's first invoice is finalized (to continue a
    sequence started elsewhere); afterwards it belongs to finalize alone, or numbers could skip or collide.
    """
    unknown = set(changes) - set(PROFILE_FIELDS)
    if unknown:
        raise ValueError(f"Not profile fields: {sorted(unknown)}")
    with transaction.atomic():
        profile = locked_profile(team)
        next_number = changes.get("next_number")
        renumbering = next_number is not None and next_number != profile.next_number
        if renumbering and Invoice.objects.filter(team=team, sequence__isnull=False).exists():
            raise StateConflictError(
                "nextNumber cannot change once an invoice has been finalized; numbers must stay gapless.",
                "nextNumber",
            )
        for field, value in changes.items():
            setattr(profile, field, value)
        profile.save()
    return profile


def upsert_template(*, team: Team, actor: Actor, **changes: Any) -> InvoiceTemplate:
    """Create or update the team's invoice template; only the fields given change. Colours are `#RRGGBB`."""
    unknown = set(changes) - set(TEMPLATE_FIELDS)
    if unknown:
        raise ValueError(f"Not template fields: {sorted(unknown)}")
    for field, path in (("primary_color", "primaryColor"), ("accent_color", "accentColor")):
        if field in changes and not HEX_COLOUR.fullmatch(changes[field]):
            raise InvalidInputError("A colour is written #RRGGBB, e.g. #1F2937.", path)
    with transaction.atomic():
        template = InvoiceTemplate.objects.select_for_update().filter(team=team).first()
        if template is None:
            InvoiceTemplate.objects.bulk_create([InvoiceTemplate(team=team)], ignore_conflicts=True)
            template = InvoiceTemplate.objects.select_for_update().get(team=team)
        for field, value in changes.items():
            setattr(template, field, value)
        template.save()
    return template
