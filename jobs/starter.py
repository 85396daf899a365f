"""The starter catalogue of job types a new team gets (`createteam --starter`, and the demo).

Enough for an integrator to create jobs from day one: the common kinds of work of an energy
engineering team, each with a payload schema for what the dispatcher knows when booking it.
Teams change them, or add their own, through `/v1/job-types` or the admin.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from accounts.models import Actor, Team
from core.catalogue import object_schema, seed_by_key
from jobs import selectors, services
from jobs.models import JobType


@dataclass(frozen=True)
class StarterJobType:
    key: str
    name: str
    description: str
    payload_schema: dict[str, Any]


ACCESS_NOTES = {"type": "string", "maxLength": 500, "description": "How to get to the equipment."}

STARTER_JOB_TYPES: tuple[StarterJobType, ...] = (
    StarterJobType(
        "boiler-service",
        "Annual boiler service",
        "Yearly service and safety check of a gas, LPG or oil boiler.",
        object_schema(
            fuel={"type": "string", "enum": ["natural-gas", "lpg", "oil"]},
            applianceLocation={"type": "string", "maxLength": 200},
            lastServiceDate={"type": "string", "format": "date"},
            accessNotes=ACCESS_NOTES,
        ),
    ),
    StarterJobType(
        "heat-pump-check",
        "Heat pump health check",
        "Annual check of a heat pump: refrigerant circuit, flow temperatures, controls.",
        object_schema(
            refrigerant={"type": "string", "enum": ["R32", "R290", "R410A"]},
            ratedOutputKw={"type": "number", "minimum": 0, "maximum": 100},
            accessNotes=ACCESS_NOTES,
        ),
    ),
    StarterJobType(
        "heat-pump-install",
        "Heat pump installation",
        "Install and commission a heat pump.",
        object_schema(
            ratedOutputKw={"type": "number", "minimum": 0, "maximum": 100},
            cylinderLitres={"type": "integer", "minimum": 0, "maximum": 1000},
            mcsCertificateRequired={"type": "boolean"},
        ),
    ),
    StarterJobType(
        "solar-inspection",
        "Solar PV inspection",
        "Inspect a PV array, its inverter and its isolators.",
        object_schema(
            panelCount={"type": "integer", "minimum": 1, "maximum": 1000},
            systemSizeKwp={"type": "number", "minimum": 0, "maximum": 1000},
            roofAccess={"type": "string", "enum": ["ladder", "scaffold", "ground-mounted"]},
        ),
    ),
    StarterJobType(
        "eicr",
        "Electrical installation condition report",
        "Periodic inspection and testing of an electrical installation (EICR).",
        object_schema(
            propertyType={"type": "string", "enum": ["domestic", "commercial"]},
            circuits={"type": "integer", "minimum": 1, "maximum": 200},
            accessNotes=ACCESS_NOTES,
        ),
    ),
)


def seed(*, team: Team, actor: Actor) -> list[JobType]:
    """Give `team` every starter job type it does not have yet (by key), through `create_job_type`.

    Idempotent: a type the team already has, changed or not, is left as it is.
    """
    return seed_by_key(
        existing=selectors.job_types_for(team=team),
        catalogue=STARTER_JOB_TYPES,
        create=lambda starter: services.create_job_type(
            team=team,
            actor=actor,
            key=starter.key,
            name=starter.name,
            description=starter.description,
            payload_schema=starter.payload_schema,
        ),
    )
