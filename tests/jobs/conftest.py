from __future__ import annotations

from typing import Any

import pytest


@pytest.fixture(autouse=True)
def _media_in_tmp(settings: Any, tmp_path: Any) -> None:
    """Photos and signatures are stored through the storage API; keep each test's files in its own directory."""
    settings.MEDIA_ROOT = str(tmp_path / "media")
