"""What the GPU check (benchmarks/gpu_check.py) reads and writes: pytest's results, the
examples' last lines, the benchmarks' results.json, and from them one Markdown page and
one JSON file.

Everything here is plain data in, text out, so the tests feed it made-up results on a
machine without a GPU. Speeds in the check's tables are written the way the targets are
(issue "Run minigrad on a GPU"): x = competitor time / minigrad time, so 0.9x means
minigrad takes 1/0.9 of the competitor's time and >= 1x means it is as fast or faster. The
benchmark tables in the appendix keep their own column, minigrad time / competitor time.
"""
from __future__ import annotations

import json
import math
import re
import xml.etree.ElementTree as ElementTree
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from .report import fmt_time, load_run, render_markdown

SCHEMA = "minigrad-gpu-check/1"
PARTS = ("setup", "env", "tests", "examples", "kernels", "training")  # the check's parts, in order
FAILURE_LINES = 4  # lines of each failure's message kept in the summary
LINE_CHARS = 240


# ---- pytest --------------------------------------------------------------------------------------

def nodeid(classname: str, name: str) -> str:
    """pytest's node id from a JUnit <testcase>: tests.kernels.test_gpu + test_x[a] ->
    tests/kernels/test_gpu.py::test_x[a] (a test class stays as ::Class::test)."""
    parts = classname.split(".")
    for cut in range(len(parts), 0, -1):  # the module is the last part whose name starts test_
        if parts[cut - 1].startswith("test_"):
            module = "/".join(parts[:cut]) + ".py"
            return "::".join([module, *parts[cut:], name])
    return "::".join([classname, name])


def _first_lines(text: str | None, count: int = FAILURE_LINES) -> list[str]:
    lines = [line.rstrip()[:LINE_CHARS] for line in (text or "").splitlines() if line.strip()]
    return lines[:count]


def _where(traceback_text: str | None) -> str | None:
    """The last 'path:line' of a --tb=short traceback: where the test failed."""
    found = re.findall(r"^(\S+\.py:\d+)", traceback_text or "", flags=re.MULTILINE)
    return found[-1] if found else None


def parse_junit(path: Path) -> dict:
    """Counts and failures from pytest's --junitxml file."""
    root = ElementTree.parse(path).getroot()
    counts = {"passed": 0, "failed": 0, "errors": 0, "skipped": 0}
    failures = []
    for case in root.iter("testcase"):
        test = nodeid(case.get("classname", ""), case.get("name", ""))
        bad = case.find("failure")
        kind = "failed"
        if bad is None:
            bad, kind = case.find("error"), "errors"
        if bad is not None:
            counts[kind] += 1
            message = _first_lines(bad.get("message")) or _first_lines(bad.text)
            failures.append({"test": test, "kind": "error" if kind == "errors" else "failure",
                             "message": message, "where": _where(bad.text)})
        elif case.find("skipped") is not None:
            counts["skipped"] += 1
        else:
            counts["passed"] += 1
    return {**counts, "failures": failures, "source": "junit"}


_OUTCOME = re.compile(r"(?:^|\s)(PASSED|FAILED|ERROR|SKIPPED|XFAIL|XPASS)\s+(tests/\S+)|"
                      r"^(tests/\S+)\s+(PASSED|FAILED|ERROR|SKIPPED|XFAIL|XPASS)", re.MULTILINE)


def parse_pytest_log(text: str) -> dict:
    """Counts from pytest -v's per-test lines, for a run cut short before it wrote its JUnit
    file (with or without xdist's '[gw0] [ 5%] PASSED tests/...' form). No messages."""
    outcomes = {}
    for match in _OUTCOME.finditer(text):
        outcome, test = (match.group(1), match.group(2)) if match.group(1) else (match.group(4),
                                                                                match.group(3))
        outcomes[test] = outcome  # a test's last word wins (setup error after call, say)
    counts = {"passed": 0, "failed": 0, "errors": 0, "skipped": 0}
    names = {"PASSED": "passed", "XPASS": "passed", "FAILED": "failed", "ERROR": "errors",
             "SKIPPED": "skipped", "XFAIL": "skipped"}
    for outcome in outcomes.values():
        counts[names[outcome]] += 1
    failures = [{"test": test, "kind": "failure" if outcome == "FAILED" else "error",
                 "message": ["(the run was cut short: see logs.txt)"], "where": None}
                for test, outcome in outcomes.items() if outcome in ("FAILED", "ERROR")]
    return {**counts, "failures": failures, "source": "log (cut short)"}


def tests_status(tests: dict) -> str:
    """'301 passed, 2 failed, 7 skipped' (errors named only when there are any)."""
    words = [f"{tests['passed']} passed", f"{tests['failed']} failed"]
    if tests.get("errors"):
        words.append(f"{tests['errors']} errors")
    words.append(f"{tests['skipped']} skipped")
    return ", ".join(words)


# ---- examples ------------------------------------------------------------------------------------

@dataclass
class Example:
    """An example script the check trains on cuda and on the CPU, and how to read its result."""

    name: str
    script: str
    args: tuple
    metric: str  # what the number is
    pattern: str  # regex over the output; group 1 is the number
    tolerance: float  # |cuda - cpu| allowed
    lower_is_better: bool


EXAMPLES = (
    Example("digits MLP", "examples/digits_mlp.py", ("--epochs", "5"), "test accuracy",
            r"test accuracy: ([0-9.]+)", 0.02, False),
    Example("char GPT", "examples/char_gpt.py",
            ("--steps", "60", "--eval-interval", "60", "--eval-iters", "4", "--sample-len", "20"),
            "validation loss", r"step \d+: train loss [0-9.]+, validation loss ([0-9.]+)", 0.05, True),
)


def read_metric(example: Example, output: str) -> float | None:
    """The example's number from its output (the last match), or None."""
    found = re.findall(example.pattern, output)
    return float(found[-1]) if found else None


def judge_example(example: Example, cuda: dict, cpu: dict) -> dict:
    """{example, metric, cuda, cpu, ok, note} from the two runs ({value, returncode, ...})."""
    result = {"example": example.name, "metric": example.metric, "cuda": cuda, "cpu": cpu,
              "tolerance": example.tolerance}
    if cuda.get("value") is None:
        result.update(ok=False, note=f"cuda run gave no {example.metric} (exit {cuda.get('returncode')})")
    elif cpu.get("value") is None:
        result.update(ok=None, note=f"cpu run gave no {example.metric}: nothing to compare with")
    else:
        gap = abs(cuda["value"] - cpu["value"])
        result.update(ok=gap <= example.tolerance,
                      note=f"|cuda - cpu| = {gap:.4f} (allowed {example.tolerance})")
    return result


# ---- benchmark results ---------------------------------------------------------------------------

def speedups(row: dict) -> dict:
    """competitor time / minigrad time for each competitor of a results.json row."""
    mine = (row.get("minigrad") or {}).get("median")
    if not mine:
        return {}
    return {name: stats["median"] / mine for name, stats in row.get("competitors", {}).items()
            if stats and stats.get("median")}


def summarize_kernels(data: dict) -> dict:
    """The GPU kernel rows of a benchmarks results.json, condensed for the check's table."""
    rows, ceilings, notes = [], {}, []
    for group in data.get("groups", []):
        if group.get("name") != "kernels_gpu":
            continue
        notes += group.get("notes", [])
        for row in group.get("rows", []):
            extra = row.get("extra", {})
            if row["bench"].startswith("ceiling:"):
                ceilings[row["bench"].removeprefix("ceiling: ")] = {
                    "size": row["size"], "via": row["impl"], "value": extra.get("achieved"),
                    "unit": extra.get("throughput_unit")}
                continue
            rows.append({
                "bench": row["bench"], "size": row["size"], "impl": row["impl"],
                "dtype": extra.get("dtype"), "time_s": (row.get("minigrad") or {}).get("median"),
                "unit": extra.get("throughput_unit"),
                "achieved": extra.get("throughput", {}).get("minigrad"),
                "fraction_of_ceiling": extra.get("fraction_of_ceiling", {}).get("minigrad"),
                "speedup": speedups(row), "first_call_s": extra.get("first_call_s"),
                "autotune": extra.get("autotune"),
                "rel_diff": {k.removeprefix("rel_diff_vs_"): v for k, v in extra.items()
                             if k.startswith("rel_diff_vs_")}})
    return {"rows": rows, "ceilings": ceilings, "notes": notes,
            "failed": [n for n in notes if n.startswith("FAILED")],
            "partial": bool(data.get("settings", {}).get("partial"))}


def summarize_training(data: dict) -> dict:
    """The training rows of a benchmarks results.json (any device), condensed."""
    rows, notes = [], []
    for group in data.get("groups", []):
        if not group.get("name", "").startswith("training"):
            continue
        notes += group.get("notes", [])
        for row in group.get("rows", []):
            extra = row.get("extra", {})
            rows.append({"bench": row["bench"], "size": row["size"], "group": group["name"],
                         "time_s": (row.get("minigrad") or {}).get("median"),
                         "torch_s": (row.get("competitors", {}).get("torch") or {}).get("median"),
                         "speedup": speedups(row), "tokens_per_s": extra.get("tokens_per_s"),
                         "max_abs_loss_diff": extra.get("max_abs_loss_diff")})
    return {"rows": rows, "notes": notes, "failed": [n for n in notes if n.startswith("FAILED")],
            "partial": bool(data.get("settings", {}).get("partial"))}


# ---- targets -------------------------------------------------------------------------------------

def _rows(results: dict, bench: str, impl: str | None = None, size: Callable = lambda s: True):
    return [r for r in results.get("kernels", {}).get("rows", [])
            if r["bench"] == bench and (impl is None or r["impl"] == impl) and size(r["size"])]


def _x(row: dict, competitor: str) -> float | None:
    return row["speedup"].get(competitor)


def _all_at_least(values: list, floor: float) -> bool | None:
    values = [v for v in values if v is not None]
    return None if not values else all(v >= floor for v in values)


def _speed_target(results, label, bench, competitor, floor, size=lambda s: True, impl="triton"):
    rows = _rows(results, bench, impl, size)
    measured = "; ".join(f"{r['size']}: {_fmt_x(_x(r, competitor))}" for r in rows)
    return {"target": label, "measured": measured or "not measured",
            "met": _all_at_least([_x(r, competitor) for r in rows], floor)}


def evaluate_targets(results: dict) -> list[dict]:
    """Each target of the GPU issue with what this run measured and whether it is met
    (None: not measured in this run)."""
    targets = []
    tests = results.get("tests")
    if tests:
        green = tests["failed"] == 0 and tests.get("errors", 0) == 0 and tests["passed"] > 0
        on_gpu = bool((results.get("env") or {}).get("gpu"))
        targets.append({"target": "every GPU test green",
                        "measured": tests_status(tests) + ("" if on_gpu else " (no GPU: GPU tests skipped)"),
                        "met": green if on_gpu or not green else None})
    examples = results.get("examples")
    if examples:
        verdicts = [e.get("ok") for e in examples]
        targets.append({"target": "examples train on cuda to the CPU's quality",
                        "measured": "; ".join(f"{e['example']}: {e.get('note', '')}" for e in examples),
                        "met": None if None in verdicts else all(verdicts)})
    targets.append(_speed_target(results, "Triton matmul fp16 4096^3 >= 0.9x cuBLAS", "matmul fp16",
                                 "cupy", 0.9, size=lambda s: s == "4096x4096x4096"))
    softmax = _rows(results, "softmax fwd", "triton", lambda s: s.startswith("4096x"))
    fractions = [r["fraction_of_ceiling"] for r in softmax]
    targets.append({
        "target": "softmax fwd fp32 (4096 rows, 1k-8k columns) >= 1.0x torch.softmax and >= 75% "
                  "of copy bandwidth",
        "measured": "; ".join(f"{r['size']}: {_fmt_x(_x(r, 'torch'))}, {_fmt_pct(r['fraction_of_ceiling'])}"
                              for r in softmax) or "not measured",
        "met": None if not softmax else bool(_all_at_least([_x(r, "torch") for r in softmax], 1.0)
                                             and _all_at_least(fractions, 0.75))})
    targets.append(_speed_target(results, "fused cross-entropy fwd+bwd, 50,257 classes >= 2x the "
                                 "unfused CuPy composite", "cross_entropy fwd+bwd", "cupy", 2.0,
                                 size=lambda s: s.endswith("x50257")))
    targets.append(_speed_target(results, "flash attention fwd+bwd fp16 causal >= 0.8x SDPA",
                                 "attention fwd+bwd (causal)", "torch", 0.8))
    targets.append(_speed_target(results, "layer norm fwd+bwd >= 1.0x PyTorch",
                                 "layer_norm fwd+bwd", "torch", 1.0))
    adamw = _rows(results, "adamw update", "cupy")
    largest = adamw[-1:] if adamw else []
    targets.append({"target": "fused AdamW update >= 80% of copy bandwidth (largest size)",
                    "measured": "; ".join(f"{r['size']}: {_fmt_pct(r['fraction_of_ceiling'])}"
                                          for r in largest) or "not measured",
                    "met": _all_at_least([r["fraction_of_ceiling"] for r in largest], 0.8)})
    gpt = [r for r in results.get("training", {}).get("rows", []) if r["bench"] == "GPT-2-small step"]
    targets.append({"target": "GPT training step >= 1.0x PyTorch eager (tokens/s)",
                    "measured": "; ".join(f"{r['size']}: {_fmt_x(r['speedup'].get('torch'))}"
                                          for r in gpt) or "not measured",
                    "met": _all_at_least([r["speedup"].get("torch") for r in gpt], 1.0)})
    return targets


# ---- writing -------------------------------------------------------------------------------------

def _fmt_x(value: float | None) -> str:
    return "-" if value is None or not math.isfinite(value) else f"{value:.2f}x"


def _fmt_pct(value: float | None) -> str:
    return "-" if value is None else f"{100 * value:.0f}%"


def _fmt_s(value: float | None) -> str:
    return "-" if value is None else f"{value:.0f}"


def _verdict(met) -> str:
    return {True: "yes", False: "**NO**", None: "-"}[met]


def _table(headers: list[str], rows: list[list[str]], numbers: tuple = ()) -> list[str]:
    """A Markdown table; the columns whose indices are in `numbers` are right-aligned."""
    lines = ["| " + " | ".join(headers) + " |",
             "|" + "|".join("---:" if i in numbers else "---" for i in range(len(headers))) + "|"]
    lines += ["| " + " | ".join(str(c).replace("|", "\\|") for c in row) + " |" for row in rows]
    return lines


def header_lines(results: dict) -> list[str]:
    """The page's first lines: the device, the versions, the commit, the kernel choices."""
    env = results.get("env") or {}
    gpu = env.get("gpu") or {}
    versions = env.get("versions") or {}
    lines = []
    if gpu.get("name"):
        lines.append(f"{gpu['name']} (compute capability {gpu.get('compute_capability')}, "
                     f"{gpu.get('multiprocessors')} SMs, {gpu.get('memory_GiB')} GiB, L2 "
                     f"{gpu.get('l2_cache_MiB')} MiB); CUDA runtime {gpu.get('cuda_runtime')}, "
                     f"driver {gpu.get('cuda_driver')}; {env.get('nvidia_smi') or ''}".rstrip("; "))
    else:
        lines.append(f"no usable GPU: {env.get('no_gpu_reason', 'CuPy sees no CUDA device')}")
    lines.append("python " + str(env.get("python", "?")) + "; " +
                 ", ".join(f"{name} {version}" for name, version in versions.items() if version))
    setup = results.get("importable") or {}
    lines.append(f"commit {str(results.get('git_commit') or '?')[:12]}"
                 f"{' (with uncommitted changes)' if results.get('git_dirty') else ''}; "
                 f"started {results.get('started')}; minigrad importable via "
                 f"{setup.get('via', '?')}")
    if env.get("chosen"):
        lines.append("kernels on CuPy arrays: " +
                     ", ".join(f"{op} {impl}" for op, impl in env["chosen"].items()))
    if env.get("caches"):
        lines.append("compile caches at start: " +
                     ", ".join(f"{k} {v} files" for k, v in env["caches"].items()))
    return lines


def _parts_section(results: dict) -> list[str]:
    parts = results.get("parts", {})
    rows = [[name, parts[name].get("status", "?"), _fmt_s(parts[name].get("seconds")),
             parts[name].get("note", "")]
            for name in sorted(parts, key=lambda n: PARTS.index(n) if n in PARTS else len(PARTS))]
    lines = ["## Parts", ""] + _table(["part", "status", "seconds", "note"], rows, numbers=(2,))
    lines.append(f"\ntotal {_fmt_s(results.get('elapsed_s'))} s of a {results.get('budget_s')} s budget")
    if results.get("rerun_hint"):
        lines.append(f"\nrerun what did not pass: `{results['rerun_hint']}`")
    return lines


def _failures_section(results: dict, limit: int | None) -> list[str]:
    failures = (results.get("tests") or {}).get("failures") or []
    if not failures:
        return []
    lines = [f"## Failed tests ({len(failures)})", ""]
    for failure in failures[:limit]:
        where = f" ({failure['where']})" if failure.get("where") else ""
        lines.append(f"- `{failure['test']}`{where}")
        lines += [f"  - {line}" for line in failure.get("message", [])]
    if limit is not None and len(failures) > limit:
        lines.append(f"- ... and {len(failures) - limit} more in gpu_check.md")
    return lines


def _targets_section(results: dict) -> list[str]:
    return ["## Targets", ""] + _table(["target", "measured", "met"],
                                       [[t["target"], t["measured"], _verdict(t["met"])]
                                        for t in results.get("targets", [])])


def _kernels_section(results: dict) -> list[str]:
    kernels = results.get("kernels")
    if not kernels:
        return []
    ceilings = ", ".join(f"{name} {c['value']:.0f} {c['unit']}"
                         for name, c in kernels["ceilings"].items() if c.get("value"))
    lines = ["## Kernels (quick)", "",
             "x = competitor time / minigrad time (>= 1: minigrad as fast or faster); 'cupy' is "
             "cuBLAS through CuPy for matmuls, the CuPy composite otherwise. Ceilings measured in "
             f"this run: {ceilings or 'none'}.", ""]
    rows = [[r["bench"], r["size"], r["dtype"] or "-", r["impl"], fmt_time(r["time_s"]),
             "-" if r["achieved"] is None else f"{r['achieved']:.3g} {r['unit']}",
             _fmt_pct(r["fraction_of_ceiling"]), _fmt_x(r["speedup"].get("cupy")),
             _fmt_x(r["speedup"].get("torch")), fmt_time(r["first_call_s"])]
            for r in kernels["rows"]]
    lines += _table(["kernel", "size", "dtype", "impl", "time", "achieved", "% ceil", "x cupy",
                     "x torch", "first call"], rows, numbers=tuple(range(4, 10)))
    lines += [f"- {note}" for note in kernels["notes"]
              if note.startswith(("FAILED", "skipped")) or "declined" in note]
    return lines


def _training_section(results: dict) -> list[str]:
    training = results.get("training")
    if not training:
        return []
    rows = []
    for r in training["rows"]:
        tokens = r.get("tokens_per_s") or {}
        rows.append([r["bench"], r["size"], fmt_time(r["time_s"]), fmt_time(r["torch_s"]),
                     _fmt_x(r["speedup"].get("torch")),
                     f"{tokens['minigrad']:,.0f}" if "minigrad" in tokens else "-",
                     f"{tokens['torch']:,.0f}" if "torch" in tokens else "-",
                     "-" if r["max_abs_loss_diff"] is None else f"{r['max_abs_loss_diff']:.1e}"])
    lines = ["## Training steps", ""]
    lines += _table(["step", "size", "minigrad", "torch", "x torch", "tokens/s mg",
                     "tokens/s torch", "loss diff (3 steps)"], rows, numbers=tuple(range(2, 8)))
    lines += [f"- {note}" for note in training["notes"] if note.startswith(("FAILED", "skipped"))]
    return lines


def _examples_section(results: dict) -> list[str]:
    examples = results.get("examples")
    if not examples:
        return []
    rows = [[e["example"], e["metric"], _fmt_value(e["cuda"]), _fmt_value(e["cpu"]),
             _verdict(e.get("ok")), e.get("note", "")] for e in examples]
    return (["## Examples (cuda against the CPU, same seed)", ""] +
            _table(["example", "metric", "cuda", "cpu", "ok", "note"], rows, numbers=(2, 3)))


def summary_markdown(results: dict, terminal: bool = False) -> str:
    """The check's page: header, parts, failed tests, targets, kernels, training, examples.
    For the terminal, the parts come last and the failures are cut to a dozen: a tool that
    keeps only the end of the output still shows how every part went."""
    sections = [["# minigrad GPU check", ""] + [f"- {line}" for line in header_lines(results)]]
    if terminal:
        sections += [_kernels_section(results), _training_section(results),
                     _examples_section(results), _targets_section(results),
                     _failures_section(results, limit=12), _parts_section(results)]
    else:
        sections += [_parts_section(results), _failures_section(results, limit=None),
                     _targets_section(results), _kernels_section(results),
                     _training_section(results), _examples_section(results)]
    return "\n\n".join("\n".join(lines) for lines in sections if lines) + "\n"


def _fmt_value(run: dict) -> str:
    if run.get("value") is not None:
        return f"{run['value']:.4f}"
    return run.get("status", "-")


def appendix_markdown(bench_files: list[Path]) -> str:
    """The benchmarks' own tables (mg/competitor ratios, every impl) from their results.json."""
    parts = []
    for path in bench_files:
        if not path.exists():
            continue
        try:
            run = load_run(path)
        except (ValueError, KeyError, TypeError) as error:
            parts.append(f"({path.name} could not be read: {error})\n")
            continue
        parts += [render_markdown(group) for group in run.groups]
    if not parts:
        return ""
    return "\n## Appendix: the benchmark tables\n\n" + "\n".join(parts)


def evaluated(results: dict) -> dict:
    """The results with the schema name and the targets judged."""
    return dict(results, schema=SCHEMA, targets=evaluate_targets(results))


def write_outputs(results: dict, out: Path, bench_files: list[Path] = ()) -> tuple[Path, Path]:
    """gpu_check.json (everything) and gpu_check.md (the summary, then the appendix)."""
    out.mkdir(parents=True, exist_ok=True)
    results = evaluated(results)
    json_path = _replace(out / "gpu_check.json", json.dumps(results, indent=1, default=str) + "\n")
    md_path = _replace(out / "gpu_check.md", summary_markdown(results) + appendix_markdown(list(bench_files)))
    return json_path, md_path


def _replace(path: Path, text: str) -> Path:
    """Write `text` to `path` in one step, so a check stopped mid-write leaves the last
    complete file rather than half of a new one."""
    partial = path.with_name(path.name + ".tmp")
    partial.write_text(text)
    partial.replace(path)
    return path
