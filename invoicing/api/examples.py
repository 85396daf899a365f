"""Request examples for invoices, rates, contracts, the profile and the template (see `core.api.examples`)."""

from __future__ import annotations

from core.api.examples import PLACEHOLDER_ID, ids_from, request_example

INVOICE_ID = ids_from(invoiceId="`GET /v1/invoices`")

UPSERT_PROFILE = request_example(
    "The team's invoicing details",
    {
        "legalName": "Shocking Energy Services Ltd",
        "address": "Unit 4, Harbour Works\nBristol BS1 6XN",
        "taxId": "GB123456789",
        "bankDetails": "Sort code 20-00-00, account 12345678",
        "defaultCurrency": "GBP",
        "defaultTaxRate": "20.000",
        "paymentTermsDays": 30,
        "numberPrefix": "INV-",
        "numberIncludeYear": True,
        "numberPadding": 5,
    },
    "Only the fields sent change.",
)

UPSERT_TEMPLATE = request_example(
    "Brand colours and terms",
    {
        "logoText": "Shocking Energy",
        "primaryColor": "#0B5FFF",
        "accentColor": "#FFB400",
        "terms": "Payment within 30 days of the invoice date.",
    },
    "Only the fields sent change.",
)

CREATE_RATE = request_example(
    "A price per boiler service",
    {"jobTypeId": PLACEHOLDER_ID, "unitPrice": "95.00", "unit": "JOB", "taxRate": "20.000", "currency": "GBP"},
    ids_from(jobTypeId="`GET /v1/job-types` (e.g. boiler-service's)"),
)

CREATE_CONTRACT = request_example(
    "A client's contract prices",
    {
        "clientId": PLACEHOLDER_ID,
        "reference": "NWH-2027-01",
        "validFrom": "2027-01-01",
        "validTo": "2027-12-31",
        "currency": "GBP",
        "rates": [{"jobTypeId": PLACEHOLDER_ID, "unitPrice": "85.00", "unit": "JOB"}],
    },
    ids_from(clientId="`GET /v1/clients`", jobTypeId="`GET /v1/job-types`"),
)

DRAFT = request_example(
    "Bill completed jobs",
    {
        "clientId": PLACEHOLDER_ID,
        "jobIds": [PLACEHOLDER_ID],
        "lines": [{"description": "Condensate trap", "quantity": "1", "unitPrice": "18.50", "unit": "ITEM"}],
        "notes": "Thank you for your business.",
    },
    ids_from(clientId="`GET /v1/clients`", jobIds="`GET /v1/jobs?status=COMPLETED`")
    + " Send `invoiceId` instead of `clientId` to change an existing draft.",
)

FINALIZE = request_example("Finalize a draft", {"invoiceId": PLACEHOLDER_ID}, INVOICE_ID)

APPROVE = request_example("Approve a finalized invoice", {"invoiceId": PLACEHOLDER_ID}, INVOICE_ID)

VOID = request_example(
    "Void with a reason", {"invoiceId": PLACEHOLDER_ID, "reason": "Billed to the wrong client."}, INVOICE_ID
)

MARK_PAID = request_example("Record the payment", {"invoiceId": PLACEHOLDER_ID, "paidAt": "2027-02-10"}, INVOICE_ID)

SEND = request_example(
    "Email the invoice to the client",
    {"invoiceId": PLACEHOLDER_ID},
    INVOICE_ID + ' Add `"resend": true` to email an invoice that was sent already.',
)
