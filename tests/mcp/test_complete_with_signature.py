"""The MCP `complete_job` tool takes the customer's signature and the photos taken, like the REST endpoint."""

from __future__ import annotations

from typing import Any

import pytest
from mcp import Client

from jobs.models import JobSignature, JobStatus
from tests.conftest import World
from tests.factories import JobFactory
from tests.jobs.images import signature_png_base64
from tests.mcp.test_mcp import run_client

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def _media_in_tmp(settings: Any, tmp_path: Any) -> None:
    settings.MEDIA_ROOT = str(tmp_path / "media")


def test_complete_job_tool_stores_the_signature(server_url: str, world: World) -> None:
    job = JobFactory(team=world.a.team, status=JobStatus.IN_PROGRESS, assigned_to=world.a.engineer)
    signature = {"signer_name": "Dana Client", "image_png": signature_png_base64()}

    async def session(client: Client) -> Any:
        tools = await client.list_tools()
        bad = await client.call_tool(
            "complete_job",
            {"job_id": str(job.pk), "result_type": "SUCCESS", "signature": {**signature, "image_png": "bm90IGEgcG5n"}},
        )
        done = await client.call_tool(
            "complete_job", {"job_id": str(job.pk), "result_type": "SUCCESS", "signature": signature}
        )
        return tools, bad, done

    tools, bad, done = run_client(server_url, world.a.token, session)
    complete = next(tool for tool in tools.tools if tool.name == "complete_job")
    assert {"signature", "attachment_ids"} <= set(complete.input_schema["properties"])
    assert bad.is_error and bad.structured_content["issues"][0]["path"] == "signature.imagePng"
    assert not done.is_error, done.structured_content
    assert done.structured_content["data"]["signature"]["signerName"] == "Dana Client"
    assert JobSignature.objects.get(job=job).signer_name == "Dana Client"
