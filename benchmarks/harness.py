"""Timing and environment capture: how every number in the benchmark tables is taken.

The method (benchmarks/README.md explains why):

* every side (minigrad, NumPy, PyTorch, ...) is warmed up outside the timing;
* a *sample* is the time of `inner` back-to-back calls divided by `inner`, with `inner`
  calibrated so that one sample lasts at least `sample_s` (a timer read costs ~50 ns, a
  tracked 8x8 add ~1 us: timing single calls would measure the clock);
* the sides are ALTERNATED IN BLOCKS, not call by call: warm side A for `warm_s` untimed,
  collect samples of A for `block_s`, then the same for B, and so on for `rounds` rounds,
  rotating which side goes first. On a 2-core machine NumPy's BLAS threads and PyTorch's
  OpenMP threads spin-wait after each call; interleaving single calls would make each side
  pay for the other's idle threads;
* the figure reported is the median of all samples, with the quartiles, min and max.

On the GPU a sample is timed with CUDA events around the `inner` calls after a device
synchronize (CPU wall-clock would measure the launch, not the kernel).
"""
from __future__ import annotations

import datetime
import importlib
import math
import os
import platform
import subprocess
import sys
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Callable

import numpy as np

REPO_ROOT = Path(__file__).resolve().parent.parent


# ---- optional libraries -----------------------------------------------------------------

def optional_import(name: str):
    """The module `name`, or None when it is not installed (or fails to import).

    Every benchmark goes through this helper to reach a competitor library, so that a
    missing competitor drops a column instead of failing the run (and tests can simulate a
    missing library by replacing this function).
    """
    try:
        return importlib.import_module(name)
    except Exception:  # ImportError, or a broken install (e.g. CuPy without a driver)
        return None


def cupy_with_gpu():
    """CuPy when it imports and sees a GPU, else None."""
    cupy = optional_import("cupy")
    if cupy is None:
        return None
    try:
        if cupy.cuda.runtime.getDeviceCount() < 1:
            return None
    except Exception:
        return None
    return cupy


# ---- statistics ---------------------------------------------------------------------------

@dataclass
class Stats:
    """Summary of the per-call times (seconds) of one side of one measurement."""

    median: float
    q1: float
    q3: float
    min: float
    max: float
    samples: int  # number of samples (each the mean of `inner` calls)
    inner: int  # calls per sample
    values: list = field(default_factory=list, repr=False)  # the samples themselves

    @classmethod
    def from_samples(cls, values: list[float], inner: int) -> "Stats":
        array = np.asarray(values, dtype=np.float64)
        q1, median, q3 = np.percentile(array, [25, 50, 75])
        return cls(float(median), float(q1), float(q3), float(array.min()), float(array.max()),
                   len(values), int(inner), [float(v) for v in values])

    @property
    def spread(self) -> float:
        """Half the interquartile range relative to the median (0.03 means +-3%)."""
        return (self.q3 - self.q1) / (2 * self.median) if self.median > 0 else 0.0

    def to_dict(self) -> dict:
        return asdict(self)


# ---- clocks ---------------------------------------------------------------------------------

class CpuClock:
    """Wall-clock timing of `inner` calls with perf_counter (CPU work is synchronous)."""

    name = "perf_counter"

    def sync(self) -> None:
        pass

    def sample(self, fn: Callable[[], object], inner: int) -> float:
        start = time.perf_counter()
        for _ in range(inner):
            fn()
        return (time.perf_counter() - start) / inner


class CupyClock:
    """CUDA events (cupy.cuda.Event) recorded on CuPy's current stream around `inner` calls.

    CuPy and PyTorch both default to the legacy default stream, which Triton launches also
    use when no other stream is set, so the events bracket the kernels being timed.
    """

    name = "cuda events (cupy)"

    def __init__(self, cupy):
        self.cupy = cupy

    def sync(self) -> None:
        self.cupy.cuda.runtime.deviceSynchronize()

    def sample(self, fn, inner: int) -> float:
        cp = self.cupy
        self.sync()
        start, end = cp.cuda.Event(), cp.cuda.Event()
        start.record()
        for _ in range(inner):
            fn()
        end.record()
        end.synchronize()
        return cp.cuda.get_elapsed_time(start, end) / 1e3 / inner


class TorchCudaClock:
    """CUDA events (torch.cuda.Event) on PyTorch's current stream around `inner` calls."""

    name = "cuda events (torch)"

    def __init__(self, torch):
        self.torch = torch

    def sync(self) -> None:
        self.torch.cuda.synchronize()

    def sample(self, fn, inner: int) -> float:
        torch = self.torch
        self.sync()
        start = torch.cuda.Event(enable_timing=True)
        end = torch.cuda.Event(enable_timing=True)
        start.record()
        for _ in range(inner):
            fn()
        end.record()
        end.synchronize()
        return start.elapsed_time(end) / 1e3 / inner


class SyncedWallClock:
    """Wall-clock around `inner` calls followed by a device synchronize: for whole training
    steps on the GPU, where the host-side Python work is part of what is measured."""

    name = "perf_counter + synchronize"

    def __init__(self, sync: Callable[[], None]):
        self._sync = sync

    def sync(self) -> None:
        self._sync()

    def sample(self, fn, inner: int) -> float:
        self._sync()
        start = time.perf_counter()
        for _ in range(inner):
            fn()
        self._sync()
        return (time.perf_counter() - start) / inner


# ---- the block-alternating comparison ------------------------------------------------------

@dataclass
class TimingConfig:
    """How long to warm and time each side. `quick()` and `full()` are the CLI's presets."""

    rounds: int = 3  # blocks per side; the sides alternate between blocks
    warm_s: float = 0.05  # untimed calls before each block
    block_s: float = 0.15  # timed samples per block, in seconds
    sample_s: float = 0.002  # a sample lasts at least this long (sets `inner`)
    min_samples: int = 2  # per block, even when a single call outlasts block_s
    max_inner: int = 200_000

    @classmethod
    def quick(cls) -> "TimingConfig":
        return cls(rounds=3, warm_s=0.05, block_s=0.1, sample_s=0.002)

    @classmethod
    def full(cls) -> "TimingConfig":
        # warm_s outlasts OpenBLAS's idle spinning (~0.1 s) left over from the previous block
        return cls(rounds=5, warm_s=0.15, block_s=0.2, sample_s=0.004)

    @classmethod
    def tiny(cls) -> "TimingConfig":
        """For tests: every number is still produced, just from very few samples."""
        return cls(rounds=2, warm_s=0.0, block_s=0.0, sample_s=0.0002, min_samples=2)


@dataclass
class Side:
    """One contestant in a measurement: a zero-argument callable and the clock that times it."""

    name: str
    fn: Callable[[], object]
    clock: object = field(default_factory=CpuClock)


def _calibrate(side: Side, config: TimingConfig) -> int:
    """Calls per sample so that a sample lasts about `sample_s` (the first call is a warm-up)."""
    side.fn()
    inner = 1
    while True:
        elapsed = side.clock.sample(side.fn, inner) * inner
        if elapsed >= config.sample_s / 4 or inner >= config.max_inner:
            break
        inner *= 8
    per_call = max(elapsed / inner, 1e-9)
    return int(min(config.max_inner, max(1, math.ceil(config.sample_s / per_call))))


def _run_block(side: Side, inner: int, config: TimingConfig, into: list) -> None:
    start = time.perf_counter()
    side.fn()  # at least one untimed call, so a block never starts cold
    while time.perf_counter() - start < config.warm_s:
        side.fn()
    side.clock.sync()
    taken = 0
    start = time.perf_counter()
    while taken < config.min_samples or time.perf_counter() - start < config.block_s:
        into.append(side.clock.sample(side.fn, inner))
        taken += 1


def compare(sides: list[Side], config: TimingConfig) -> dict[str, Stats]:
    """Time every side, alternating them in blocks; return {side name: Stats}.

    Round r starts with side r mod n, so no side is always the one that runs right after
    another library has filled the caches or left its threads spinning.
    """
    if not sides:
        return {}
    inner = {side.name: _calibrate(side, config) for side in sides}
    samples: dict[str, list] = {side.name: [] for side in sides}
    n = len(sides)
    for r in range(config.rounds):
        for side in sides[r % n:] + sides[: r % n]:
            _run_block(side, inner[side.name], config, samples[side.name])
    return {name: Stats.from_samples(values, inner[name]) for name, values in samples.items()}


# ---- threads ----------------------------------------------------------------------------------

def usable_cores() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:
        return os.cpu_count() or 1


def set_threads(n: int | None) -> dict:
    """Give NumPy's BLAS and PyTorch the same number of threads (default: the usable cores).

    Returns what was set, for the environment record. BLAS threads can only be changed
    at run time through threadpoolctl; without it they stay at the library default and the
    record says so.
    """
    n = n or usable_cores()
    info = {"requested": n}
    torch = optional_import("torch")
    if torch is not None:
        torch.set_num_threads(n)
        info["torch"] = torch.get_num_threads()
    threadpoolctl = optional_import("threadpoolctl")
    if threadpoolctl is not None:
        # Kept referenced on the module so the limit stays in force for the whole run.
        set_threads._limits = threadpoolctl.threadpool_limits(limits=n, user_api="blas")
        info["blas"] = "limited by threadpoolctl"
    else:
        info["blas"] = "library default (threadpoolctl not installed)"
    return info


def thread_report() -> dict:
    """The threads each library will actually use, and the environment variables that set them."""
    report = {"usable_cores": usable_cores(), "os_cpu_count": os.cpu_count()}
    report["env"] = {key: os.environ[key] for key in
                     ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS",
                      "NUMEXPR_NUM_THREADS", "VECLIB_MAXIMUM_THREADS") if key in os.environ}
    torch = optional_import("torch")
    if torch is not None:
        report["torch_num_threads"] = torch.get_num_threads()
        report["torch_num_interop_threads"] = torch.get_num_interop_threads()
    threadpoolctl = optional_import("threadpoolctl")
    if threadpoolctl is not None:
        report["threadpools"] = [
            {"user_api": p.get("user_api"), "internal_api": p.get("internal_api"),
             "num_threads": p.get("num_threads"), "version": p.get("version"),
             "library": Path(p.get("filepath", "")).name}
            for p in threadpoolctl.threadpool_info()]
    return report


# ---- environment --------------------------------------------------------------------------------

def _cpu_model() -> str:
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def _git(*args: str) -> str | None:
    try:
        out = subprocess.run(["git", *args], cwd=REPO_ROOT, capture_output=True, text=True, timeout=10)
    except (OSError, subprocess.SubprocessError):
        return None
    return out.stdout.strip() if out.returncode == 0 else None


def _version(name: str) -> str | None:
    module = optional_import(name)
    return getattr(module, "__version__", "installed") if module is not None else None


def _gpu_info() -> dict | None:
    cupy = cupy_with_gpu()
    if cupy is None:
        return None
    props = cupy.cuda.runtime.getDeviceProperties(cupy.cuda.Device().id)
    name = props.get("name", b"")
    return {
        "name": name.decode() if isinstance(name, bytes) else str(name),
        "memory_GiB": round(props.get("totalGlobalMem", 0) / 2**30, 1),
        "multiprocessors": props.get("multiProcessorCount"),
        "l2_cache_MiB": round(props.get("l2CacheSize", 0) / 2**20, 1),
        "compute_capability": f"{props.get('major')}.{props.get('minor')}",
        "cuda_runtime": cupy.cuda.runtime.runtimeGetVersion(),
        "cuda_driver": cupy.cuda.runtime.driverGetVersion(),
    }


def environment() -> dict:
    """Everything needed to read a result later: machine, versions, threads, date, commit."""
    dirty = _git("status", "--porcelain", "--untracked-files=no")
    return {
        "date": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
        "cpu_model": _cpu_model(),
        "cores": usable_cores(),
        "platform": platform.platform(),
        "python": sys.version.split()[0],
        "versions": {name: _version(name) for name in
                     ("numpy", "torch", "triton", "cupy", "matplotlib", "minigrad")},
        "threads": thread_report(),
        "gpu": _gpu_info(),
        "git_commit": _git("rev-parse", "HEAD"),
        "git_dirty": bool(dirty) if dirty is not None else None,
    }


# ---- other processes ----------------------------------------------------------------------------

class ForeignLoad:
    """How much CPU other processes used while we measured (Linux /proc; None elsewhere).

    On a 2-core machine a test suite running beside the benchmark halves the cores we have,
    and thread pools that spin-wait suffer far more than that. The tables flag rows taken
    while others used a noticeable share of the machine.

        with ForeignLoad() as load: ...      load.fraction -> 0.0 (idle) .. 1.0 (all cores)
    """

    def __init__(self):
        self.fraction: float | None = None

    @staticmethod
    def _snapshot():
        try:
            with open("/proc/stat") as f:
                fields = [int(v) for v in f.readline().split()[1:]]
            with open("/proc/self/stat") as f:
                own = f.read().rsplit(")", 1)[1].split()
        except (OSError, ValueError, IndexError):
            return None
        idle = fields[3] + (fields[4] if len(fields) > 4 else 0)  # idle + iowait
        busy = sum(fields[:8]) - idle  # user nice system idle iowait irq softirq steal
        mine = int(own[11]) + int(own[12])  # utime + stime of every thread of this process
        return busy, sum(fields[:8]), mine

    def __enter__(self):
        self._start = self._snapshot()
        return self

    def __exit__(self, *exc):
        end = self._snapshot()
        if self._start is None or end is None:
            return False
        busy, total, mine = (b - a for a, b in zip(self._start, end))
        if total > 0:
            self.fraction = max(0.0, (busy - mine) / total)
        return False
