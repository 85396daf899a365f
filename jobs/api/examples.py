"""Request examples for the jobs endpoints (see `core.api.examples`): starter job types by key."""

from __future__ import annotations

from core.api.examples import PLACEHOLDER_ID, ids_from, request_example

CREATE_JOB_TYPE = request_example(
    "A job type with a payload schema",
    {
        "key": "gas-safety-check",
        "name": "Landlord gas safety check",
        "description": "Annual CP12 check of every gas appliance in a rented home.",
        "payloadSchema": {
            "type": "object",
            "required": ["appliances"],
            "properties": {
                "appliances": {"type": "integer", "minimum": 1, "maximum": 20},
                "tenantPhone": {"type": "string", "maxLength": 50},
            },
        },
        "resultSchema": {
            "type": "object",
            "required": ["certificateNumber"],
            "properties": {
                "certificateNumber": {"type": "string", "maxLength": 40},
                "appliancesPassed": {"type": "integer", "minimum": 0},
            },
        },
        "active": True,
    },
    "Keys are unique in the team; a new team's starter catalogue already has boiler-service, "
    "heat-pump-check, heat-pump-install, solar-inspection and eicr (`GET /v1/job-types`).",
)

UPDATE_JOB_TYPE = request_example(
    "Require a reading on completion",
    {
        "resultSchema": {
            "type": "object",
            "required": ["pressureBar"],
            "properties": {"pressureBar": {"type": "number", "minimum": 0, "maximum": 5}},
        }
    },
    "Only the fields sent change; the key is fixed.",
)

CREATE_JOB = request_example(
    "A boiler service by job type key",
    {
        "jobType": "boiler-service",
        "scheduledDate": "2026-12-01",
        "payload": {"fuel": "natural-gas", "applianceLocation": "Kitchen cupboard", "accessNotes": "Key safe 4821"},
        "notes": "Customer works from home on Tuesdays.",
    },
    "Works as is with the starter catalogue. Add `siteId`, `assetId`, `projectId` or `clientId` "
    "(ids from `GET /v1/sites`, `/v1/assets`, `/v1/projects`, `/v1/clients`) to attach the job to them.",
)

ASSIGN_JOB = request_example(
    "Assign an engineer",
    {"engineerId": PLACEHOLDER_ID},
    ids_from(engineerId="a `userId` in the `members` of `GET /v1/team`"),
)

START_JOB = request_example("Start (no fields)", {})

COMPLETE_JOB = request_example(
    "Complete with readings",
    {
        "resultType": "SUCCESS",
        "result": {"flueGasCo2": 9.1, "coPpm": 12, "safe": True},
        "notes": "Serviced; replaced the condensate trap.",
    },
)

CANCEL_JOB = request_example("Cancel with a reason", {"reason": "Customer rebooked for January."})

RESCHEDULE_JOB = request_example(
    "Move to a morning window",
    {"scheduledStart": "2026-12-03T08:00:00Z", "scheduledEnd": "2026-12-03T10:00:00Z"},
    "A window without a date moves the day to the window's start (in the team's time zone).",
)
