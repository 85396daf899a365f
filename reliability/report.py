"""The summary table `make reliability` prints, and the verdict it exits with."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from reliability.faults import Fault
from reliability.load import Sample

SLOW_SECONDS = 2.0
WINDOW_MARGIN = 2.0  # seconds after a recovery still counted inside the fault's window


@dataclass
class Findings:
    duration: float
    samples: list[Sample]
    faults: list[Fault]
    acknowledged: int
    found_once: int
    missing: int
    duplicated: int
    emails: int
    emails_duplicated: int
    flows_unfinished: int
    tokens_in_logs: int
    backup: str
    notes: list[str] = field(default_factory=list)

    def in_window(self, sample: Sample) -> bool:
        """Whether the request was in flight at any moment of a fault's window."""
        return any(
            sample.at <= f.ended + WINDOW_MARGIN and sample.at + sample.seconds >= f.started for f in self.faults
        )

    @property
    def outside(self) -> list[Sample]:
        return [s for s in self.samples if not self.in_window(s)]

    @property
    def failures(self) -> list[str]:
        problems = []
        stray = [s for s in self.outside if s.status >= 500 or s.status == 0]
        if stray:
            problems.append(f"{len(stray)} 5xx or dropped requests outside the fault windows")
        slow = [s for s in self.outside if s.seconds > SLOW_SECONDS]
        if slow:
            problems.append(f"{len(slow)} requests slower than {SLOW_SECONDS:.0f} s outside the fault windows")
        if any(s.traceback for s in self.samples):
            problems.append("a response carried a traceback")
        if any(s.status >= 500 and s.status != 503 for s in self.samples):
            problems.append("a 5xx other than 503 was answered")
        if self.missing or self.duplicated:
            problems.append(f"writes lost: {self.missing}, duplicated: {self.duplicated}")
        if self.emails_duplicated:
            problems.append(f"{self.emails_duplicated} emails sent twice")
        if self.flows_unfinished:
            problems.append(f"{self.flows_unfinished} flows never finished")
        if self.tokens_in_logs:
            problems.append("the API token appears in the server logs")
        problems += [f"fault did not recover: {f.name}" for f in self.faults if not f.recovered]
        if not self.backup.startswith("ok"):
            problems.append(f"backup round trip: {self.backup}")
        return problems


def percentile(values: list[float], share: float) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def latencies(seconds: list[float]) -> str:
    return " / ".join(f"{percentile(seconds, share) * 1000:.0f} ms" for share in (0.5, 0.95, 0.99, 1.0))


def render(findings: Findings) -> str:
    samples = findings.samples
    seconds = [s.seconds for s in samples]
    outside = [s.seconds for s in findings.outside]
    statuses = Counter("no answer" if s.status == 0 else str(s.status) for s in samples)
    inside = Counter("no answer" if s.status == 0 else str(s.status) for s in samples if findings.in_window(s))
    kinds = Counter(s.kind for s in samples)
    rows: list[tuple[str, str]] = [
        ("duration", f"{findings.duration:.0f} s"),
        ("requests", f"{len(samples)} ({len(samples) / max(findings.duration, 1):.0f}/s): "
                     + ", ".join(f"{k} {v}" for k, v in sorted(kinds.items()))),
        ("answers by status", ", ".join(f"{k}: {v}" for k, v in sorted(statuses.items()))),
        ("  of which in fault windows", ", ".join(f"{k}: {v}" for k, v in sorted(inside.items())) or "none"),
        ("latency p50 / p95 / p99 / max", latencies(seconds)),
        ("  outside fault windows", latencies(outside)),
        (f"slower than {SLOW_SECONDS:.0f} s (outside windows)", str(sum(1 for s in outside if s > SLOW_SECONDS))),
        ("5xx outside fault windows", str(sum(1 for s in findings.outside if s.status >= 500 or s.status == 0))),
        ("responses with a traceback", str(sum(1 for s in samples if s.traceback))),
        ("writes acknowledged / found once", f"{findings.acknowledged} / {findings.found_once}"),
        ("writes missing / duplicated", f"{findings.missing} / {findings.duplicated}"),
        ("emails sent / sent twice", f"{findings.emails} / {findings.emails_duplicated}"),
        ("flows not finished", str(findings.flows_unfinished)),
        ("API token in server logs", "yes" if findings.tokens_in_logs else "no"),
        ("backup round trip", findings.backup),
    ]  # fmt: skip
    for fault in findings.faults:
        outcome = f"recovered in {fault.recovery_seconds:.1f} s" if fault.recovered else "DID NOT RECOVER"
        rows.append(
            (f"fault at {fault.started:.0f} s: {fault.name}", f"{outcome}{'; ' + fault.detail if fault.detail else ''}")
        )
    rows += [("note", note) for note in findings.notes]
    width = max(len(label) for label, _ in rows)
    lines = ["", "Reliability summary", "=" * (width + 50)]
    lines += [f"{label.ljust(width)}  {value}" for label, value in rows]
    problems = findings.failures
    lines.append("=" * (width + 50))
    lines.append("PASS: nothing lost, nothing leaked" if not problems else "FAIL: " + "; ".join(problems))
    return "\n".join(lines) + "\n"
