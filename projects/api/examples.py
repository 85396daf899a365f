"""Request examples for clients, sites, projects and project templates (see `core.api.examples`)."""

from __future__ import annotations

from core.api.examples import PLACEHOLDER_ID, ids_from, request_example

ADDRESS = {"line1": "12 Station Road", "city": "Bristol", "postcode": "BS1 4DJ", "country": "GB"}

CREATE_CLIENT = request_example(
    "A housing association",
    {
        "name": "Northwind Housing",
        "type": "BUSINESS",
        "email": "maintenance@northwind-housing.example",
        "phone": "+44 117 496 0000",
        "billingAddress": ADDRESS,
        "externalReference": "CRM-10442",
    },
)

UPDATE_CLIENT = request_example(
    "Change the contact details",
    {"email": "repairs@northwind-housing.example", "phone": "+44 117 496 0123"},
    "Only the fields sent change.",
)

CREATE_SITE = request_example(
    "A client's building",
    {
        "clientId": PLACEHOLDER_ID,
        "name": "Station Road flats",
        "address": ADDRESS,
        "latitude": 51.4496,
        "longitude": -2.5811,
        "accessNotes": "Plant room key at reception.",
        "contactName": "Sam Patel",
        "contactEmail": "sam.patel@northwind-housing.example",
        "contactPhone": "+44 117 496 0456",
    },
    ids_from(clientId="`GET /v1/clients`"),
)

UPDATE_SITE = request_example(
    "Change the access notes",
    {"accessNotes": "Plant room key in the key safe, code from the office."},
    "Only the fields sent change.",
)

CREATE_PROJECT_TEMPLATE = request_example(
    "Survey, install, commission",
    {
        "name": "Heat pump retrofit",
        "description": "Survey, install and commission an air source heat pump.",
        "steps": [
            {"jobType": "solar-inspection", "title": "Survey roof and plant room", "offsetDays": 0},
            {"jobType": "heat-pump-install", "title": "Install heat pump", "offsetDays": 14},
            {"jobType": "heat-pump-check", "title": "Commission and hand over", "offsetDays": 16},
        ],
    },
    "Steps name starter job types by key.",
)

CREATE_PROJECT = request_example(
    "A retrofit project",
    {
        "name": "Station Road heat pump retrofit",
        "clientId": PLACEHOLDER_ID,
        "description": "Replace the gas boilers of blocks A and B.",
        "status": "PLANNED",
        "startDate": "2027-01-11",
        "targetDate": "2027-03-31",
        "budget": "48500.00",
        "currency": "GBP",
    },
    ids_from(clientId="`GET /v1/clients`")
    + " Add `siteId` (`GET /v1/sites`) and `templateId` (`GET /v1/project-templates`) to create its jobs.",
)

UPDATE_PROJECT = request_example(
    "Start the project",
    {"status": "ACTIVE", "targetDate": "2027-04-15"},
    "Only the fields sent change.",
)

CREATE_REVISION = request_example(
    "Snapshot before a change of scope",
    {"projectId": PLACEHOLDER_ID, "message": "Before adding block C"},
    ids_from(projectId="`GET /v1/projects`"),
)

ADD_JOB = request_example(
    "Attach a job to a project",
    {"projectId": PLACEHOLDER_ID, "jobId": PLACEHOLDER_ID},
    ids_from(projectId="`GET /v1/projects`", jobId="`GET /v1/jobs`"),
)
