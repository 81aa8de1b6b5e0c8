"""What a benchmark run produces: rows grouped into tables, plus the notes and environment.

A `Row` is one line of a table: what was measured and at which size, minigrad's figure
(one implementation per row), each competitor's figure from the same run, and the
ratios minigrad / competitor. Everything here turns into JSON with `Run.to_dict()`.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable

from .harness import Stats, TimingConfig


@dataclass
class Row:
    group: str
    bench: str  # what was measured, e.g. "softmax fwd"
    size: str  # the size as printed, e.g. "1024x4096"
    x: float  # the size as a number (elements, FLOPs): the x axis of the plots
    impl: str  # which minigrad implementation ("numpy", "triton", "cupy", "engine")
    minigrad: Stats | None
    competitors: dict[str, Stats] = field(default_factory=dict)
    unit: str = "s"  # what the Stats hold: seconds per call
    extra: dict = field(default_factory=dict)  # throughput, ceilings, correctness checks, ...

    @property
    def ratios(self) -> dict[str, float]:
        """minigrad / competitor for each competitor (< 1: minigrad is faster)."""
        if self.minigrad is None:
            return {}
        return {name: self.minigrad.median / stats.median
                for name, stats in self.competitors.items() if stats is not None and stats.median > 0}

    def to_dict(self) -> dict:
        return {
            "group": self.group, "bench": self.bench, "size": self.size, "x": self.x,
            "impl": self.impl, "unit": self.unit,
            "minigrad": self.minigrad.to_dict() if self.minigrad is not None else None,
            "competitors": {name: s.to_dict() for name, s in self.competitors.items()},
            "ratios": self.ratios,
            "extra": self.extra,
        }


@dataclass
class Group:
    """One table: its title, the competitor columns it shows, notes and rows."""

    name: str
    title: str
    competitors: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    rows: list[Row] = field(default_factory=list)
    kind: str = "time"  # "time" tables show times and ratios; "memory" shows RSS figures

    def note(self, text: str) -> None:
        if text not in self.notes:
            self.notes.append(text)

    def to_dict(self) -> dict:
        return {"name": self.name, "title": self.title, "kind": self.kind,
                "competitors": self.competitors, "notes": self.notes,
                "rows": [row.to_dict() for row in self.rows]}


@dataclass
class Context:
    """What a benchmark needs to run: the device, the mode and the timing settings."""

    device: str  # "cpu" or "cuda"
    quick: bool
    config: TimingConfig
    group: Group
    sizes: str = "default"  # "tiny" in tests: the smallest sizes only
    errors: list = field(default_factory=list)  # failures a benchmark survived (one size, one impl)

    def note(self, text: str) -> None:
        self.group.note(text)

    def error(self, text: str) -> None:
        """Record a failure of one measurement; the benchmark goes on with the others, and the
        run counts it as failed."""
        self.errors.append(text)
        self.group.note(f"FAILED {text}")


class Skip(Exception):
    """Raised by a benchmark that cannot run here; its message becomes a note on the table."""


@dataclass
class Bench:
    """A runnable benchmark: `run(ctx)` returns rows (or raises Skip)."""

    id: str  # "kernels.softmax_fwd": what --only matches, with the group and `op`
    group: str
    run: Callable[[Context], list]
    op: str = ""  # the kernel op it covers, so `--only softmax` selects both directions

    def matches(self, names: list[str]) -> bool:
        short = self.id.split(".", 1)[-1]
        family = self.group.removesuffix("_gpu")  # "kernels" also selects the GPU kernels
        return any(n in (self.group, family, self.id, short, self.op) or self.id.startswith(n + ".")
                   for n in names)


@dataclass
class Run:
    environment: dict
    settings: dict
    groups: list[Group] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def rows(self) -> list[Row]:
        return [row for group in self.groups for row in group.rows]

    def to_dict(self) -> dict:
        return {
            "schema": "minigrad-benchmarks/1",
            "ratio": "minigrad time / competitor time (< 1 means minigrad is faster)",
            "environment": self.environment,
            "settings": self.settings,
            "notes": self.notes,
            "groups": [g.to_dict() for g in self.groups],
            "rows": [row.to_dict() for row in self.rows],
        }
