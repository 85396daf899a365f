"""The starter catalogue of asset types a new team gets (`createteam --starter`, and the demo).

The equipment an energy engineering team services most, each with an attributes schema for the
details worth recording. Teams change them, or add their own, through `/v1/asset-types` or the admin.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from accounts.models import Actor, Team
from assets import selectors, services
from assets.models import AssetType


@dataclass(frozen=True)
class StarterAssetType:
    key: str
    name: str
    description: str
    attributes_schema: dict[str, Any]


def _object(required: tuple[str, ...] = (), **properties: dict[str, Any]) -> dict[str, Any]:
    schema: dict[str, Any] = {"type": "object", "properties": properties}
    if required:
        schema["required"] = list(required)
    return schema


OUTPUT_KW = {"type": "number", "minimum": 0, "maximum": 1000}

STARTER_ASSET_TYPES: tuple[StarterAssetType, ...] = (
    StarterAssetType(
        "boiler",
        "Boiler",
        "Gas, LPG or oil boiler.",
        _object(
            fuel={"type": "string", "enum": ["natural-gas", "lpg", "oil"]},
            boilerType={"type": "string", "enum": ["combi", "system", "regular"]},
            outputKw=OUTPUT_KW,
        ),
    ),
    StarterAssetType(
        "heat-pump",
        "Air source heat pump",
        "Air-to-water heat pump; the refrigerant is recorded for F-gas checks.",
        _object(
            ("refrigerant",),
            refrigerant={"type": "string", "enum": ["R32", "R290", "R410A"]},
            ratedOutputKw=OUTPUT_KW,
        ),
    ),
    StarterAssetType(
        "pv-array",
        "Solar PV array",
        "Roof- or ground-mounted photovoltaic panels.",
        _object(
            panelCount={"type": "integer", "minimum": 1, "maximum": 1000},
            systemSizeKwp={"type": "number", "minimum": 0, "maximum": 1000},
            orientation={"type": "string", "enum": ["N", "NE", "E", "SE", "S", "SW", "W", "NW", "flat"]},
        ),
    ),
    StarterAssetType(
        "solar-inverter",
        "Solar PV inverter",
        "String, hybrid or micro inverter of a PV system.",
        _object(
            inverterType={"type": "string", "enum": ["string", "hybrid", "micro"]},
            ratedOutputKw=OUTPUT_KW,
        ),
    ),
    StarterAssetType(
        "consumer-unit",
        "Consumer unit",
        "The fuse board: where the electrical installation's circuits start.",
        _object(
            ways={"type": "integer", "minimum": 1, "maximum": 100},
            rcdProtected={"type": "boolean"},
            surgeProtection={"type": "boolean"},
        ),
    ),
    StarterAssetType(
        "ev-charger",
        "EV charger",
        "A home or workplace electric vehicle charge point.",
        _object(
            ratedPowerKw=OUTPUT_KW,
            tethered={"type": "boolean"},
        ),
    ),
)


def seed(*, team: Team, actor: Actor) -> list[AssetType]:
    """Give `team` every starter asset type it does not have yet (by key), through `create_asset_type`.

    Idempotent: a type the team already has, changed or not, is left as it is.
    """
    existing = {asset_type.key: asset_type for asset_type in selectors.asset_types_for(team=team)}
    for starter in STARTER_ASSET_TYPES:
        if starter.key not in existing:
            existing[starter.key] = services.create_asset_type(
                team=team,
                actor=actor,
                key=starter.key,
                name=starter.name,
                description=starter.description,
                attributes_schema=starter.attributes_schema,
            )
    return [existing[starter.key] for starter in STARTER_ASSET_TYPES]
