"""An integrator's day one: a Python client generated from the served schema runs a real workflow.

openapi-python-client (strict: unexpected statuses raise) is generated from `/v1/openapi.json` as
the server publishes it, then drives a live server: create a job type, a client and jobs, assign,
start and complete one, page the list, download nothing it cannot type. Every response is checked
against the schema as it arrives.
"""

from __future__ import annotations

import importlib
import json
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.conftest import World
from tests.openapi import _pointer, _validate, operation_for, schema

pytestmark = pytest.mark.django_db(transaction=True)
PACKAGE = "shocking_client"
# How the client is generated, as docs/api.md tells integrators: PDFs are binary downloads.
CONFIG = {"content_type_overrides": {"application/pdf": "application/octet-stream"}, "post_hooks": []}


@pytest.fixture(scope="session")
def generated_client(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    folder = tmp_path_factory.mktemp("generated")
    (folder / "openapi.json").write_text(json.dumps(schema()))
    (folder / "config.json").write_text(json.dumps(CONFIG))
    command = [
        str(Path(sys.executable).with_name("openapi-python-client")), "generate",
        "--path", str(folder / "openapi.json"), "--config", str(folder / "config.json"),
        "--meta", "none", "--output-path", str(folder / PACKAGE), "--overwrite", "--fail-on-warning",
    ]  # fmt: skip
    result = subprocess.run(command, capture_output=True, text=True, timeout=120, check=False)  # noqa: S603
    assert result.returncode == 0, result.stdout + result.stderr
    sys.path.insert(0, str(folder))
    try:
        yield importlib.import_module(PACKAGE)
    finally:
        sys.path.remove(str(folder))
        for name in [name for name in sys.modules if name == PACKAGE or name.startswith(PACKAGE + ".")]:
            del sys.modules[name]


def check_against_schema(response: httpx.Response) -> None:
    response.read()
    path, method = response.request.url.path, response.request.method.lower()
    assert response.headers["X-Request-Id"].startswith("req_")
    found = operation_for(method, path)
    assert found is not None, f"{method} {path} is not in the schema"
    template, operation = found
    status = str(response.status_code)
    assert status in operation["responses"], (method, template, status, response.text)
    if response.headers.get("content-type", "").startswith("application/json"):
        pointer = _pointer("paths", template, method, "responses", status, "content", "application/json")
        _validate(response.json(), pointer + "/schema")


def module(client_package: Any, name: str) -> Any:
    return importlib.import_module(f"{PACKAGE}.{name}")


def test_a_workflow_through_the_generated_client(generated_client: Any, live_server: Any, world: World) -> None:
    api = module(generated_client, "api")
    models = module(generated_client, "models")
    job_types = importlib.import_module(f"{PACKAGE}.api.jobs.job_types_create")
    clients = importlib.import_module(f"{PACKAGE}.api.projects.clients_create")
    jobs_create = importlib.import_module(f"{PACKAGE}.api.jobs.jobs_create")
    jobs_assign = importlib.import_module(f"{PACKAGE}.api.jobs.jobs_assign_create")
    jobs_start = importlib.import_module(f"{PACKAGE}.api.jobs.jobs_start_create")
    jobs_complete = importlib.import_module(f"{PACKAGE}.api.jobs.jobs_complete_create")
    jobs_list = importlib.import_module(f"{PACKAGE}.api.jobs.jobs_list")
    assert api is not None

    client = generated_client.AuthenticatedClient(
        base_url=live_server.url,
        token=world.a.token,
        raise_on_unexpected_status=True,
        httpx_args={"event_hooks": {"response": [check_against_schema]}},
    )
    with client as session:
        job_type = job_types.sync(
            client=session,
            body=models.JobTypeCreateRequest(key="heat-pump-check", name="Heat pump check"),
            idempotency_key=str(uuid.uuid4()),
        )
        assert job_type.data.key == "heat-pump-check"
        customer = clients.sync(client=session, body=models.ClientCreateRequest(name="Northwind Energy"))
        created = [
            jobs_create.sync(
                client=session,
                body=models.JobCreateRequest(
                    job_type="heat-pump-check", client_id=customer.data.id, notes=f"visit {i}"
                ),
            ).data
            for i in range(3)
        ]
        job = created[0]
        assigned = jobs_assign.sync(
            job.id, client=session, body=models.JobAssignRequest(engineer_id=world.a.engineer.pk)
        )
        assert assigned.data.status == "ASSIGNED"
        assert jobs_start.sync(job.id, client=session).data.status == "IN_PROGRESS"
        completed = jobs_complete.sync(
            job.id,
            client=session,
            body=models.JobCompleteRequest(result_type=models.ResultType.PARTIAL, notes="Filter replaced"),
        )
        assert completed.data.status == "COMPLETED" and completed.data.result_type == "PARTIAL"

        seen, key = [], None
        while True:
            page = jobs_list.sync(client=session, limit=2, **({"last_evaluated_key": key} if key else {}))
            seen += [row.id for row in page.data]
            key = page.last_evaluated_key
            if not key:
                break
        assert sorted(map(str, seen)) == sorted(str(job.id) for job in created)
