"""Turning a Run into what people read: terminal tables, JSON, Markdown and PNG plots.

Plain text on purpose (no `rich`): the tables paste as they are into RESULTS.md and
into issues. Every table says how to read its ratio column.
"""
from __future__ import annotations

import json
import math
import re
from collections import defaultdict
from pathlib import Path

from . import harness
from .record import Group, Row, Run

RATIO_NOTE = "ratio = minigrad time / competitor time: < 1 means minigrad is faster"
BUSY_THRESHOLD = 0.10  # flag rows measured while other processes used >10% of the CPU
BUSY_MARK = "(busy)"


def fmt_time(seconds: float | None) -> str:
    """1.23 us, 45.6 ms, ... (three significant digits)."""
    if seconds is None or not math.isfinite(seconds):
        return "-"
    for unit, scale in (("s", 1.0), ("ms", 1e-3), ("us", 1e-6), ("ns", 1e-9)):
        if seconds >= scale or unit == "ns":
            value = seconds / scale
            return f"{value:.3g} {unit}" if value < 100 else f"{value:.0f} {unit}"
    return f"{seconds:.3g} s"


def fmt_ratio(ratio: float | None) -> str:
    return "-" if ratio is None else f"{ratio:.2f}"


def _spread(stats) -> str:
    return f"+-{100 * stats.spread:.0f}%"


def _busy(row: Row) -> bool:
    load = row.extra.get("foreign_cpu")
    return load is not None and load > BUSY_THRESHOLD


def _throughput(row: Row, name: str) -> str:
    value = row.extra.get("throughput", {}).get(name) if "achieved" not in row.extra else row.extra["achieved"]
    if value is None:
        return "-"
    return f"{value:.3g} {row.extra.get('throughput_unit', '')}"


def table(group: Group) -> tuple[list[str], list[list[str]]]:
    """(headers, cells) of a group's table, shared by the text and Markdown renderers."""
    if group.kind == "memory":
        headers = ["benchmark", "steps", "first MiB", "last MiB", "max MiB", "growth MiB", "flat"]
        cells = [[r.bench, str(r.extra.get("steps", r.size)), f"{r.extra['first_MiB']:.1f}",
                  f"{r.extra['last_MiB']:.1f}", f"{r.extra['max_MiB']:.1f}",
                  f"{r.extra['growth_MiB']:+.1f}",
                  f"{'yes' if r.extra['flat'] else 'NO'} (limit {r.extra['flat_limit_MiB']:.1f})"]
                 for r in group.rows]
        return headers, cells
    gpu = group.name == "kernels_gpu"
    headers = ["benchmark", "size", "impl", "minigrad"]
    for name in group.competitors:
        headers += [name, f"mg/{name.split()[0]}"]
    if gpu:
        headers += ["achieved", "% ceil", "first call"]
    cells = []
    for r in group.rows:
        line = [r.bench + (f" {BUSY_MARK}" if _busy(r) else ""), r.size, r.impl]
        line.append("-" if r.minigrad is None else f"{fmt_time(r.minigrad.median)} {_spread(r.minigrad)}")
        ratios = r.ratios
        for name in group.competitors:
            stats = r.competitors.get(name)
            line += [fmt_time(stats.median) if stats else "-", fmt_ratio(ratios.get(name))]
        if gpu:
            fraction = r.extra.get("fraction_of_ceiling", {}).get("minigrad")
            line += [_throughput(r, "minigrad"), "-" if fraction is None else f"{100 * fraction:.0f}%",
                     fmt_time(r.extra.get("first_call_s"))]
        cells.append(line)
    return headers, cells


def _notes(group: Group) -> list[str]:
    notes = list(group.notes)
    if group.kind != "memory":
        notes.insert(0, RATIO_NOTE + "; minigrad: median over samples +- half the interquartile range")
    loads = sorted(r.extra["foreign_cpu"] for r in group.rows if r.extra.get("foreign_cpu") is not None)
    if group.kind != "memory" and any(_busy(r) for r in group.rows):
        notes.append(f"{BUSY_MARK}: other processes used more than {100 * BUSY_THRESHOLD:.0f}% of the "
                     f"CPU while this row was measured (median over the group's rows: "
                     f"{100 * loads[len(loads) // 2]:.0f}%): treat it with caution")
    return notes


def render_text(group: Group) -> str:
    """A group as an aligned plain-text table, with its title and notes."""
    lines = [f"== {group.title} =="]
    if group.rows:
        headers, cells = table(group)
        widths = [max(len(h), *(len(c[i]) for c in cells)) for i, h in enumerate(headers)]
        align = lambda values: "  ".join(  # noqa: E731  first three columns left, numbers right
            v.ljust(w) if i < 3 else v.rjust(w) for i, (v, w) in enumerate(zip(values, widths)))
        lines += [align(headers), "  ".join("-" * w for w in widths)]
        lines += [align(c) for c in cells]
    else:
        lines.append("(no rows)")
    lines += [f"  note: {n}" for n in _notes(group)]
    return "\n".join(lines)


def render_markdown(group: Group) -> str:
    lines = [f"### {group.title}", ""]
    if group.rows:
        headers, cells = table(group)
        lines.append("| " + " | ".join(headers) + " |")
        lines.append("|" + "|".join("---" if i < 3 else "---:" for i in range(len(headers))) + "|")
        lines += ["| " + " | ".join(c.replace("|", "\\|") for c in line) + " |" for line in cells]
    else:
        lines.append("(no rows)")
    lines.append("")
    lines += [f"- {n}" for n in _notes(group)]
    return "\n".join(lines) + "\n"


def environment_lines(env: dict, settings: dict) -> list[str]:
    versions = ", ".join(f"{k} {v}" for k, v in env.get("versions", {}).items() if v)
    threads = env.get("threads", {})
    pools = "; ".join(f"{p.get('internal_api')} {p.get('num_threads')} threads"
                      for p in threads.get("threadpools", []))
    lines = [
        f"date: {env.get('date')}   commit: {(env.get('git_commit') or '?')[:12]}"
        f"{' (uncommitted changes)' if env.get('git_dirty') else ''}",
        f"machine: {env.get('cpu_model')}, {env.get('cores')} usable cores; {env.get('platform')}",
        f"versions: python {env.get('python')}, {versions}",
        f"threads: torch {threads.get('torch_num_threads', '-')}; {pools or 'BLAS threads unknown'}; "
        f"env {threads.get('env') or '{}'}",
        f"mode: {'quick' if settings.get('quick') else 'full'}; devices {settings.get('devices')}; "
        f"timing {settings.get('timing')}",
    ]
    if env.get("gpu"):
        gpu = env["gpu"]
        lines.insert(2, f"gpu: {gpu.get('name')}, {gpu.get('memory_GiB')} GiB, CUDA runtime "
                        f"{gpu.get('cuda_runtime')}")
    return lines


def render_run_text(run: Run) -> str:
    parts = ["\n".join(environment_lines(run.environment, run.settings))]
    parts += [render_text(g) for g in run.groups]
    parts += [f"note: {n}" for n in run.notes]
    return "\n\n".join(parts)


def write_json(run: Run, path: Path) -> Path:
    """The run as JSON, replaced in one step (a reader never sees a half-written file)."""
    partial = path.with_name(path.name + ".tmp")
    partial.write_text(json.dumps(run.to_dict(), indent=1, default=_json_default) + "\n")
    partial.replace(path)
    return path


def _json_default(value):
    if hasattr(value, "item"):  # NumPy scalars
        return value.item()
    if isinstance(value, (set, tuple)):
        return list(value)
    return str(value)


def write_markdown(run: Run, path: Path) -> Path:
    lines = ["# minigrad benchmark results", ""]
    lines += [f"- {line}" for line in environment_lines(run.environment, run.settings)]
    lines.append("")
    for group in run.groups:
        lines.append(render_markdown(group))
    lines += [f"- {n}" for n in run.notes]
    path.write_text("\n".join(lines) + "\n")
    return path


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "_", text.lower()).strip("_")


def write_plots(run: Run, directory: Path) -> tuple[list[Path], str | None]:
    """One PNG per kernel (time per call against size, log-log, one line per implementation).

    Returns (files, note); note says why nothing was drawn when matplotlib is missing.
    """
    matplotlib = harness.optional_import("matplotlib")
    if matplotlib is None:
        return [], "matplotlib is not installed: no plots"
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    directory.mkdir(parents=True, exist_ok=True)
    files = []
    for group in run.groups:
        if group.kind != "time":
            continue
        by_bench: dict[str, list[Row]] = defaultdict(list)
        for row in group.rows:
            if row.minigrad is not None:
                by_bench[row.bench].append(row)
        for bench, rows in by_bench.items():
            if len({r.x for r in rows}) < 2:
                continue  # a single size is a table entry, not a curve
            lines: dict[str, list] = defaultdict(list)
            for r in rows:
                lines[f"minigrad ({r.impl})"].append((r.x, r.minigrad.median))
                for name, stats in r.competitors.items():
                    lines[name].append((r.x, stats.median))
            fig, ax = plt.subplots(figsize=(6, 4))
            for label, points in lines.items():
                points = sorted(set(points))
                ax.plot([p[0] for p in points], [p[1] for p in points], marker="o", label=label)
            ax.set_xscale("log")
            ax.set_yscale("log")
            flops = rows[0].extra.get("throughput_unit", "").endswith("FLOP/s")
            ax.set_xlabel("FLOPs per call" if flops else "elements" if group.name != "engine" else "size")
            ax.set_ylabel("time per call (s), lower is better")
            ax.set_title(f"{bench} ({group.name})")
            ax.grid(True, which="both", alpha=0.3)
            ax.legend(fontsize=8)
            fig.tight_layout()
            path = directory / f"{_slug(group.name)}_{_slug(bench)}.png"
            fig.savefig(path, dpi=110)
            plt.close(fig)
            files.append(path)
    return files, None


def load_run(path: Path) -> Run:
    """Rebuild a Run from its results.json (to re-render tables without re-measuring)."""
    from .harness import Stats

    data = json.loads(Path(path).read_text())
    stats = lambda d: None if d is None else Stats(**d)  # noqa: E731
    groups = []
    for g in data["groups"]:
        group = Group(g["name"], g["title"], g["competitors"], g["notes"], kind=g.get("kind", "time"))
        group.rows = [Row(r["group"], r["bench"], r["size"], r["x"], r["impl"], stats(r["minigrad"]),
                          {k: stats(v) for k, v in r["competitors"].items()}, r.get("unit", "s"),
                          r.get("extra", {})) for r in g["rows"]]
        groups.append(group)
    return Run(data["environment"], data["settings"], groups, data.get("notes", []))


if __name__ == "__main__":  # python -m benchmarks.report results.json [--markdown]
    import sys

    loaded = load_run(Path(sys.argv[1]))
    if "--markdown" in sys.argv:
        print("\n".join(f"- {line}" for line in environment_lines(loaded.environment, loaded.settings)))
        print()
        print("\n".join(render_markdown(g) for g in loaded.groups))
    else:
        print(render_run_text(loaded))
