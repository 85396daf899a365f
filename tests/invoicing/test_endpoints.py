"""Every invoicing endpoint through the shared contract base."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from invoicing import services
from invoicing.models import Contract, Invoice, InvoiceStatus, InvoiceTemplate, InvoicingProfile, Rate
from jobs.models import Job
from tests.conftest import ApiResponse, TeamWorld, World
from tests.contract import BadInput, EndpointContract
from tests.factories import ClientFactory, JobTypeFactory
from tests.invoicing.factories import (
    ContractFactory,
    ContractRateFactory,
    RateFactory,
    completed_job,
    draft_with_line,
)

NO_SUCH_ID = "00000000-0000-4000-8000-000000000000"
LINE = {"description": "x", "quantity": "1", "unitPrice": "1"}


def billable_job(team_world: TeamWorld) -> Job:
    """A completed job of a fresh client, with a team rate of 100.00 + 20% for its type."""
    client = ClientFactory(team=team_world.team)
    rate = RateFactory(team=team_world.team)
    return completed_job(team_world.team, client, rate.job_type)


def finalized(team_world: TeamWorld) -> Invoice:
    invoice = draft_with_line(team_world.team)
    return services.finalize_invoice(team=team_world.team, actor=_system(), invoice=invoice)


def _system() -> Any:
    from accounts.models import Actor

    return Actor()


# Invoices --------------------------------------------------------------------------------------


class TestListInvoices(EndpointContract):
    path, scope, is_list = "/v1/invoices", "invoices.read", True
    bad_inputs = [
        BadInput(path="status", query={"status": "PAID"}),
        BadInput(path="clientId", query={"clientId": "not-a-uuid"}),
        BadInput(path="dateFrom", query={"dateFrom": "yesterday"}),
    ]

    def make_rows(self, team_world: TeamWorld, count: int) -> None:
        client = ClientFactory(team=team_world.team)
        for _ in range(count):
            draft_with_line(team_world.team, client)

    def check_happy(self, world: World, obj: Any, response: ApiResponse) -> None:
        assert response.data == []
        mine = draft_with_line(world.a.team)
        draft_with_line(world.b.team)
        again = world.api.get(self.path)
        assert [row["id"] for row in again.data] == [str(mine.pk)]
        row = again.data[0]
        assert row["total"] == "120.00" and row["subtotal"] == "100.00" and row["taxTotal"] == "20.00"
        assert row["client"]["name"] == mine.client.name
        assert "lines" not in row


class TestGetInvoice(EndpointContract):
    path, scope = "/v1/invoices/{id}", "invoices.read"
    bad_inputs = [BadInput(path="")]

    def make_object(self, team_world: TeamWorld) -> Invoice:
        return draft_with_line(team_world.team)

    def check_happy(self, world: World, obj: Any, response: ApiResponse) -> None:
        assert response.data["id"] == str(obj.pk)
        assert response.data["status"] == "DRAFT" and response.data["number"] is None
        [line] = response.data["lines"]
        assert line["netAmount"] == "100.00" and line["taxRate"] == "20.000" and line["lineTotal"] == "120.00"

    def test_bad_input_is_400(self, world: World) -> None:
        """A malformed id is a 404, never a 500; GET by id takes no other input."""
        assert world.api.get("/v1/invoices/not-a-uuid").status_code == 404


class TestInvoiceDefaults(EndpointContract):
    path, scope = "/v1/invoices/defaults", "invoices.read"
    bad_inputs = [
        BadInput(path="clientId", query={"clientId": "not-a-uuid"}),
        BadInput(path="clientId", query={"clientId": NO_SUCH_ID}),
        BadInput(path="clientId", query={"clientId": ""}),
    ]

    def check_happy(self, world: World, obj: Any, response: ApiResponse) -> None:
        data = response.data
        assert data["currency"] == world.a.team.currency
        assert data["paymentTermsDays"] == 30 and data["taxRate"] == "0.000"
        assert data["nextNumberPreview"].endswith("-000001") and data["contractId"] is None

    def test_client_of_another_team_is_refused(self, world: World) -> None:
        theirs = ClientFactory(team=world.b.team)
        response = world.api.get(self.path, query={"clientId": str(theirs.pk)})
        assert response.status_code == 400 and response.issue_paths == ["clientId"]


class TestDraftInvoice(EndpointContract):
    method, path, scope, happy_status = "post", "/v1/invoices/draft", "invoices.write", 201
    bad_inputs = [
        BadInput(path="clientId", body={}),
        BadInput(path="clientId", body={"clientId": "not-a-uuid"}),
        BadInput(path="clientId", body={"clientId": NO_SUCH_ID}),
        BadInput(path="jobIds.0", body={"clientId": NO_SUCH_ID, "jobIds": ["nope"]}),
        BadInput(path="lines.0.quantity", body={"lines": [{**LINE, "quantity": "0"}]}),
        BadInput(path="lines.0.quantity", body={"lines": [{**LINE, "quantity": "0.0001"}]}),
        BadInput(path="lines.0.unitPrice", body={"lines": [{**LINE, "unitPrice": 1.005}]}),
        BadInput(path="lines.0.unitPrice", body={"lines": [{**LINE, "unitPrice": "1.005"}]}),
        BadInput(path="lines.0.unitPrice", body={"lines": [{**LINE, "unitPrice": "-1"}]}),
        BadInput(path="lines.0.taxRate", body={"lines": [{**LINE, "taxRate": "101"}]}),
        BadInput(path="lines.0.unit", body={"lines": [{**LINE, "unit": "DAY"}]}),
        BadInput(path="lines.0.colour", body={"lines": [{**LINE, "colour": "red"}]}),
        BadInput(path="jobIds.1", body={"jobIds": [NO_SUCH_ID, 5]}),
        BadInput(path="notes", body={"notes": 7}),
        BadInput(path="issueDate", body={"issueDate": "31/12/2026"}),
        BadInput(path="total", body={"total": "1.00"}),
    ]

    def make_object(self, team_world: TeamWorld) -> Job:
        return billable_job(team_world)

    def body(self, world: World, obj: Any) -> dict[str, Any]:
        return {
            "clientId": str(obj.client_id),
            "jobIds": [str(obj.pk)],
            "lines": [{"description": "Filter", "quantity": "3", "unitPrice": "12.50", "taxRate": "5"}],
            "notes": "Thank you",
        }

    def check_happy(self, world: World, obj: Any, response: ApiResponse) -> None:
        data = response.data
        assert data["status"] == "DRAFT" and data["currency"] == "EUR" and data["notes"] == "Thank you"
        assert [line["jobId"] for line in data["lines"]] == [str(obj.pk), None]
        assert data["lines"][0]["unitPrice"] == "100.00" and data["lines"][0]["unit"] == "JOB"
        assert data["lines"][1]["netAmount"] == "37.50" and data["lines"][1]["taxAmount"] == "1.88"
        assert (data["subtotal"], data["taxTotal"], data["total"]) == ("137.50", "21.88", "159.38")
        assert data["createdBy"]["type"] == "apiKey"

    def test_updating_a_draft_of_another_team_is_404(self, world: World) -> None:
        theirs = draft_with_line(world.b.team)
        response = world.api.post(self.path, {"invoiceId": str(theirs.pk), "notes": "mine now"})
        assert response.status_code == 404
        theirs.refresh_from_db()
        assert theirs.notes == ""

    def test_client_of_another_team_is_refused(self, world: World) -> None:
        theirs = ClientFactory(team=world.b.team)
        response = world.api.post(self.path, {"clientId": str(theirs.pk)})
        assert response.status_code == 400 and response.issue_paths == ["clientId"]
        assert not Invoice.objects.exists()


class InvoiceActionContract(EndpointContract):
    """finalize / approve / void: the invoice id travels in the body; another team's id is a 404."""

    method = "post"
    scope = "invoices.write"
    bad_inputs = [
        BadInput(path="invoiceId", body={}),
        BadInput(path="invoiceId", body={"invoiceId": "not-a-uuid"}),
    ]

    def body(self, world: World, obj: Any) -> dict[str, Any]:
        return {"invoiceId": str(obj.pk) if obj is not None else NO_SUCH_ID}

    def test_other_team_invoice_is_404(self, world: World) -> None:
        theirs = self.make_object(world.b)
        before = self.snapshot(theirs)
        response = world.api.post(self.path, self.body(world, theirs))
        assert response.status_code == 404, response
        assert self.snapshot(theirs) == before

    def test_unknown_invoice_is_404(self, world: World) -> None:
        assert world.api.post(self.path, self.body(world, None)).status_code == 404


class TestFinalizeInvoice(InvoiceActionContract):
    path = "/v1/invoices/finalize"

    def make_object(self, team_world: TeamWorld) -> Invoice:
        return draft_with_line(team_world.team)

    def check_happy(self, world: World, obj: Any, response: ApiResponse) -> None:
        data = response.data
        assert data["status"] == "FINALIZED" and data["number"].endswith("-000001")
        assert data["issueDate"] is not None and data["dueDate"] is not None
        assert data["finalizedBy"]["type"] == "apiKey" and data["issuer"]["legalName"] == world.a.team.name
        assert world.api.post(self.path, self.body(world, obj)).status_code == 409


class TestApproveInvoice(InvoiceActionContract):
    path = "/v1/invoices/approve"

    def make_object(self, team_world: TeamWorld) -> Invoice:
        return finalized(team_world)

    def check_happy(self, world: World, obj: Any, response: ApiResponse) -> None:
        assert response.data["status"] == "APPROVED" and response.data["approvedAt"] is not None
        assert response.data["approvedBy"]["type"] == "apiKey"
        assert world.api.post(self.path, self.body(world, obj)).status_code == 409


class TestVoidInvoice(InvoiceActionContract):
    path = "/v1/invoices/void"
    bad_inputs = [
        *InvoiceActionContract.bad_inputs,
        BadInput(path="reason", body={"invoiceId": NO_SUCH_ID}),
        BadInput(path="reason", body={"invoiceId": NO_SUCH_ID, "reason": ""}),
    ]

    def make_object(self, team_world: TeamWorld) -> Invoice:
        return finalized(team_world)

    def body(self, world: World, obj: Any) -> dict[str, Any]:
        return {**super().body(world, obj), "reason": "Issued to the wrong client"}

    def check_happy(self, world: World, obj: Any, response: ApiResponse) -> None:
        data = response.data
        assert data["status"] == "VOID" and data["voidReason"] == "Issued to the wrong client"
        assert data["number"] == obj.number, "a void invoice keeps its number"


# Profile and template --------------------------------------------------------------------------


class TestGetProfile(EndpointContract):
    path, scope = "/v1/invoicing/profile", "invoices.read"

    def check_happy(self, world: World, obj: Any, response: ApiResponse) -> None:
        data = response.data
        assert data["legalName"] == world.a.team.name and data["updatedAt"] is None
        assert data["nextNumber"] == 1 and data["defaultTaxRate"] == "0.000"
        assert not InvoicingProfile.objects.exists(), "reading does not create"

    def test_bad_input_is_400(self, world: World) -> None:
        """The profile takes no input; query parameters are ignored."""
        assert world.api.get(self.path, query={"x": "1"}).status_code == 200


class TestUpsertProfile(EndpointContract):
    method, path, scope = "post", "/v1/invoicing/profile/upsert", "invoices.write"
    bad_inputs = [
        BadInput(path="defaultCurrency", body={"defaultCurrency": "euro"}),
        BadInput(path="defaultTaxRate", body={"defaultTaxRate": "100.5"}),
        BadInput(path="defaultTaxRate", body={"defaultTaxRate": "7.1234"}),
        BadInput(path="numberPadding", body={"numberPadding": 0}),
        BadInput(path="nextNumber", body={"nextNumber": 0}),
        BadInput(path="numberPrefix", body={"numberPrefix": "SE 2"}),
        BadInput(path="color", body={"color": "red"}),
        BadInput(path="defaultTaxRate", body={"defaultTaxRate": 0}),
        BadInput(path="numberIncludeYear", body={"numberIncludeYear": "yes"}),
        BadInput(path="paymentTermsDays", body={"paymentTermsDays": "30"}),
    ]

    def body(self, world: World, obj: Any) -> dict[str, Any]:
        return {"legalName": "Shocking Energy Ltd", "defaultTaxRate": "20", "numberPrefix": "SE", "nextNumber": 123}

    def check_happy(self, world: World, obj: Any, response: ApiResponse) -> None:
        data = response.data
        assert data["legalName"] == "Shocking Energy Ltd" and data["defaultTaxRate"] == "20.000"
        assert data["nextNumberPreview"].startswith("SE-") and data["nextNumberPreview"].endswith("-000123")
        again = world.api.post(self.path, {"footerText": "Thanks"})
        assert again.data["legalName"] == "Shocking Energy Ltd", "fields not given are kept"
        assert InvoicingProfile.objects.filter(team=world.a.team).count() == 1


class TestGetTemplate(EndpointContract):
    path, scope = "/v1/invoicing/template", "invoices.read"

    def check_happy(self, world: World, obj: Any, response: ApiResponse) -> None:
        assert response.data["primaryColor"] == "#1F2937"

    def test_bad_input_is_400(self, world: World) -> None:
        """The template takes no input; query parameters are ignored."""
        assert world.api.get(self.path, query={"x": "1"}).status_code == 200


class TestUpsertTemplate(EndpointContract):
    method, path, scope = "post", "/v1/invoicing/template/upsert", "invoices.write"
    bad_inputs = [
        BadInput(path="primaryColor", body={"primaryColor": "blue"}),
        BadInput(path="accentColor", body={"accentColor": "#12345"}),
        BadInput(path="logoText", body={"logoText": "x" * 101}),
        BadInput(path="terms", body={"terms": 0}),
    ]

    def body(self, world: World, obj: Any) -> dict[str, Any]:
        return {"logoText": "SHOCKING", "primaryColor": "#112233", "terms": "Pay within 30 days."}

    def check_happy(self, world: World, obj: Any, response: ApiResponse) -> None:
        assert response.data["logoText"] == "SHOCKING" and response.data["accentColor"] == "#F59E0B"
        template = InvoiceTemplate.objects.get(team=world.a.team)
        assert template.primary_color == "#112233" and template.terms == "Pay within 30 days."
        assert world.api.get("/v1/invoicing/template").data["terms"] == "Pay within 30 days."


# Rates and contracts ---------------------------------------------------------------------------


class TestListRates(EndpointContract):
    path, scope, is_list = "/v1/invoicing/rates", "invoices.read", True
    bad_inputs = [BadInput(path="jobTypeId", query={"jobTypeId": "nope"})]

    def make_rows(self, team_world: TeamWorld, count: int) -> None:
        for _ in range(count):
            RateFactory(team=team_world.team)

    def check_happy(self, world: World, obj: Any, response: ApiResponse) -> None:
        mine = RateFactory(team=world.a.team, unit_price=Decimal("99.95"))
        RateFactory(team=world.b.team)
        [row] = world.api.get(self.path).data
        assert row["id"] == str(mine.pk) and row["unitPrice"] == "99.95" and row["jobType"] == mine.job_type.key


class TestCreateRate(EndpointContract):
    method, path, scope, happy_status = "post", "/v1/invoicing/rates", "invoices.write", 201
    bad_inputs = [
        BadInput(path="jobTypeId", body={"unitPrice": "1.00"}),
        BadInput(path="jobTypeId", body={"jobTypeId": NO_SUCH_ID, "unitPrice": "1.00"}),
        BadInput(path="unitPrice", body={"jobTypeId": NO_SUCH_ID, "unitPrice": "1.001"}),
        BadInput(path="unitPrice", body={"jobTypeId": NO_SUCH_ID, "unitPrice": "-5"}),
        BadInput(path="unit", body={"jobTypeId": NO_SUCH_ID, "unitPrice": "1", "unit": "DAY"}),
        BadInput(path="currency", body={"jobTypeId": NO_SUCH_ID, "unitPrice": "1", "currency": "eur"}),
    ]

    def make_object(self, team_world: TeamWorld) -> Any:
        return JobTypeFactory(team=team_world.team)

    def body(self, world: World, obj: Any) -> dict[str, Any]:
        return {"jobTypeId": str(obj.pk), "unitPrice": "65.00", "unit": "HOUR", "validFrom": "2026-01-01"}

    def check_happy(self, world: World, obj: Any, response: ApiResponse) -> None:
        data = response.data
        assert data["unitPrice"] == "65.00" and data["unit"] == "HOUR" and data["validTo"] is None
        assert data["currency"] == world.a.team.currency and data["taxRate"] == "0.000", "profile defaults"
        assert Rate.objects.get(pk=data["id"]).team == world.a.team

    def test_window_must_not_end_before_it_starts(self, world: World) -> None:
        job_type = JobTypeFactory(team=world.a.team)
        body = {"jobTypeId": str(job_type.pk), "unitPrice": "1", "validFrom": "2026-02-01", "validTo": "2026-01-31"}
        response = world.api.post(self.path, body)
        assert response.status_code == 400 and response.issue_paths == ["validTo"]


class TestListContracts(EndpointContract):
    path, scope, is_list = "/v1/invoicing/contracts", "invoices.read", True
    bad_inputs = [BadInput(path="clientId", query={"clientId": "nope"})]

    def make_rows(self, team_world: TeamWorld, count: int) -> None:
        for _ in range(count):
            contract = ContractFactory(team=team_world.team)
            ContractRateFactory(contract=contract)
            ContractRateFactory(contract=contract)

    def check_happy(self, world: World, obj: Any, response: ApiResponse) -> None:
        mine = ContractRateFactory(contract__team=world.a.team).contract
        ContractFactory(team=world.b.team)
        [row] = world.api.get(self.path).data
        assert row["id"] == str(mine.pk) and row["reference"] == mine.reference
        assert row["rates"][0]["unitPrice"] == "80.00"
        other_client = world.api.get(self.path, query={"clientId": str(ClientFactory(team=world.a.team).pk)})
        assert other_client.data == []


class TestCreateContract(EndpointContract):
    method, path, scope, happy_status = "post", "/v1/invoicing/contracts", "invoices.write", 201
    bad_inputs = [
        BadInput(path="clientId", body={"reference": "C-1", "validFrom": "2026-01-01"}),
        BadInput(path="reference", body={"clientId": NO_SUCH_ID, "validFrom": "2026-01-01"}),
        BadInput(path="validFrom", body={"clientId": NO_SUCH_ID, "reference": "C-1", "validFrom": "soon"}),
        BadInput(path="rates.0.jobTypeId", body={"rates": [{"unitPrice": "1.00"}]}),
        BadInput(path="rates.1.unitPrice", body={"rates": [{}, {"unitPrice": "x"}]}),
    ]

    def make_object(self, team_world: TeamWorld) -> Any:
        return ClientFactory(team=team_world.team)

    def body(self, world: World, obj: Any) -> dict[str, Any]:
        job_type = JobTypeFactory(team=world.a.team)
        return {
            "clientId": str(obj.pk),
            "reference": "ACME-2026",
            "validFrom": "2026-01-01",
            "validTo": "2026-12-31",
            "currency": "GBP",
            "rates": [{"jobTypeId": str(job_type.pk), "unitPrice": "75.00", "taxRate": "20"}],
        }

    def check_happy(self, world: World, obj: Any, response: ApiResponse) -> None:
        data = response.data
        assert data["reference"] == "ACME-2026" and data["currency"] == "GBP" and data["clientId"] == str(obj.pk)
        assert [(r["unitPrice"], r["unit"], r["taxRate"]) for r in data["rates"]] == [("75.00", "JOB", "20.000")]
        duplicate = world.api.post(self.path, self.body(world, obj))
        assert duplicate.status_code == 409 and duplicate.issue_paths == ["reference"]
        assert Contract.objects.filter(team=world.a.team).count() == 1

    def test_a_job_type_twice_is_refused(self, world: World) -> None:
        client, job_type = ClientFactory(team=world.a.team), JobTypeFactory(team=world.a.team)
        rate = {"jobTypeId": str(job_type.pk), "unitPrice": "1.00"}
        body = {"clientId": str(client.pk), "reference": "R", "validFrom": "2026-01-01", "rates": [rate, rate]}
        response = world.api.post(self.path, body)
        assert response.status_code == 400 and response.issue_paths == ["rates.1.jobTypeId"]

    def test_job_type_of_another_team_is_refused(self, world: World) -> None:
        client, theirs = ClientFactory(team=world.a.team), JobTypeFactory(team=world.b.team)
        rate = {"jobTypeId": str(theirs.pk), "unitPrice": "1.00"}
        body = {"clientId": str(client.pk), "reference": "R", "validFrom": "2026-01-01", "rates": [rate]}
        response = world.api.post(self.path, body)
        assert response.status_code == 400 and response.issue_paths == ["rates.0.jobTypeId"]


def test_invoice_lifecycle_over_the_api(world: World) -> None:
    """Draft from a job, edit, finalize, edit refused, approve; the job cannot be drafted again."""
    job = billable_job(world.a)
    api = world.api
    draft = api.post("/v1/invoices/draft", {"clientId": str(job.client_id), "jobIds": [str(job.pk)]})
    assert draft.status_code == 201 and draft.data["total"] == "120.00"
    invoice_id = draft.data["id"]
    edited = api.post("/v1/invoices/draft", {"invoiceId": invoice_id, "issueDate": "2026-03-01", "notes": "PO 42"})
    assert edited.status_code == 200
    assert edited.data["dueDate"] == "2026-03-31" and edited.data["lines"][0]["jobId"] == str(job.pk)
    second = api.post("/v1/invoices/draft", {"clientId": str(job.client_id), "jobIds": [str(job.pk)]})
    assert second.status_code == 409 and second.issue_paths == ["jobIds.0"]
    done = api.post("/v1/invoices/finalize", {"invoiceId": invoice_id})
    assert done.status_code == 200 and done.data["issueDate"] == "2026-03-01"
    assert done.data["number"] == "INV-2026-000001"
    refused = api.post("/v1/invoices/draft", {"invoiceId": invoice_id, "notes": "changed"})
    assert refused.status_code == 409
    assert api.post("/v1/invoices/approve", {"invoiceId": invoice_id}).data["status"] == InvoiceStatus.APPROVED
    assert api.get(f"/v1/invoices/{invoice_id}").data["notes"] == "PO 42"


def test_a_client_without_email_is_null_in_the_invoice(world: World) -> None:
    """ "No value" is null: `""` would match both branches of the schema's nullable email."""
    invoice = draft_with_line(world.a.team)
    invoice.client.email = ""
    invoice.client.save(update_fields=["email"])
    response = world.api.get(f"/v1/invoices/{invoice.pk}")
    assert response.status_code == 200 and response.data["client"]["email"] is None
