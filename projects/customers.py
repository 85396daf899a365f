"""Writes for clients and sites (and the checks every projects write shares): one business action per function.

Every function takes the acting team/actor, checks that related rows are the team's own, and runs in
one transaction. `projects.services` re-exports these, so callers import from there.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import Any

from django.db import IntegrityError, transaction

from accounts.models import Actor, Team
from core.exceptions import InvalidInputError, StateConflictError
from projects.countries import COUNTRY_CODES
from projects.models import Client, ClientType, ProjectTemplate, Site

# API address keys → model fields, for a site's address and a client's billing address.
SITE_ADDRESS_FIELDS = {
    "line1": "address_line1",
    "line2": "address_line2",
    "city": "city",
    "region": "region",
    "postcode": "postcode",
    "country": "country",
}
BILLING_ADDRESS_FIELDS = {key: f"billing_{key}" for key in SITE_ADDRESS_FIELDS}


# Shared checks ---------------------------------------------------------------------------------
def _apply_address(target: Client | Site, fields: Mapping[str, str], address: Mapping[str, Any], path: str) -> None:
    """Set the given address keys (omitted keys keep their value), validating the country code."""
    for key, value in address.items():
        if key not in fields:
            raise InvalidInputError("Unknown field.", f"{path}.{key}")
        value = (value or "").strip()
        if key == "country":
            value = value.upper()
            if value and value not in COUNTRY_CODES:
                raise InvalidInputError("Must be an ISO 3166-1 alpha-2 country code, e.g. GB.", f"{path}.country")
        setattr(target, fields[key], value)


def check_team(team: Team, row: Any, path: str) -> None:
    if row is not None and row.team_id != team.pk:
        raise InvalidInputError("No such object in your team.", path)


def check_client_open(client: Client) -> None:
    if client.archived:
        raise InvalidInputError("This client is archived; unarchive it first.", "clientId")


def _check_coordinates(site: Site) -> None:
    if (site.latitude is None) != (site.longitude is None):
        missing = "longitude" if site.longitude is None else "latitude"
        raise InvalidInputError("Give latitude and longitude together.", missing)


def _coordinate(value: Any) -> Decimal | None:
    return None if value is None else Decimal(str(value)).quantize(Decimal("0.000001"))


def save_unique_name(row: Client | ProjectTemplate, kind: str, *, update_fields: Sequence[str] | None = None) -> None:
    """Save; a case-insensitive duplicate name in the team is a 409 on `name`."""
    try:
        with transaction.atomic():
            row.save(update_fields=update_fields)
    except IntegrityError:
        raise StateConflictError(f"A {kind} named '{row.name}' already exists.", "name") from None


# Clients ---------------------------------------------------------------------------------------
def create_client(
    *,
    team: Team,
    actor: Actor,
    name: str,
    type: str = ClientType.BUSINESS,
    email: str = "",
    phone: str = "",
    billing_address: Mapping[str, Any] | None = None,
    external_reference: str = "",
    notes: str = "",
    archived: bool = False,
) -> Client:
    """Create a client; its name is unique in the team, ignoring case (a duplicate is a 409)."""
    client = Client(
        team=team,
        name=name.strip(),
        type=type,
        email=email,
        phone=phone,
        external_reference=external_reference,
        notes=notes,
        archived=archived,
    )
    _apply_address(client, BILLING_ADDRESS_FIELDS, billing_address or {}, "billingAddress")
    save_unique_name(client, "client")
    return client


def update_client(*, client: Client, actor: Actor, changes: Mapping[str, Any]) -> Client:
    """Change the given fields of a client (`billingAddress` keys merge into the stored address)."""
    with transaction.atomic():
        locked = Client.objects.select_for_update().get(pk=client.pk)
        for field, value in changes.items():
            if field == "billing_address":
                _apply_address(locked, BILLING_ADDRESS_FIELDS, value, "billingAddress")
            else:
                setattr(locked, field, value.strip() if field == "name" else value)
        save_unique_name(locked, "client")
    return locked


# Sites -----------------------------------------------------------------------------------------
def create_site(
    *,
    team: Team,
    actor: Actor,
    client: Client,
    name: str,
    address: Mapping[str, Any] | None = None,
    latitude: float | None = None,
    longitude: float | None = None,
    access_notes: str = "",
    contact_name: str = "",
    contact_email: str = "",
    contact_phone: str = "",
) -> Site:
    """Create a site of one of the team's (unarchived) clients."""
    check_team(team, client, "clientId")
    check_client_open(client)
    site = Site(
        team=team,
        client=client,
        name=name.strip(),
        latitude=_coordinate(latitude),
        longitude=_coordinate(longitude),
        access_notes=access_notes,
        contact_name=contact_name,
        contact_email=contact_email,
        contact_phone=contact_phone,
    )
    _apply_address(site, SITE_ADDRESS_FIELDS, address or {}, "address")
    _check_coordinates(site)
    site.save()
    return site


def update_site(*, site: Site, actor: Actor, changes: Mapping[str, Any]) -> Site:
    """Change the given fields of a site (`address` keys merge into the stored address). The client is fixed."""
    with transaction.atomic():
        locked = Site.objects.select_for_update().get(pk=site.pk)
        for field, value in changes.items():
            if field == "address":
                _apply_address(locked, SITE_ADDRESS_FIELDS, value, "address")
            elif field in ("latitude", "longitude"):
                setattr(locked, field, _coordinate(value))
            else:
                setattr(locked, field, value.strip() if field == "name" else value)
        _check_coordinates(locked)
        locked.save()
    return locked
