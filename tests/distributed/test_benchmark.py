"""benchmarks/distributed.py at tiny sizes: under mpiexec it fills every column and rank 0 alone
writes the results; in one process it skips with the command to run. No timing is asserted."""

import json
from pathlib import Path

import pytest

from .launch import run_ranks

REPO = Path(__file__).resolve().parents[2]


def test_the_distributed_group_runs_under_mpiexec_and_rank_0_writes_the_results(tmp_path, monkeypatch):
    monkeypatch.chdir(REPO)  # python -m benchmarks runs from the repository root
    out = tmp_path / "out"
    job = run_ranks(["-m", "benchmarks", "--only", "distributed", "--sizes", "tiny", "--no-plots", "--out", str(out)],
                    timeout=300)
    assert job.returncode == 0, job.describe()
    assert job.stdout.count("== Data-parallel training over MPI") == 1, job.describe()  # printed once
    data = json.loads((out / "results.json").read_text())
    rows = {(r["bench"], r["size"]): r for r in data["rows"]}
    steps = [r for (bench, _), r in rows.items() if "DDP on 2 ranks" in bench]
    assert len(steps) == 2
    for row in steps:
        assert set(row["competitors"]) == {"1 rank", "2 ranks, no comm", "reduce after bwd"}
        assert row["extra"]["ranks"] == 2 and len(row["extra"]["buckets_KiB"]) >= 2
        assert "hidden_share" in row["extra"] and row["extra"]["unoverlapped_comm_s"] is not None
    reductions = [r for (bench, _), r in rows.items() if "all-reduce" in bench or "all_reduce" in bench]
    assert len(reductions) == 8 and all(set(r["competitors"]) == {"mpi4py"} for r in reductions)
    assert {r["extra"]["bytes"] for r in reductions} >= {4096, 262144}


def test_in_one_process_the_group_skips_and_says_how_to_launch_it(tmp_path):
    pytest.importorskip("mpi4py")
    from benchmarks import __main__ as cli

    assert cli.main(["--only", "distributed", "--sizes", "tiny", "--no-plots", "--out", str(tmp_path)]) == 0
    notes = json.loads((tmp_path / "results.json").read_text())["groups"][0]["notes"]
    assert any("mpiexec -n 2 python -m benchmarks --only distributed" in n for n in notes), notes
