"""Factories for the assets app (the shared `AssetFactory` lives in tests/factories.py)."""

from __future__ import annotations

from typing import Any, cast

import factory

from assets.models import Asset, AssetType
from tests.factories import SiteFactory

HEAT_PUMP_SCHEMA = {
    "type": "object",
    "required": ["refrigerant"],
    "properties": {
        "refrigerant": {"type": "string", "enum": ["R32", "R290"]},
        "rated_output_kw": {"type": "number", "minimum": 0},
    },
}


class AssetTypeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = AssetType
        django_get_or_create = ("team", "key")

    team = factory.SubFactory("tests.factories.TeamFactory")
    key = factory.Sequence(lambda n: f"asset-type-{n}")
    name = factory.Sequence(lambda n: f"Asset type {n}")


class TypedAssetFactory(factory.django.DjangoModelFactory):
    """An asset whose type is a real `AssetType` of its team (key `boiler` unless told)."""

    class Meta:
        model = Asset

    team = factory.SubFactory("tests.factories.TeamFactory")
    site = factory.SubFactory(SiteFactory, team=factory.SelfAttribute("..team"))
    name = factory.Sequence(lambda n: f"Boiler {n}")
    asset_type = "boiler"
    manufacturer = "Worcester Bosch"
    model = "Greenstar 8000"
    serial_number = factory.Sequence(lambda n: f"SN-{n:06d}")

    @classmethod
    def _create(cls, model_class: Any, *args: Any, **kwargs: Any) -> Any:
        AssetTypeFactory(team=kwargs["team"], key=kwargs["asset_type"], name=kwargs["asset_type"].title())
        return super()._create(model_class, *args, **kwargs)


def make_asset(**fields: Any) -> Asset:
    """A `TypedAssetFactory` asset, typed as the model it is."""
    return cast(Asset, TypedAssetFactory(**fields))
