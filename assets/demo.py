"""Demo asset types and the assets installed at the demo sites, created through the services (with history)."""

from __future__ import annotations

import datetime as dt

from accounts.models import Actor
from assets import services
from assets.models import Asset, AssetType
from core.demo import DemoContext

HEAT_PUMP_SCHEMA = {
    "type": "object",
    "properties": {
        "refrigerant": {"type": "string", "enum": ["R32", "R290", "R410A"]},
        "ratedOutputKw": {"type": "number", "minimum": 0},
    },
}
ASSET_TYPES = [
    ("boiler", "Gas boiler", None),
    ("heat-pump", "Air source heat pump", HEAT_PUMP_SCHEMA),
    ("solar-inverter", "Solar PV inverter", None),
    ("battery", "Home battery", None),
    ("ev-charger", "EV charger", None),
    ("meter", "Energy meter", None),
]
KINDS = [
    ("boiler", "Boiler", "Worcester Bosch", "Greenstar 8000", {}),
    ("heat-pump", "Heat pump", "Vaillant", "aroTHERM plus", {"refrigerant": "R290", "ratedOutputKw": 7}),
    ("solar-inverter", "Solar inverter", "SolarEdge", "SE5000H", {}),
    ("ev-charger", "EV charger", "Zappi", "v2.1", {}),
]


def seed(context: DemoContext) -> None:
    for key, name, schema in ASSET_TYPES:
        AssetType.objects.get_or_create(
            team=context.team, key=key, defaults={"name": name, "attributes_schema": schema}
        )
    system = Actor()
    assets = []
    today = dt.date.today()
    for index, site in enumerate(context.records.get("sites", [])):
        type_key, kind, manufacturer, model, attributes = KINDS[index % len(KINDS)]
        name = f"{kind} {index + 1}"
        asset = Asset.objects.filter(team=context.team, site=site, name=name).first()
        if asset is None:
            installed = today - dt.timedelta(days=context.rng.randint(30, 3000))
            asset = services.create_asset(
                team=context.team,
                actor=system,
                site=site,
                name=name,
                asset_type=type_key,
                manufacturer=manufacturer,
                model=model,
                serial_number=f"SN-{context.team.slug.upper()}-{index + 1:05d}",
                install_date=installed,
                warranty_expiry=installed + dt.timedelta(days=365 * 5),
                attributes=attributes,
            )
        assets.append(asset)
    context.records["assets"] = assets
