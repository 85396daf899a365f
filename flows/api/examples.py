"""Request examples for flow templates and flows (see `core.api.examples`)."""

from __future__ import annotations

from core.api.examples import request_example

CREATE_TEMPLATE = request_example(
    "A service report",
    {
        "name": "Service report",
        "kind": "REPORT",
        "subject": "Your {{ job.type|lower }} report",
        "body": '<p>Our engineer attended {{ site.name|default:"your site" }} on {{ job.completed_at }}.</p>'
        "<p>Outcome: <strong>{{ job.result_label }}</strong>.</p>",
        "recipientRule": "CLIENT",
        "resultTypes": ["SUCCESS", "PARTIAL"],
        "active": True,
    },
    "The path's job type is one of `GET /v1/job-types` (e.g. boiler-service).",
)

UPDATE_TEMPLATE = request_example(
    "Send copies to the office too",
    {"recipientRule": "FIXED", "fixedRecipients": ["office@example.com"]},
    "Only the fields sent change.",
)

REGENERATE = request_example("Render again and send", {"send": True})

RESEND = request_example("Send again (no fields)", {})
