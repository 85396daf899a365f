"""Request examples for webhook endpoints and deliveries (see `core.api.examples`)."""

from __future__ import annotations

from core.api.examples import request_example

CREATE_ENDPOINT = request_example(
    "Job and asset events to a CRM",
    {
        "url": "https://crm.example.com/hooks/shocking-energy",
        "description": "CRM sync",
        "enabledEvents": ["job.created", "job.completed", "asset.created", "asset.updated"],
        "active": True,
    },
    "The signing secret is in the answer, once.",
)

UPDATE_ENDPOINT = request_example(
    "Pause an endpoint",
    {"active": False, "description": "CRM sync (paused during migration)"},
    "Only the fields sent change.",
)

NO_FIELDS = request_example("No fields", {})
