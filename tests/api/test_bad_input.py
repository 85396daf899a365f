"""Bad input is a 400 on every offending path at once, and changes nothing."""

from __future__ import annotations

import pytest

from invoicing.models import InvoicingProfile
from tests.conftest import World

pytestmark = pytest.mark.django_db


def test_an_oversized_integer_is_a_400_on_its_path_not_a_500(world: World) -> None:
    response = world.api.post("/v1/invoicing/profile/upsert", {"nextNumber": 995186618115905290240})
    assert response.status_code == 400, response
    assert response.issue_paths == ["nextNumber"]
    assert not InvoicingProfile.objects.filter(team=world.a.team).exists()


def test_an_unknown_field_does_not_hide_the_other_fields_issues(world: World) -> None:
    response = world.api.post("/v1/clients", {"nmae": "Acme", "email": "not-an-email", "type": 7})
    assert response.status_code == 400
    assert {"nmae", "email", "type"} <= set(response.issue_paths)


def test_a_missing_required_field_is_reported_with_an_unknown_one(world: World) -> None:
    response = world.api.post("/v1/clients", {"nmae": "Acme"})
    assert response.status_code == 400
    assert set(response.issue_paths) == {"nmae", "name"}


@pytest.mark.parametrize("parameter", ["sortBy", "sortOrder", "limit", "lastEvaluatedKey"])
@pytest.mark.parametrize("path", ["/v1/sites", "/v1/jobs", "/v1/clients", "/v1/webhooks"])
def test_an_empty_paging_parameter_is_a_400(world: World, path: str, parameter: str) -> None:
    response = world.api.get(path, {parameter: ""})
    assert response.status_code == 400, response
    assert response.issue_paths == [parameter]
