"""Request examples for the assets endpoints (see `core.api.examples`): starter asset types by key."""

from __future__ import annotations

from core.api.examples import PLACEHOLDER_ID, ids_from, request_example

CREATE_ASSET_TYPE = request_example(
    "An asset type with an attributes schema",
    {
        "key": "battery",
        "name": "Home battery",
        "description": "Battery storage beside a PV system.",
        "attributesSchema": {
            "type": "object",
            "required": ["capacityKwh"],
            "properties": {
                "capacityKwh": {"type": "number", "minimum": 0, "maximum": 200},
                "chemistry": {"type": "string", "enum": ["LFP", "NMC"]},
            },
        },
    },
    "Keys are unique in the team; a new team's starter catalogue already has boiler, heat-pump, "
    "pv-array, solar-inverter, consumer-unit and ev-charger (`GET /v1/asset-types`).",
)

UPDATE_ASSET_TYPE = request_example(
    "Rename and relax the schema",
    {
        "name": "Heat pump (air or ground source)",
        "attributesSchema": {
            "type": "object",
            "properties": {
                "refrigerant": {"type": "string", "enum": ["R32", "R290", "R410A"]},
                "source": {"type": "string", "enum": ["air", "ground"]},
            },
        },
    },
    "Only the fields sent change; the key never does.",
)

CREATE_ASSET = request_example(
    "A heat pump at a site",
    {
        "siteId": PLACEHOLDER_ID,
        "name": "Garden heat pump",
        "assetType": "heat-pump",
        "manufacturer": "Vaillant",
        "model": "aroTHERM plus 7kW",
        "serialNumber": "VA-2026-004512",
        "installDate": "2026-03-14",
        "warrantyExpiry": "2033-03-14",
        "locationNote": "Rear garden, left of the patio doors",
        "attributes": {"refrigerant": "R290", "ratedOutputKw": 7},
    },
    ids_from(siteId="`GET /v1/sites`")
    + " `assetType` is a key of `GET /v1/asset-types` (heat-pump is in the starter catalogue).",
)

UPDATE_ASSET = request_example(
    "Record a move and a new status",
    {"status": "INACTIVE", "locationNote": "Moved to the garage, north wall"},
    "Only the fields sent change; `attributes` is replaced as a whole when sent.",
)

ARCHIVE_ASSET = request_example("Archive (no fields)", {})

RESTORE_ASSET = request_example(
    "Restore an earlier state",
    {"historyId": PLACEHOLDER_ID},
    ids_from(historyId="`GET /v1/assets/{id}/history` (an entry's `id`)"),
)
