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
from core.catalogue import object_schema, seed_by_key


@dataclass(frozen=True)
class StarterAssetType:
    key: str
    name: str
    description: str
    attributes_schema: dict[str, Any]


OUTPUT_KW = {"type": "number", "minimum": 0, "maximum": 1000}

STARTER_ASSET_TYPES: tuple[StarterAssetType, ...] = (
    StarterAssetType(
        "boiler",
        "Boiler",
        "Gas, LPG or oil boiler.",
        object_schema(
            fuel={"type": "string", "enum": ["natural-gas", "lpg", "oil"]},
            boilerType={"type": "string", "enum": ["combi", "system", "regular"]},
            outputKw=OUTPUT_KW,
        ),
    ),
    StarterAssetType(
        "heat-pump",
        "Air source heat pump",
        "Air-to-water heat pump; the refrigerant is recorded for F-gas checks.",
        object_schema(
            ("refrigerant",),
            refrigerant={"type": "string", "enum": ["R32", "R290", "R410A"]},
            ratedOutputKw=OUTPUT_KW,
        ),
    ),
    StarterAssetType(
        "pv-array",
        "Solar PV array",
        "Roof- or ground-mounted photovoltaic panels.",
        object_schema(
            panelCount={"type": "integer", "minimum": 1, "maximum": 1000},
            systemSizeKwp={"type": "number", "minimum": 0, "maximum": 1000},
            orientation={"type": "string", "enum": ["N", "NE", "E", "SE", "S", "SW", "W", "NW", "flat"]},
        ),
    ),
    StarterAssetType(
        "solar-inverter",
        "Solar PV inverter",
        "String, hybrid or micro inverter of a PV system.",
        object_schema(
            inverterType={"type": "string", "enum": ["string", "hybrid", "micro"]},
            ratedOutputKw=OUTPUT_KW,
        ),
    ),
    StarterAssetType(
        "consumer-unit",
        "Consumer unit",
        "The fuse board: where the electrical installation's circuits start.",
        object_schema(
            ways={"type": "integer", "minimum": 1, "maximum": 100},
            rcdProtected={"type": "boolean"},
            surgeProtection={"type": "boolean"},
        ),
    ),
    StarterAssetType(
        "ev-charger",
        "EV charger",
        "A home or workplace electric vehicle charge point.",
        object_schema(
            ratedPowerKw=OUTPUT_KW,
            tethered={"type": "boolean"},
        ),
    ),
)


def seed(*, team: Team, actor: Actor) -> list[AssetType]:
    """Give `team` every starter asset type it does not have yet (by key), through `create_asset_type`.

    Idempotent: a type the team already has, changed or not, is left as it is.
    """
    return seed_by_key(
        existing=selectors.asset_types_for(team=team),
        catalogue=STARTER_ASSET_TYPES,
        create=lambda starter: services.create_asset_type(
            team=team,
            actor=actor,
            key=starter.key,
            name=starter.name,
            description=starter.description,
            attributes_schema=starter.attributes_schema,
        ),
    )
