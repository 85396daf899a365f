"""The code's layout: no source file over ~400 lines (a file that long is doing more than one thing).

Tests and migrations are not counted. The files already over the limit are listed with the size they
had when the check came in: each may shrink but not grow, and leaves the list once it is under.
"""

from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
MAX_LINES = 400
SKIPPED_DIRS = {".venv", ".git", "tests", "migrations", "node_modules", "staticfiles", "media", "__pycache__"}

# path: the most lines it may have until it is split (the size it had when this check came in)
OVER_THE_LIMIT: dict[str, int] = {}


def source_files() -> list[Path]:
    return sorted(
        path for path in ROOT.rglob("*.py") if not SKIPPED_DIRS.intersection(path.relative_to(ROOT).parts[:-1])
    )


def line_count(path: Path) -> int:
    with path.open(encoding="utf-8") as handle:
        return sum(1 for _ in handle)


def test_the_walk_sees_the_apps_and_skips_tests_and_migrations() -> None:
    seen = {path.relative_to(ROOT).as_posix() for path in source_files()}
    assert {"jobs/services.py", "core/timerange.py", "config/settings.py"} <= seen
    assert not any(name.startswith("tests/") or "/migrations/" in name for name in seen)


def test_no_source_file_is_over_400_lines() -> None:
    too_long = {}
    for path in source_files():
        name = path.relative_to(ROOT).as_posix()
        lines = line_count(path)
        if lines > OVER_THE_LIMIT.get(name, MAX_LINES):
            too_long[name] = lines
    assert not too_long, (
        f"Over {MAX_LINES} lines (or grown past their listed size): {too_long}. Split the file by what its "
        "parts are about (e.g. one module per resource or per concern) rather than raising the limit."
    )


def test_the_list_of_long_files_is_current() -> None:
    """A listed file that was split (or deleted) leaves the list, so the list never hides a new one."""
    stale = {
        name: line_count(ROOT / name) if (ROOT / name).exists() else None
        for name in OVER_THE_LIMIT
        if not (ROOT / name).exists() or line_count(ROOT / name) <= MAX_LINES
    }
    assert not stale, f"Now at most {MAX_LINES} lines (or gone): remove from OVER_THE_LIMIT: {stale}"
