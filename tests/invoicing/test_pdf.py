"""`GET /v1/invoices/{id}/pdf`: the invoice as a real PDF, and the admin's download link."""

from __future__ import annotations

import io
from decimal import Decimal

import pytest
from pypdf import PdfReader

from accounts.models import Actor
from invoicing import services
from invoicing.documents import format_money, invoice_filename
from invoicing.models import Invoice, InvoiceStatus
from tests.admin.conftest import staff_client
from tests.conftest import ApiResponse, TeamWorld, World
from tests.contract import EndpointContract
from tests.factories import ClientFactory

pytestmark = pytest.mark.django_db

SYSTEM = Actor()


def pdf_text(content: bytes) -> str:
    reader = PdfReader(io.BytesIO(content))
    return "\n".join(page.extract_text() for page in reader.pages)


def billed_draft(team_world: TeamWorld) -> Invoice:
    """A draft for a named client with two manual lines at 20% (net 150.00 + 35.00)."""
    team = team_world.team
    services.upsert_profile(
        team=team,
        actor=SYSTEM,
        legal_name="Shocking Energy Services Ltd",
        address="1 Voltage Way\nBristol BS1 4DJ",
        tax_id="GB123456789",
        bank_details="IBAN GB33 BUKB 2020 1555 5555 55",
        footer_text="Registered in England, company no. 01234567.",
        number_prefix="SE",
        default_currency="GBP",
        default_tax_rate=Decimal("20"),
    )
    services.upsert_template(
        team=team, actor=SYSTEM, logo_text="SHOCKING ENERGY", notes="Thank you for choosing us.",
        terms="Payment within 30 days by bank transfer.",
    )  # fmt: skip
    client = ClientFactory(
        team=team, name="Harbourside Dental Ltd", billing_line1="12 Quay Street", billing_city="Bristol",
        billing_postcode="BS1 5TT",
    )  # fmt: skip
    invoice, _ = services.save_draft(
        team=team,
        actor=SYSTEM,
        client=client,
        lines=[
            services.ManualLine("Annual boiler service", Decimal("1"), Decimal("150.00")),
            services.ManualLine("Replacement thermocouple", Decimal("2"), Decimal("17.50")),
        ],
    )
    return invoice


def finalized(team_world: TeamWorld) -> Invoice:
    return services.finalize_invoice(team=team_world.team, actor=SYSTEM, invoice=billed_draft(team_world))


class TestInvoicePdf(EndpointContract):
    path, scope = "/v1/invoices/{id}/pdf", "invoices.read"

    def make_object(self, team_world: TeamWorld) -> Invoice:
        return finalized(team_world)

    def test_happy_path(self, world: World) -> None:
        """The PDF itself (not a JSON envelope): number, client, lines, totals with their currency."""
        invoice = self.make_object(world.a)
        response = world.api.get(self.url(invoice))
        assert response.status_code == 200, response
        assert response.raw["Content-Type"] == "application/pdf"
        assert response.raw["Content-Disposition"] == f'inline; filename="{invoice.number}.pdf"'
        content = response.raw.content
        assert content.startswith(b"%PDF")
        text = pdf_text(content)
        assert invoice.number and invoice.number in text
        for expected in ("Harbourside Dental Ltd", "Annual boiler service", "Replacement thermocouple",
                         "Shocking Energy Services Ltd", "GB123456789", "IBAN GB33 BUKB 2020 1555 5555 55",
                         "Payment within 30 days", "Thank you for choosing us.", "Registered in England",
                         "SHOCKING ENERGY"):  # fmt: skip
            assert expected in text, expected
        assert invoice.total == Decimal("222.00")
        assert "£185.00" in text and "£37.00" in text and "£222.00" in text
        assert "DRAFT" not in text

    def test_bad_input_is_400(self, world: World) -> None:
        """The PDF takes no input; a malformed id is a 404 (JSON), never a 500."""
        response = world.api.get("/v1/invoices/not-a-uuid/pdf")
        assert response.status_code == 404 and response.json["error"]["name"] == "NotFoundError"

    def test_errors_stay_json_when_a_pdf_is_asked_for(self, world: World) -> None:
        theirs = self.make_object(world.b)
        response = world.api.get(self.url(theirs), headers={"Accept": "application/pdf"})
        assert response.status_code == 404 and response.json["error"]["name"] == "NotFoundError"
        mine = self.make_object(world.a)
        response = world.api.get(self.url(mine), headers={"Accept": "application/pdf"})
        assert response.status_code == 200 and response.raw.content.startswith(b"%PDF")


def test_a_draft_says_draft_and_has_no_number(world: World) -> None:
    draft = billed_draft(world.a)
    response: ApiResponse = world.api.get(f"/v1/invoices/{draft.pk}/pdf")
    assert response.status_code == 200
    assert response.raw["Content-Disposition"] == f'inline; filename="draft-{str(draft.pk)[:8]}.pdf"'
    text = pdf_text(response.raw.content)
    assert "DRAFT" in text and "Not yet numbered" in text
    assert "SE-" not in text  # no number, not even a preview of the next one
    assert "Harbourside Dental Ltd" in text and "£222.00" in text


def test_a_finalized_invoice_keeps_the_seller_it_was_issued_by(world: World) -> None:
    invoice = finalized(world.a)
    services.upsert_profile(team=world.a.team, actor=SYSTEM, legal_name="Renamed Holdings plc", tax_id="GB999")
    text = pdf_text(world.api.get(f"/v1/invoices/{invoice.pk}/pdf").raw.content)
    assert "Shocking Energy Services Ltd" in text and "Renamed Holdings plc" not in text


def test_a_void_invoice_says_void(world: World) -> None:
    invoice = services.void_invoice(team=world.a.team, actor=SYSTEM, invoice=finalized(world.a), reason="Duplicate")
    assert invoice.status == InvoiceStatus.VOID
    text = pdf_text(world.api.get(f"/v1/invoices/{invoice.pk}/pdf").raw.content)
    assert "VOID" in text and "Duplicate" in text and str(invoice.number) in text


def test_money_and_file_names() -> None:
    assert format_money(Decimal("1234.5"), "EUR") == "€1,234.50"
    assert format_money(Decimal("0.99"), "gbp") == "£0.99"
    assert format_money(Decimal("1000000"), "CHF") == "CHF 1,000,000.00"
    assert invoice_filename(Invoice(number='A "quoted"/number')) == "A-quoted-number.pdf"


def test_admin_download_link(world: World) -> None:
    invoice = finalized(world.a)
    staff_a, staff_b = staff_client(world.a.owner), staff_client(world.b.owner)
    change = staff_a.get(f"/admin/invoicing/invoice/{invoice.pk}/change/")
    assert change.status_code == 200
    assert f"/admin/invoicing/invoice/{invoice.pk}/pdf/" in change.content.decode()
    assert "Download PDF" in change.content.decode()
    assert f"/admin/invoicing/invoice/{invoice.pk}/pdf/" in staff_a.get("/admin/invoicing/invoice/").content.decode()
    download = staff_a.get(f"/admin/invoicing/invoice/{invoice.pk}/pdf/")
    assert download.status_code == 200 and download["Content-Type"] == "application/pdf"
    assert download.content.startswith(b"%PDF") and str(invoice.number) in pdf_text(download.content)
    assert staff_b.get(f"/admin/invoicing/invoice/{invoice.pk}/pdf/").status_code == 404
