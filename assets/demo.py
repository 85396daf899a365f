"""Demo asset types (the starter catalogue) and the assets at the demo sites, created through the services."""

from __future__ import annotations

import datetime as dt
from typing import Any

from accounts.models import Actor
from assets import services, starter
from assets.models import Asset
from core.demo import DemoContext

# (type key, name, manufacturer, model, attributes) of the asset at each demo site, in turn.
KINDS: list[tuple[str, str, str, str, dict[str, Any]]] = [
    ("boiler", "Boiler", "Worcester Bosch", "Greenstar 8000", {"fuel": "natural-gas", "boilerType": "combi"}),
    ("heat-pump", "Heat pump", "Vaillant", "aroTHERM plus", {"refrigerant": "R290", "ratedOutputKw": 7}),
    ("solar-inverter", "Solar inverter", "SolarEdge", "SE5000H", {"inverterType": "string", "ratedOutputKw": 5}),
    ("ev-charger", "EV charger", "Zappi", "v2.1", {"ratedPowerKw": 7.4, "tethered": False}),
]


def seed(context: DemoContext) -> None:
    system = Actor()
    starter.seed(team=context.team, actor=system)
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
