"""The sequence-model benchmarks at tiny sizes: they run, and both sides compute the same thing."""
from __future__ import annotations

import importlib.util
import json

import pytest

from benchmarks import __main__ as cli

pytestmark = pytest.mark.skipif(importlib.util.find_spec("torch") is None, reason="needs torch to compare")


def test_sequence_rows_agree_with_torch(tmp_path):
    out = tmp_path / "out"
    assert cli.main(["--only", "sequence", "--sizes", "tiny", "--out", str(out), "--no-plots"]) == 0
    rows = json.loads((out / "results.json").read_text())["rows"]
    assert [r["bench"] for r in rows] == ["LSTM fwd+bwd", "GRU fwd+bwd", "TransformerEncoderLayer step",
                                          "TransformerEncoderLayer step"]
    for row in rows:
        assert "torch" in row["ratios"] and row["minigrad"]["median"] > 0
        assert row["extra"]["max_abs_diff"] < 1e-4
