"""The service report PDF (flows) shows the customer's signature and the photos taken on the job."""

from __future__ import annotations

import io

import pytest
from pypdf import PdfReader

from accounts.models import Actor
from flows.models import FlowKind
from jobs import services
from jobs.attachments import SignatureInput
from jobs.models import ResultType
from tests.conftest import World
from tests.flows.factories import group_of, job_ready_to_complete, run_worker
from tests.jobs.images import image_bytes, signature_png_base64

pytestmark = pytest.mark.django_db


def test_the_service_report_shows_signature_and_photos(world: World) -> None:
    job = job_ready_to_complete(world.a)
    actor = Actor(user=None, api_key=None)
    photo = services.add_attachment(job=job, actor=actor, content=image_bytes("JPEG"), caption="Flue terminal")
    services.complete_job(
        job=job,
        actor=actor,
        result_type=ResultType.PARTIAL,
        result={"pressureBar": 1.4, "verdict": "Part ordered"},
        signature=SignatureInput(signer_name="Dana Whitfield", image_png=signature_png_base64()),
        attachments=[photo],
    )
    run_worker()
    report = group_of(job).flows.get(kind=FlowKind.REPORT)
    with report.document.open("rb") as handle:
        reader = PdfReader(io.BytesIO(handle.read()))
    text = "\n".join(page.extract_text() for page in reader.pages)
    assert "Dana Whitfield" in text
    assert "Flue terminal" in text
    images = [image for page in reader.pages for image in page.images]
    assert len(images) >= 2, "the signature and the photo's thumbnail are drawn on the page"
