"""Run a script under `mpiexec -n N`, from the tests, with a hard time limit.

The launcher is the `mpiexec` that the `distributed` (and `test`) extra installs into the same
environment as Python (MPICH's wheel), so no system MPI is needed. The job runs in its own
process group: when the time limit passes, the whole group (mpiexec and every rank) is killed,
so a hang fails one test instead of stalling the suite.
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent


# Open MPI's mpiexec refuses to start as root unless told twice (containers and CI machines
# often run as root); MPICH's ignores these variables.
ROOT_OK = {"OMPI_ALLOW_RUN_AS_ROOT": "1", "OMPI_ALLOW_RUN_AS_ROOT_CONFIRM": "1"} if os.name == "posix" and os.geteuid() == 0 else {}


def mpiexec() -> str | None:
    """The mpiexec next to this Python (the extra's), else one on PATH, else None."""
    beside = Path(sys.executable).parent / "mpiexec"
    return str(beside) if beside.exists() else shutil.which("mpiexec")


def require_mpi() -> str:
    """mpiexec's path, or skip the test when mpi4py or mpiexec is missing."""
    pytest.importorskip("mpi4py", reason="needs mpi4py: pip install -e '.[distributed]'")
    launcher = mpiexec()
    if launcher is None:
        pytest.skip("no mpiexec: pip install -e '.[distributed]' installs MPICH's")
    return launcher


@dataclass
class Job:
    returncode: int
    stdout: str
    stderr: str
    seconds: float

    def describe(self) -> str:
        return f"exit code {self.returncode} after {self.seconds:.1f} s\n--- stdout\n{self.stdout}\n--- stderr\n{self.stderr}"


def run_ranks(args: list[str], n: int = 2, timeout: float = 120, env: dict | None = None) -> Job:
    """`mpiexec -n n python args...`; kill everything after `timeout` seconds and fail."""
    command = [require_mpi(), "-n", str(n), sys.executable, *args]
    environment = {**os.environ, "OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1", **ROOT_OK, **(env or {})}
    started = time.monotonic()
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                               env=environment, start_new_session=True, stdin=subprocess.DEVNULL)
    try:
        stdout, stderr = process.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        stdout, stderr = process.communicate()
        pytest.fail(f"mpiexec -n {n} {' '.join(args)} did not finish in {timeout} s (killed):\n"
                    + Job(-9, stdout, stderr, timeout).describe())
    return Job(process.returncode, stdout, stderr, time.monotonic() - started)


def run_scenarios(*names: str, n: int = 2, timeout: float = 120) -> Job:
    """Run ranks.py's scenarios on n ranks; fail unless every rank passed every one."""
    job = run_ranks([str(HERE / "ranks.py"), *names], n=n, timeout=timeout)
    # (mpiexec forwards the ranks' output in chunks, so two ranks' lines can run together)
    passed = set(re.findall(r"PASS (\w+) rank (\d+)", job.stdout))
    expected = {(name, str(r)) for name in names for r in range(n)}
    assert job.returncode == 0 and passed == expected, job.describe()
    return job
