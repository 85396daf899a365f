"""The flows admin: scoped lists, the template preview, the document download and the resend action."""

from __future__ import annotations

import pytest
from django.core import mail

from flows.models import Flow, FlowStatus
from tests.admin.conftest import staff_client
from tests.conftest import World
from tests.flows.factories import complete, group_of, job_ready_to_complete, run_worker

pytestmark = pytest.mark.django_db


def test_flows_admin_preview_download_and_resend(world: World) -> None:
    job = job_ready_to_complete(world.a)
    complete(job)
    run_worker()
    flow = group_of(job).flows.get(kind="REPORT")
    alpha, bravo = staff_client(world.a.owner), staff_client(world.b.owner)

    for url in ("/admin/flows/flow/", "/admin/flows/flowgroup/", "/admin/flows/flowtemplate/",
                f"/admin/flows/flow/{flow.pk}/change/", f"/admin/flows/flowgroup/{flow.group_id}/change/"):  # fmt: skip
        assert alpha.get(url).status_code == 200, url
    assert bravo.get(f"/admin/flows/flow/{flow.pk}/change/").status_code in (302, 404)

    preview = alpha.get(f"/admin/flows/flowtemplate/{flow.template_id}/preview/")
    assert preview.status_code == 200 and preview.content.startswith(b"%PDF")
    assert bravo.get(f"/admin/flows/flowtemplate/{flow.template_id}/preview/").status_code == 404
    document = alpha.get(f"/admin/flows/flow/{flow.pk}/document/")
    assert document.status_code == 200 and document.content.startswith(b"%PDF")

    response = alpha.post("/admin/flows/flow/", {"action": "resend", "_selected_action": [str(flow.pk)]})
    assert response.status_code == 302
    assert Flow.objects.get(pk=flow.pk).status == FlowStatus.QUEUED
    run_worker()
    assert Flow.objects.get(pk=flow.pk).status == FlowStatus.SENT and len(mail.outbox) == 3
