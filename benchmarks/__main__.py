"""python -m benchmarks [--device cpu|cuda] [--only NAME ...] [--quick] [--out DIR]

Runs every benchmark this machine can run, prints one table per group, and writes
results.json (every number and the environment), results.md and plots/*.png under the
output folder (default benchmarks/results/<date>-<devices>/). See benchmarks/README.md.
"""
from __future__ import annotations

import argparse
import datetime
import os
import sys
import time
import traceback
from dataclasses import asdict
from pathlib import Path

from . import harness
from . import distributed, engine, keras_fit, kernels_cpu, kernels_gpu, memory, report, sequence, training
from .harness import REPO_ROOT, ForeignLoad, TimingConfig, cupy_with_gpu, environment, set_threads
from .record import Context, Group, Run, Skip

# Group modules in the order their tables are printed. Each has plan(device) -> [Bench],
# GROUP, TITLE, COMPETITORS and NOTES.
MODULES = (engine, kernels_cpu, kernels_gpu, training, sequence, keras_fit, memory, distributed)
DEVICES = ("cpu", "cuda")


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks",
        description="minigrad benchmarks, side by side with PyTorch / NumPy / CuPy in the same run. "
                    "Ratios are minigrad time / competitor time (< 1: minigrad is faster).")
    parser.add_argument("--device", choices=DEVICES, action="append",
                        help="run this device's benchmarks (repeatable; default: cpu, plus cuda "
                             "when CuPy sees a GPU)")
    parser.add_argument("--only", nargs="+", metavar="NAME", default=None,
                        help="only these groups (engine, kernels, training, sequence, keras, memory, distributed), kernels "
                             "(matmul, softmax, ...) or benchmark ids (see --list)")
    parser.add_argument("--quick", action="store_true",
                        help="2-3 small sizes per kernel and shorter timing blocks (~3 min on 2 cores)")
    parser.add_argument("--out", type=Path, default=None,
                        help="output folder (default benchmarks/results/<date>-<devices>)")
    parser.add_argument("--threads", type=int, default=None,
                        help="threads for both NumPy's BLAS and PyTorch (default: the usable cores)")
    parser.add_argument("--list", action="store_true", help="list the benchmark ids and exit")
    parser.add_argument("--no-plots", action="store_true", help="skip the PNG plots")
    # For the test suite: the smallest size of each benchmark, timed with very few samples.
    parser.add_argument("--sizes", choices=("default", "tiny"), default="default", help=argparse.SUPPRESS)
    return parser.parse_args(argv)


def default_devices() -> list[str]:
    return ["cpu", "cuda"] if cupy_with_gpu() is not None else ["cpu"]


def full_plan(devices) -> list:
    """[(module, device, [Bench])] for every group module and device."""
    return [(module, device, module.plan(device)) for device in devices for module in MODULES]


def select(plan: list, only: list[str] | None) -> list:
    if not only:
        return plan
    return [(module, device, [b for b in benches if b.matches(only)]) for module, device, benches in plan]


def unknown_names(only: list[str]) -> list[str]:
    everything = [b for _, _, benches in full_plan(DEVICES) for b in benches]
    return [name for name in only if not any(b.matches([name]) for b in everything)]


def _group(module, device: str) -> Group:
    name = module.GROUP if device == "cpu" or module.GROUP.endswith("_gpu") else f"{module.GROUP}_gpu"
    title = module.TITLE if name == module.GROUP or module.GROUP.endswith("_gpu") else f"{module.TITLE} [GPU]"
    group = Group(name, title, list(module.COMPETITORS), list(module.NOTES),
                  kind="memory" if module is memory else "time")
    if "torch" in group.competitors and harness.optional_import("torch") is None:
        group.competitors.remove("torch")
        group.note("PyTorch is not installed: torch column dropped")
    return group


class Progress:
    """tqdm on stderr when installed, else one line per benchmark."""

    def __init__(self, total: int):
        self.total, self.done = total, 0
        tqdm = harness.optional_import("tqdm")
        self.bar = tqdm.tqdm(total=total, file=sys.stderr, unit="bench", dynamic_ncols=True) if tqdm else None

    def start(self, name: str) -> None:
        if self.bar is not None:
            self.bar.set_description(name)
        else:
            print(f"[{self.done + 1}/{self.total}] {name}", file=sys.stderr, flush=True)

    def finish(self) -> None:
        self.done += 1
        if self.bar is not None:
            self.bar.update(1)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()


def run_plan(plan: list, quick: bool, config: TimingConfig, sizes: str = "default",
             progress: bool = True, after_each=None) -> tuple[list[Group], int]:
    """Run the selected benchmarks; returns the groups (with rows and notes) and the failures.
    `after_each(groups)`, when given, is called after every benchmark with the groups so far
    (the command line writes partial results with it, so a run cut short keeps its rows)."""
    groups, failures = [], 0
    bar = Progress(sum(len(b) for _, _, b in plan)) if progress else None
    for module, device, benches in plan:
        if not benches:
            continue
        group = _group(module, device)
        groups.append(group)
        ctx = Context(device=device, quick=quick, config=config, group=group, sizes=sizes)
        for bench in benches:
            if bar:
                bar.start(bench.id)
            try:
                with ForeignLoad() as load:
                    rows = bench.run(ctx)
                for row in rows:
                    row.group = group.name
                    row.extra.setdefault("foreign_cpu", load.fraction)  # unless the bench measured its own
                group.rows.extend(rows)
            except Skip as skip:
                group.note(f"skipped {bench.id}: {skip}")
            except Exception as error:  # one broken benchmark must not lose the whole run
                failures += 1
                group.note(f"FAILED {bench.id}: {type(error).__name__}: {error}")
                traceback.print_exc(file=sys.stderr)
            if bar:
                bar.finish()
            if after_each is not None:
                after_each(groups)
        failures += len(ctx.errors)
        for name in list(group.competitors):
            if group.rows and not any(name in r.competitors for r in group.rows):
                group.competitors.remove(name)
                group.note(f"{name}: no figures in this run (not available here): column dropped")
    if bar:
        bar.close()
    return groups, failures


def main(argv=None) -> int:
    args = parse_args(argv)
    devices = args.device or default_devices()
    devices = list(dict.fromkeys(devices))
    if "cuda" in devices and cupy_with_gpu() is None:
        print("python -m benchmarks: --device cuda needs CuPy and a CUDA GPU, and none is usable here",
              file=sys.stderr)
        return 2
    if args.list:
        for module, device, benches in full_plan(devices):
            for bench in benches:
                print(f"{bench.id:40s} group {bench.group:12s} device {device}")
        return 0
    if args.only:
        unknown = unknown_names(args.only)
        if unknown:
            print(f"python -m benchmarks: --only {' '.join(unknown)} matches no benchmark; "
                  f"see --list", file=sys.stderr)
            return 2

    threads = set_threads(args.threads)
    if args.sizes == "tiny":
        config = TimingConfig.tiny()
    else:
        config = TimingConfig.quick() if args.quick else TimingConfig.full()
    if args.quick and "cuda" in devices:
        # Quick GPU runs time two matmul configurations per dtype, not all of them (see
        # kernels/triton/matmul.py); an explicit MINIGRAD_AUTOTUNE wins.
        os.environ.setdefault("MINIGRAD_AUTOTUNE", "quick")
    started = time.perf_counter()
    env = environment()
    settings = {"quick": args.quick, "sizes": args.sizes, "devices": devices, "only": args.only,
                "threads_set": threads, "timing": asdict(config),
                "autotune": os.environ.get("MINIGRAD_AUTOTUNE", "full")}
    lead = distributed.launcher_rank() == 0  # under mpiexec, rank 0 alone reports
    out = args.out or REPO_ROOT / "benchmarks" / "results" / (
        datetime.datetime.now().strftime("%Y%m%d-%H%M%S") + "-" + "-".join(devices))
    if lead:
        out.mkdir(parents=True, exist_ok=True)

    def write_partial(groups_so_far):
        partial = Run(environment=env, settings={**settings, "partial": True}, groups=groups_so_far)
        report.write_json(partial, out / "results.json")

    plan = select(full_plan(devices), args.only)
    groups, failures = run_plan(plan, args.quick, config, sizes=args.sizes, progress=lead,
                                after_each=write_partial if lead else None)
    if not lead:
        return 1 if failures else 0
    run = Run(environment=env, settings=settings, groups=groups)
    run.settings["elapsed_s"] = round(time.perf_counter() - started, 1)
    if args.no_plots:
        plots, note = [], "plots skipped (--no-plots)"
    else:
        plots, note = report.write_plots(run, out / "plots")
    if note:
        run.notes.append(note)
    report.write_json(run, out / "results.json")
    report.write_markdown(run, out / "results.md")

    print(report.render_run_text(run))
    print(f"\nwrote {out / 'results.json'}, {out / 'results.md'} and {len(plots)} plots in "
          f"{out / 'plots'}; total {run.settings['elapsed_s']} s")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
