"""Request examples for maintenance plans (see `core.api.examples`)."""

from __future__ import annotations

from core.api.examples import PLACEHOLDER_ID, ids_from, request_example

CREATE_PLAN = request_example(
    "A yearly boiler service",
    {
        "name": "Annual boiler service, Station Road",
        "clientId": PLACEHOLDER_ID,
        "siteId": PLACEHOLDER_ID,
        "jobTypeId": PLACEHOLDER_ID,
        "defaultPayload": {"fuel": "natural-gas"},
        "rrule": "FREQ=YEARLY",
        "startDate": "2027-01-15",
        "leadTimeDays": 21,
        "reminderDays": 7,
        "price": "95.00",
    },
    ids_from(clientId="`GET /v1/clients`", siteId="`GET /v1/sites`", jobTypeId="`GET /v1/job-types`")
    + " The payload suits the starter boiler-service type.",
)

UPDATE_PLAN = request_example(
    "Every six months from now on",
    {"rrule": "FREQ=MONTHLY;INTERVAL=6", "notes": "Heavy use: twice a year."},
    "Only the fields sent change.",
)

NO_FIELDS = request_example("No fields", {})

SKIP = request_example(
    "Skip one visit",
    {"date": "2027-01-15", "reason": "Site closed for refurbishment."},
    "`date` is a visit's `dueOn`, from `GET /v1/maintenance-plans/{id}/occurrences`.",
)
