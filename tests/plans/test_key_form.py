"""Settings > API keys offers maintenance plans access (plans.read / plans.write) like every resource."""

from __future__ import annotations

from accounts.forms import APIKeyCreateForm
from accounts.scopes import Scope


def test_the_key_form_grants_plans_read_and_write() -> None:
    base = {"name": "Planner", "expiry": "never"}
    for level, scope in (("read", Scope.PLANS_READ), ("write", Scope.PLANS_WRITE)):
        form = APIKeyCreateForm(data={**base, "access_plans": level})
        assert form.is_valid(), form.errors
        assert form.scopes() == [scope.value]
    assert "Maintenance plans" in str(APIKeyCreateForm()["access_plans"].label)
