"""The GPU check: everything minigrad's GPU half needs verified and measured, in one command
that fits a few minutes on a freshly started GPU machine.

    bash scripts/gpu_check.sh                          # everything; results in $OUT or a folder
    bash scripts/gpu_check.sh --only tests -k matmul   # one part again, after a fix
    bash scripts/gpu_check.sh --only tests --tests tests/kernels/test_gpu.py::test_matmul
    bash scripts/gpu_check.sh --only bench --bench softmax attention

Parts, in order (each a child process with its own timeout, so one hang costs only its
part; all of them inside one time budget):

    setup     make minigrad importable from this tree with what is installed, offline:
              `pip install --no-deps --no-build-isolation --no-index -e .` where setuptools
              is new enough for pyproject.toml (>= 77), else PYTHONPATH
    env       the device, the driver and the versions; which kernel each op runs on CuPy
    tests     pytest -m "gpu or triton": the GPU tests and the Triton tests compiled, with
              a per-test timeout, in parallel workers (pytest-xdist) where installed
    examples  digits and char_gpt trained a few steps with --device cuda and on the CPU,
              side by side with the tests (they are not timed)
    kernels   python -m benchmarks --device cuda --quick --only kernels_gpu
    training  python -m benchmarks --device cuda --quick --only training

Results: gpu_check.md (the summary, then the benchmark tables), gpu_check.json, logs.txt,
bench_kernels.json and bench_training.json, written to --out after every part (so a run cut
short keeps what it finished); the summary is also printed last. Triton's matmul autotuning
is bounded (MINIGRAD_AUTOTUNE=quick: two configurations per dtype) and every first call is
timed, so compilation shows in the kernel table.
"""
from __future__ import annotations

import argparse
import datetime
import importlib.metadata
import importlib.util
import json
import os
import shlex
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import traceback
from dataclasses import dataclass, field
from pathlib import Path

from . import gpu_report
from .harness import REPO_ROOT

PARTS = gpu_report.PARTS
# --only names -> parts; setup and env always run (every other part needs them).
ONLY = {"env": (), "tests": ("tests",), "examples": ("examples",), "kernels": ("kernels",),
        "training": ("training",), "bench": ("kernels", "training")}
# Seconds each part may take at most (H100 estimates with room); the budget caps them all.
TIMEOUTS = {"setup": 90, "env": 60, "tests": 200, "examples": 150, "kernels": 150, "training": 120}
BUDGET_S = 340  # the whole check, so that it ends inside 6 minutes
RESERVE_S = 8  # kept back at the end for writing the results
MIN_PART_S = 20  # a part that would get less is skipped
LOG_PART_CHARS = 400_000  # per part in logs.txt: its head and tail
TEST_MARKERS = "gpu or triton"
MAX_RERUN_IDS = 12  # failing test functions named in the rerun hint (more: their files)
MIN_SETUPTOOLS = (77,)


def parse_args(argv=None) -> argparse.Namespace:
    """The check's command line; args.timeouts holds each part's timeout after overrides."""
    parser = argparse.ArgumentParser(
        prog="bash scripts/gpu_check.sh",
        description="Check and measure minigrad on a GPU in one run (see benchmarks/README.md).")
    parser.add_argument("--out", type=Path, default=None,
                        help="folder for the results (default: $OUT, else benchmarks/results/gpu-check-<time>)")
    parser.add_argument("--only", nargs="+", choices=sorted(ONLY), default=None,
                        help="run only these parts (setup and env always run)")
    parser.add_argument("-k", dest="keyword", default=None, help="pytest -k expression for the tests part")
    parser.add_argument("--lf", action="store_true", help="pytest --lf: rerun the tests that failed last time")
    parser.add_argument("--tests", nargs="+", default=None, metavar="NODEID",
                        help="pytest paths or node ids instead of the whole suite")
    parser.add_argument("--bench", nargs="+", default=None, metavar="NAME",
                        help="benchmark names for the kernels and training parts (python -m benchmarks --list)")
    parser.add_argument("--budget", type=float, default=BUDGET_S, help="seconds for the whole check")
    parser.add_argument("--part-timeout", action="append", default=[], metavar="PART=SECONDS",
                        help="override one part's timeout, e.g. tests=300 (repeatable)")
    parser.add_argument("--test-timeout", type=float, default=120, help="seconds per test (pytest-timeout)")
    parser.add_argument("--workers", type=int, default=None,
                        help="pytest-xdist workers (default: min(12, cores - 4); 1 runs in one process)")
    parser.add_argument("--probe", action="store_true", help=argparse.SUPPRESS)  # the env part's child
    args = parser.parse_args(argv)
    args.timeouts = dict(TIMEOUTS)
    for item in args.part_timeout:
        part, sep, seconds = item.partition("=")
        if not sep or part not in TIMEOUTS:
            parser.error(f"--part-timeout {item}: expected PART=SECONDS with PART one of {', '.join(TIMEOUTS)}")
        try:
            args.timeouts[part] = float(seconds)
        except ValueError:
            parser.error(f"--part-timeout {item}: {seconds!r} is not a number of seconds")
    return args


def selected_parts(only: list[str] | None) -> list[str]:
    """The parts to run, in PARTS order."""
    if not only:
        return list(PARTS)
    chosen = {"setup", "env"} | {part for name in only for part in ONLY[name]}
    return [part for part in PARTS if part in chosen]


# ---- child processes -----------------------------------------------------------------------------

@dataclass
class Job:
    """One child process: its command, its timeout, and (once run) what it did."""

    name: str
    command: list[str]
    timeout: float
    env: dict | None = None
    cwd: Path = REPO_ROOT
    returncode: int | None = None
    seconds: float = 0.0
    timed_out: bool = False
    output: str = ""
    error: str | None = None  # could not be started
    _process: object = field(default=None, repr=False)
    _log: object = field(default=None, repr=False)


def _stop(process) -> None:
    """End a child and everything it started (its own process group), politely first."""
    for sig, wait in ((signal.SIGTERM, 5.0), (signal.SIGKILL, 5.0)):
        try:
            os.killpg(process.pid, sig)
        except (ProcessLookupError, PermissionError):
            return
        try:
            process.wait(timeout=wait)
            return
        except subprocess.TimeoutExpired:
            continue


def run_jobs(jobs: list[Job], poll_s: float = 0.1) -> list[Job]:
    """Run the jobs side by side; each is stopped at its own timeout. Output (stdout and
    stderr together) lands in job.output."""
    started = {}
    for job in jobs:
        job._log = tempfile.TemporaryFile("w+", encoding="utf-8", errors="replace")
        started[job.name] = time.monotonic()
        try:
            job._process = subprocess.Popen(job.command, cwd=job.cwd, env=job.env, stdout=job._log,
                                            stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                            start_new_session=True)
        except OSError as error:
            job.error = f"{type(error).__name__}: {error}"
    running = [job for job in jobs if job._process is not None]
    while running:
        for job in list(running):
            if job._process.poll() is not None:
                job.returncode = job._process.returncode
            elif time.monotonic() - started[job.name] > job.timeout:
                job.timed_out = True
                _stop(job._process)
                job.returncode = job._process.poll()
            else:
                continue
            job.seconds = time.monotonic() - started[job.name]
            running.remove(job)
        if running:
            time.sleep(poll_s)
    for job in jobs:
        job._log.seek(0)
        job.output = job._log.read()
        job._log.close()
    return jobs


def run_one(job: Job) -> Job:
    """run_jobs for a single job."""
    return run_jobs([job])[0]


def _clip(text: str, limit: int = LOG_PART_CHARS) -> str:
    if len(text) <= limit:
        return text
    half = limit // 2
    return f"{text[:half]}\n[... {len(text) - limit} characters left out ...]\n{text[-half:]}"


# ---- the parts -----------------------------------------------------------------------------------

def _version_tuple(text: str) -> tuple:
    numbers = []
    for piece in text.split("."):
        digits = "".join(c for c in piece if c.isdigit())
        if not digits:
            break
        numbers.append(int(digits))
    return tuple(numbers)


def _installed_version(dist: str) -> str | None:
    try:
        return importlib.metadata.version(dist)
    except importlib.metadata.PackageNotFoundError:
        return None


def _imports_from(python: str, root: Path, env: dict, timeout: float = 60) -> tuple[bool, str]:
    """Does `python` import minigrad and kernels from `root`, run from a folder outside it?"""
    code = "import minigrad, kernels; print(minigrad.__file__)"
    job = run_one(Job("import check", [python, "-c", code], timeout, env=env,
                      cwd=Path(tempfile.gettempdir())))
    lines = job.output.strip().splitlines()
    where = lines[-1] if lines else job.error or "no output"
    ok = job.returncode == 0 and Path(where).resolve().is_relative_to(root.resolve())
    return ok, where


def make_importable(python: str, root: Path, timeout: float) -> tuple[dict, Job | None]:
    """Make minigrad importable from `root` without a network; returns what was done and the
    pip job (when pip ran). Whatever the way, the children get the environment it needs."""
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    ok, where = _imports_from(python, root, env)
    if ok:
        return {"via": "already installed", "where": where}, None
    setuptools = _installed_version("setuptools")
    pip_job = None
    if setuptools and _version_tuple(setuptools) >= MIN_SETUPTOOLS:
        pip_job = run_one(Job("pip install -e", [
            python, "-m", "pip", "install", "--no-deps", "--no-build-isolation", "--no-index",
            "--no-input", "--disable-pip-version-check", "-q", "-e", str(root)], timeout, env=env))
        ok, where = _imports_from(python, root, env)
        if ok:
            return {"via": "pip install -e (offline)", "where": where, "setuptools": setuptools}, pip_job
        reason = f"pip install -e failed (exit {pip_job.returncode})"
    else:
        reason = (f"setuptools {setuptools or 'missing'}: pyproject.toml needs >= "
                  f"{'.'.join(map(str, MIN_SETUPTOOLS))}, so no pip install")
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(root), os.environ.get("PYTHONPATH")]))
    ok, where = _imports_from(python, root, env)
    return {"via": "PYTHONPATH" if ok else "nothing worked", "where": where, "why": reason,
            "setuptools": setuptools, "pythonpath": env["PYTHONPATH"]}, pip_job


def child_env(importable: dict) -> dict:
    """The environment of every part's process."""
    env = dict(os.environ)
    if importable.get("pythonpath"):
        env["PYTHONPATH"] = importable["pythonpath"]
    env["PYTHONUNBUFFERED"] = "1"
    env["MPLBACKEND"] = "Agg"
    env["TQDM_DISABLE"] = "1"  # no progress bars in the logs
    env.setdefault("MINIGRAD_AUTOTUNE", "quick")
    return env


def probe() -> dict:
    """What the env part reports (run in a child: a broken CUDA setup can hang or crash)."""
    import platform

    info = {"python": sys.version.split()[0], "executable": sys.executable,
            "platform": platform.platform(), "cores": os.cpu_count()}
    dists = {"numpy": ("numpy",), "cupy": ("cupy-cuda13x", "cupy-cuda12x", "cupy"),
             "triton": ("triton",), "torch": ("torch",), "pytest": ("pytest",),
             "pytest-xdist": ("pytest-xdist",), "pytest-timeout": ("pytest-timeout",),
             "hypothesis": ("hypothesis",), "setuptools": ("setuptools",),
             "ml_dtypes": ("ml_dtypes", "ml-dtypes")}
    info["versions"] = {name: next(filter(None, map(_installed_version, names)), None)
                        for name, names in dists.items()}
    info["caches"] = {name: _count_files(path) for name, path in (
        ("triton", Path(os.environ.get("TRITON_CACHE_DIR", Path.home() / ".triton" / "cache"))),
        ("cupy", Path(os.environ.get("CUPY_CACHE_DIR", Path.home() / ".cupy" / "kernel_cache"))))}
    try:
        smi = subprocess.run(["nvidia-smi", "--query-gpu=name,driver_version,memory.total,"
                              "clocks.max.sm,power.limit", "--format=csv,noheader"],
                             capture_output=True, text=True, timeout=20)
        info["nvidia_smi"] = smi.stdout.strip() or smi.stderr.strip()
    except (OSError, subprocess.SubprocessError) as error:
        info["nvidia_smi"] = f"not available ({type(error).__name__})"
    import minigrad as mg
    from minigrad import backend

    info["minigrad"] = str(Path(mg.__file__).parent)
    if not mg.cuda.is_available():
        try:
            backend.xp_for("cuda")
        except RuntimeError as error:
            info["no_gpu_reason"] = str(error)
        info["gpu"] = None
        return info
    from .harness import _gpu_info

    info["gpu"] = _gpu_info()
    import cupy

    import kernels

    sample = cupy.zeros(1, dtype=cupy.float32)
    info["chosen"] = {op: kernels.chosen(op, sample) for op in kernels.dispatch.REGISTRY}
    try:
        import torch
    except ImportError:
        return info
    info["torch_cuda"] = {"available": torch.cuda.is_available(), "built_for": torch.version.cuda,
                          "device": torch.cuda.get_device_name(0) if torch.cuda.is_available() else None}
    return info


def _count_files(path: Path) -> int:
    if not path.is_dir():
        return 0
    return sum(len(files) for _, _, files in os.walk(path))


def tests_command(args, python: str, junit: Path, workers: int) -> list[str]:
    """pytest for the tests part: the GPU and compiled-Triton tests, verbose (so a run cut
    short can still be counted from its log), JUnit XML for the summary."""
    command = [python, "-m", "pytest", *(args.tests or []), "-m", TEST_MARKERS, "-v", "-rfE",
               "--tb=short", "--color=no", f"--junitxml={junit}"]
    parallel = workers > 1 and importlib.util.find_spec("xdist") is not None
    if parallel:
        command += ["-n", str(workers)]
    if importlib.util.find_spec("pytest_timeout") is not None:
        # 'thread' ends a test stuck inside a CUDA call too (its worker exits and xdist starts
        # another); without xdist that would end the whole run, so 'signal' there.
        command += [f"--timeout={args.test_timeout:g}",
                    f"--timeout-method={'thread' if parallel else 'signal'}"]
    if args.keyword:
        command += ["-k", args.keyword]
    if args.lf:
        command.append("--lf")
    return command


def default_workers() -> int:
    """pytest-xdist workers: the cores less four (left to the examples beside them), 1..12.
    The GPU tests spend most of their time compiling Triton and CuPy kernels on the CPU."""
    return max(1, min(12, (os.cpu_count() or 1) - 4))


def example_jobs(python: str, env: dict, timeout: float) -> list[tuple]:
    """(example, device, Job) for each example on cuda and on the CPU."""
    jobs = []
    for example in gpu_report.EXAMPLES:
        for device in ("cuda", "cpu"):
            job_env = dict(env)
            if device == "cpu":  # leave the cores to the tests and the cuda runs
                job_env.update(OMP_NUM_THREADS="2", OPENBLAS_NUM_THREADS="2", MKL_NUM_THREADS="2")
            jobs.append((example, device, Job(f"{example.name} {device}",
                                              [python, example.script, "--device", device,
                                               *example.args], timeout, env=job_env)))
    return jobs


def bench_names(part: str, names: list[str] | None) -> list[str]:
    """The --only names for a benchmark part: its group, or the user's names that select
    something in it (empty: the part has nothing to run)."""
    from . import __main__ as cli

    group = "kernels_gpu" if part == "kernels" else "training"
    if not names:
        return [group]
    benches = [b for module, _device, bs in cli.full_plan(["cuda"]) for b in bs
               if b.group == group]
    return [name for name in names if any(b.matches([name]) for b in benches)]


def bench_command(python: str, names: list[str], out: Path) -> list[str]:
    """python -m benchmarks for a benchmark part, quick, on the GPU, without plots."""
    return [python, "-m", "benchmarks", "--device", "cuda", "--quick", "--only", *names,
            "--out", str(out), "--no-plots"]


# ---- the check -----------------------------------------------------------------------------------

class Check:
    """Runs the parts in order inside the budget and rewrites the results after each."""

    def __init__(self, args, out: Path, work: Path):
        self.args, self.out, self.work = args, out, work
        self.python = sys.executable
        self.started = time.monotonic()
        self.deadline = self.started + args.budget
        self.results = {"started": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
                        "command": ["bash", "scripts/gpu_check.sh", *(args.argv or [])],
                        "budget_s": args.budget, "parts": {}}
        self.results.update(_git_state())
        self.logs = out / "logs.txt"
        self.bench_files = []
        self.env = None

    # -- bookkeeping

    def time_for(self, part: str) -> float | None:
        """The part's timeout within what is left of the budget, or None: no time left."""
        left = self.deadline - time.monotonic() - RESERVE_S
        return None if left < MIN_PART_S else min(self.args.timeouts[part], left)

    def record(self, part: str, status: str, seconds: float = 0.0, note: str = "", **extra) -> None:
        """Note a part's outcome, print it, and rewrite the results."""
        self.results["parts"][part] = {"status": status, "seconds": round(seconds, 1), "note": note, **extra}
        print(f"[gpu check] {part}: {status} ({seconds:.0f} s){'; ' + note if note else ''}", flush=True)
        self.save()

    def log(self, job: Job) -> None:
        """Append a job's command and output to logs.txt."""
        with self.logs.open("a", encoding="utf-8") as f:
            f.write(f"\n===== {job.name}: exit {job.returncode}, {job.seconds:.1f} s"
                    f"{', TIMED OUT' if job.timed_out else ''} =====\n$ {shlex.join(job.command)}\n")
            f.write(_clip(job.output))
            if job.error:
                f.write(f"\ncould not start: {job.error}\n")

    def save(self) -> None:
        """Write gpu_check.json and gpu_check.md as they stand."""
        self.results["elapsed_s"] = round(time.monotonic() - self.started, 1)
        gpu_report.write_outputs(self.results, self.out, self.bench_files)

    def skip(self, part: str, why: str) -> None:
        """Record a part that did not run, and why."""
        self.record(part, f"skipped: {why}")

    # -- parts

    def setup(self) -> None:
        """The setup part: make minigrad importable, and fix the children's environment."""
        timeout = self.time_for("setup") or MIN_PART_S
        started = time.monotonic()
        importable, pip_job = make_importable(self.python, REPO_ROOT, timeout)
        if pip_job is not None:
            self.log(pip_job)
        self.results["importable"] = importable
        self.env = child_env(importable)
        ok = importable["via"] != "nothing worked"
        self.record("setup", "ok" if ok else "failed", time.monotonic() - started,
                    f"{importable['via']}" + (f" ({importable['why']})" if importable.get("why") else ""))

    def probe_env(self) -> bool:
        """The env part; True when a GPU is usable."""
        job = run_one(Job("env", [self.python, "-m", "benchmarks.gpu_check", "--probe"],
                          self.time_for("env") or MIN_PART_S, env=self.env))
        self.log(job)
        lines = [line for line in job.output.strip().splitlines() if line.startswith("{")]
        try:
            self.results["env"] = json.loads(lines[-1])
        except (IndexError, json.JSONDecodeError):
            # The probe crashed or hung: the other parts run anyway where the machine looks
            # like it has an NVIDIA GPU, and their own errors say what is wrong.
            gpu_like = shutil.which("nvidia-smi") is not None or Path("/dev/nvidia0").exists()
            self.results["env"] = {}
            self.record("env", "failed" if not job.timed_out else "timed out", job.seconds,
                        "no report from the probe: see logs.txt" +
                        ("; going on as if there were a GPU" if gpu_like else ""))
            return gpu_like
        gpu = self.results["env"].get("gpu")
        self.record("env", "ok", job.seconds, gpu["name"] if gpu else "no usable GPU")
        for line in gpu_report.header_lines(self.results):
            print(f"[gpu check]   {line}", flush=True)
        return bool(gpu)

    def tests_and_examples(self, parts: list[str], have_gpu: bool) -> None:
        """The tests and examples parts, side by side (neither is timed)."""
        jobs, examples = [], []
        junit = self.work / "tests.xml"
        if "tests" in parts:
            timeout = self.time_for("tests")
            if timeout is None:
                self.skip("tests", "no time left in the budget")
            else:
                workers = self.args.workers or default_workers()
                if junit.exists():
                    junit.unlink()
                jobs.append(Job("tests", tests_command(self.args, self.python, junit, workers),
                                timeout, env=self.env))
        if "examples" in parts:
            timeout = self.time_for("examples")
            if not have_gpu:
                self.skip("examples", "no GPU")
            elif timeout is None:
                self.skip("examples", "no time left in the budget")
            else:
                examples = example_jobs(self.python, self.env, timeout)
                jobs += [job for _, _, job in examples]
        if not jobs:
            return
        print(f"[gpu check] running {', '.join(job.name for job in jobs)}", flush=True)
        run_jobs(jobs)
        for job in jobs:
            self.log(job)
        if jobs[0].name == "tests":
            self.finish_tests(jobs[0], junit)
        if examples:
            self.finish_examples(examples)

    def finish_tests(self, job: Job, junit: Path) -> None:
        """Read the tests' results (JUnit, or the log of a run cut short) and record them."""
        if junit.exists():
            try:
                tests = gpu_report.parse_junit(junit)
            except Exception as error:  # noqa: BLE001 - a half-written file: count from the log
                tests = gpu_report.parse_pytest_log(job.output)
                tests["source"] += f" (junit unreadable: {error})"
        else:
            tests = gpu_report.parse_pytest_log(job.output)
        tests["command"] = job.command
        self.results["tests"] = tests
        if job.timed_out:
            status = "timed out"
        elif job.returncode == 5:
            status = "no tests ran"
        elif job.returncode == 0 and not tests["failed"] and not tests["errors"]:
            status = "ok"
        else:
            status = "failed"
        self.record("tests", status, job.seconds, gpu_report.tests_status(tests))

    def finish_examples(self, examples: list[tuple]) -> None:
        """Read each example's number on cuda and on the CPU and judge them."""
        runs: dict = {}
        for example, device, job in examples:
            value = gpu_report.read_metric(example, job.output)
            runs.setdefault(example.name, {})[device] = {
                "value": value, "returncode": job.returncode, "seconds": round(job.seconds, 1),
                "status": "timed out" if job.timed_out else f"exit {job.returncode}"}
        verdicts = [gpu_report.judge_example(example, runs[example.name]["cuda"],
                                             runs[example.name]["cpu"])
                    for example in gpu_report.EXAMPLES]
        self.results["examples"] = verdicts
        seconds = max(job.seconds for _, _, job in examples)
        ok = all(v["ok"] for v in verdicts)
        self.record("examples", "ok" if ok else "failed", seconds,
                    "; ".join(f"{v['example']}: {v['note']}" for v in verdicts))

    def bench(self, part: str, have_gpu: bool) -> None:
        """A benchmark part (kernels or training): run it, keep its JSON, summarize it."""
        if not have_gpu:
            return self.skip(part, "no GPU")
        names = bench_names(part, self.args.bench)
        if not names:
            return self.skip(part, f"--bench {' '.join(self.args.bench)} selects nothing here")
        if self.args.bench and part == "kernels":
            # a name that selects nothing in any part is most likely a typo (adam for adam_update)
            unknown = [n for n in self.args.bench if n not in names and n not in bench_names("training", [n])]
            if unknown:
                print(f"[gpu check] --bench: {' '.join(unknown)} selects no benchmark (see python -m benchmarks "
                      "--list)", flush=True)
        timeout = self.time_for(part)
        if timeout is None:
            return self.skip(part, "no time left in the budget")
        folder = self.work / part
        shutil.rmtree(folder, ignore_errors=True)
        print(f"[gpu check] running {part}: python -m benchmarks --only {' '.join(names)}", flush=True)
        job = run_one(Job(part, bench_command(self.python, names, folder), timeout, env=self.env))
        self.log(job)
        copy = self.out / f"bench_{part}.json"
        summary = None
        if (folder / "results.json").exists():
            shutil.copyfile(folder / "results.json", copy)
            self.bench_files.append(copy)
            summarize = gpu_report.summarize_kernels if part == "kernels" else gpu_report.summarize_training
            try:
                summary = self.results[part] = summarize(json.loads(copy.read_text()))
            except (json.JSONDecodeError, KeyError, TypeError) as error:
                print(f"[gpu check] {part}: results.json unreadable ({error})", flush=True)
        if job.timed_out:
            status = "timed out"
        elif job.returncode == 0 and summary is not None:
            status = "ok"
        else:
            status = "failed"
        note = (f"{len(summary['rows'])} rows, {len(summary['failed'])} failed"
                f"{' (partial)' if summary['partial'] else ''}" if summary else "no results.json")
        self.record(part, status, job.seconds, note)

    def guarded(self, part: str, step, *args):
        """Run one step of the check; a bug in the check itself is recorded, not fatal."""
        try:
            return step(*args)
        except Exception as error:  # noqa: BLE001 - report it and go on with the next part
            traceback.print_exc()
            self.record(part, f"error in the check: {type(error).__name__}: {error}")
            return None

    def run(self) -> int:
        """Every selected part in order; prints the summary; 1 when a part did not pass."""
        parts = selected_parts(self.args.only)
        self.guarded("setup", self.setup)
        if self.env is None:
            self.env = child_env({})
        have_gpu = bool(self.guarded("env", self.probe_env))
        self.guarded("tests", self.tests_and_examples, parts, have_gpu)
        for part in ("kernels", "training"):
            if part in parts:
                self.guarded(part, self.bench, part, have_gpu)
        self.results["finished"] = datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds")
        self.results["rerun_hint"] = rerun_hint(self.results)
        self.save()
        print()
        print(gpu_report.summary_markdown(gpu_report.evaluated(self.results), terminal=True), flush=True)
        print(f"[gpu check] wrote {self.out / 'gpu_check.md'}, gpu_check.json, logs.txt"
              f"{''.join(', ' + p.name for p in self.bench_files)}", flush=True)
        failed = [name for name, part in self.results["parts"].items()
                  if not part["status"].startswith(("ok", "skipped"))]
        return 1 if failed else 0


def rerun_hint(results: dict) -> str | None:
    """The command that reruns what did not pass, for the summary."""
    parts = results.get("parts", {})
    again = [name for name in ("tests", "examples", "kernels", "training")
             if name in parts and not parts[name]["status"].startswith(("ok", "skipped"))]
    if not again:
        return None
    words = ["bash scripts/gpu_check.sh", "--only",
             *dict.fromkeys("bench" if p in ("kernels", "training") else p for p in again)]
    failures = results.get("tests", {}).get("failures") or []
    if "tests" in again and failures:
        # The failing test functions (every parametrization), or their files when there are
        # many; explicit, since pytest's --lf cache does not outlive a fresh machine.
        functions = list(dict.fromkeys(f["test"].split("[")[0] for f in failures))
        targets = functions if len(functions) <= MAX_RERUN_IDS else list(
            dict.fromkeys(f.split("::")[0] for f in functions))
        words += ["--tests", *targets]
    return " ".join(words)


def _git_state() -> dict:
    def git(*words):
        try:
            done = subprocess.run(["git", *words], cwd=REPO_ROOT, capture_output=True, text=True, timeout=10)
        except (OSError, subprocess.SubprocessError):
            return None
        return done.stdout.strip() if done.returncode == 0 else None

    status = git("status", "--porcelain", "--untracked-files=no")
    return {"git_commit": git("rev-parse", "HEAD"), "git_dirty": bool(status) if status is not None else None}


def default_out() -> Path:
    """$OUT when set, else benchmarks/results/gpu-check-<time>/ (git-ignored)."""
    if os.environ.get("OUT"):
        return Path(os.environ["OUT"])
    stamp = datetime.datetime.now().strftime("%Y%m%d-%H%M%S")
    return REPO_ROOT / "benchmarks" / "results" / f"gpu-check-{stamp}"


def main(argv=None) -> int:
    """Run the check (or, with --probe, print the env report as JSON); 1 when a part failed."""
    argv = sys.argv[1:] if argv is None else argv
    args = parse_args(argv)
    if args.probe:
        print(json.dumps(probe(), default=str))
        return 0
    args.argv = argv
    out = args.out or default_out()
    out.mkdir(parents=True, exist_ok=True)
    (out / "logs.txt").write_text("")
    with tempfile.TemporaryDirectory(prefix="minigrad-gpu-check-") as work:
        return Check(args, out, Path(work)).run()


if __name__ == "__main__":
    sys.exit(main())
