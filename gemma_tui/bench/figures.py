"""The bench's figures, and how they are printed."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass


@dataclass(frozen=True, slots=True)
class Spread:
    """Latencies in milliseconds."""

    p50: float
    p99: float
    samples: int

    @classmethod
    def of(cls, seconds: list[float]) -> Spread:
        if not seconds:
            return cls(float("nan"), float("nan"), 0)
        ordered = sorted(seconds)
        return cls(
            _percentile(ordered, 50) * 1000,
            _percentile(ordered, 99) * 1000,
            len(ordered),
        )

    def text(self) -> str:
        return f"p50 {self.p50:.2f} ms  p99 {self.p99:.2f} ms  ({self.samples} imports)"


@dataclass(frozen=True, slots=True)
class Figures:
    imports: int
    runners: int
    concurrency: int
    bare_clients: int
    server: str
    cpus: int
    runner_rate: float  # imports a second, first claim to last finish
    bare_rate: float  # bare lifecycles a second
    claim_to_start: Spread  # while draining the backlog
    idle_enqueue_to_start: Spread  # one import at a time, runners idle
    idle_claim_to_start: Spread
    # Per runner: before the imports, with half of them run, after them all.
    runner_rss_mb: list[tuple[float, float, float]]

    @property
    def ratio(self) -> float:
        return self.runner_rate / self.bare_rate if self.bare_rate else float("nan")

    def json(self) -> str:
        return json.dumps(asdict(self) | {"ratio": self.ratio}, indent=2)

    def text(self) -> str:
        memory = ", ".join(
            "→".join(f"{mb:.0f}" for mb in runner) for runner in self.runner_rss_mb
        )
        return "\n".join(
            [
                f"{self.imports} no-op imports, {_runners(self.runners)}"
                f", {self.concurrency} imports at once each; PostgreSQL {self.server},"
                f" {self.cpus} CPUs",
                f"runner:   {self.runner_rate:8.0f} imports/s",
                f"bare SQL: {self.bare_rate:8.0f} lifecycles/s"
                f" (claim, log row, finish; {self.bare_clients} clients)",
                f"ratio:    {self.ratio:8.2f}  (runner / bare SQL; 1 or more: the"
                " runner keeps up with the bare SQL)",
                f"claim→start, draining:    {self.claim_to_start.text()}",
                f"enqueue→start, idle:      {self.idle_enqueue_to_start.text()}",
                f"claim→start, idle:        {self.idle_claim_to_start.text()}",
                f"runner memory (RSS MB, start→middle→end): {memory or 'unknown'}",
            ]
        )


def _runners(count: int) -> str:
    return "1 runner process" if count == 1 else f"{count} runner processes"


def _percentile(ordered: list[float], percent: float) -> float:
    """The nearest-rank percentile of sorted values."""
    rank = max(1, round(percent / 100 * len(ordered)))
    return ordered[min(rank, len(ordered)) - 1]
