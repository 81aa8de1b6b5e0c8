"""The benchmark case for fit's overhead runs, and both of its sides do the same work."""

import json

import pytest

pytest.importorskip("sklearn")


def test_keras_fit_case_runs_and_both_sides_agree(tmp_path):
    from benchmarks import __main__ as cli

    code = cli.main(["--only", "keras", "--sizes", "tiny", "--no-plots", "--out", str(tmp_path)])
    data = json.loads((tmp_path / "results.json").read_text())
    rows = [r for r in data["rows"] if r["group"] == "keras"]
    assert code == 0 and len(rows) == 1
    extra = rows[0]["extra"]
    assert extra["first_epoch_keras"] == extra["first_epoch_hand"]  # same weights, batches and arithmetic
    assert "hand-written loop" in rows[0]["ratios"]
