"""The benchmark harness at tiny sizes: it runs, records what it promises, survives a missing
competitor, writes its files, and parses its command line. No timing is asserted."""
from __future__ import annotations

import importlib.util
import json

import numpy as np
import pytest

from benchmarks import __main__ as cli
from benchmarks import harness, kernels_gpu, report
from benchmarks.harness import Side, Stats, TimingConfig, compare
from benchmarks.record import Group, Row, Run

HAS_TORCH = importlib.util.find_spec("torch") is not None
HAS_MATPLOTLIB = importlib.util.find_spec("matplotlib") is not None


def _has_nn() -> bool:
    try:
        import minigrad.nn  # noqa: F401
        import minigrad.optim  # noqa: F401
    except ImportError:
        return False
    return True


def _run_cli(tmp_path, *names, extra=()):
    out = tmp_path / "out"
    code = cli.main(["--only", *names, "--sizes", "tiny", "--out", str(out), *extra])
    return code, out, json.loads((out / "results.json").read_text())


def _hide(monkeypatch, *names):
    """Make harness.optional_import report these libraries as not installed."""
    real = harness.optional_import
    monkeypatch.setattr(harness, "optional_import", lambda name: None if name in names else real(name))


# ---- timing ---------------------------------------------------------------------------------

def test_compare_gives_stats_for_every_side():
    stats = compare([Side("a", lambda: sum(range(50))), Side("b", lambda: sum(range(10)))],
                    TimingConfig.tiny())
    assert set(stats) == {"a", "b"}
    for s in stats.values():
        assert s.samples >= TimingConfig.tiny().rounds * TimingConfig.tiny().min_samples
        assert 0 < s.min <= s.q1 <= s.median <= s.q3 <= s.max


def test_compare_alternates_sides_in_blocks_not_call_by_call():
    calls = []
    config = TimingConfig(rounds=3, warm_s=0.0, block_s=0.0, sample_s=1e-4, min_samples=3)
    compare([Side("a", lambda: calls.append("a")), Side("b", lambda: calls.append("b"))], config)
    switches = sum(1 for x, y in zip(calls, calls[1:]) if x != y)
    # calibration (a then b) + 3 rounds of one block per side: a handful of switches, not thousands
    assert switches <= 2 * (config.rounds + 1)
    assert len(calls) > 10 * switches


def test_rounds_rotate_which_side_goes_first():
    calls = []
    config = TimingConfig(rounds=3, warm_s=0.0, block_s=0.0, sample_s=1e-5, min_samples=1)
    compare([Side(n, lambda n=n: calls.append(n)) for n in "abc"], config)
    blocks = [c for i, c in enumerate(calls) if i == 0 or calls[i - 1] != c]
    # calibration a b c, then round 0: a b c, round 1: b c a, round 2: c a b
    assert "".join(blocks) == "abc" + "abc" + "bca" + "cab"


def test_stats_spread_is_half_the_iqr_over_the_median():
    s = Stats.from_samples([1.0, 2.0, 3.0, 4.0, 5.0], inner=1)
    assert s.median == 3.0 and s.spread == pytest.approx((4.0 - 2.0) / 6.0)


# ---- runs and the JSON ---------------------------------------------------------------------

@pytest.mark.skipif(not HAS_TORCH, reason="needs torch for the competitor column")
def test_json_has_environment_and_rows_with_minigrad_competitor_and_ratio(tmp_path):
    code, out, data = _run_cli(tmp_path, "op_add", "softmax_fwd", extra=["--no-plots"])
    assert code == 0
    env = data["environment"]
    for key in ("date", "cpu_model", "cores", "versions", "threads", "git_commit"):
        assert key in env
    assert env["versions"]["numpy"] and "torch_num_threads" in env["threads"]
    assert {g["name"] for g in data["groups"]} == {"engine", "kernels"}
    assert len(data["rows"]) == 2
    for row in data["rows"]:
        assert row["minigrad"]["median"] > 0
        assert "torch" in row["competitors"]
        assert row["ratios"]["torch"] == pytest.approx(
            row["minigrad"]["median"] / row["competitors"]["torch"]["median"])
    assert (out / "results.md").exists()


@pytest.mark.skipif(not HAS_TORCH, reason="needs torch to compare against")
def test_kernel_rows_check_that_the_sides_agree(tmp_path):
    code, _, data = _run_cli(tmp_path, "softmax", "cross_entropy", "layer_norm", extra=["--no-plots"])
    assert code == 0
    rows = data["rows"]
    assert {r["bench"] for r in rows} == {"softmax fwd", "softmax bwd", "cross_entropy fwd",
                                          "cross_entropy fwd+bwd", "layer_norm fwd",
                                          "layer_norm fwd+bwd"}
    for row in rows:
        assert row["extra"]["rel_diff_vs_torch"] < 1e-5
        assert row["extra"]["rel_diff_vs_numpy composite"] < 1e-5


def test_missing_torch_drops_its_column_with_a_note(tmp_path, monkeypatch):
    _hide(monkeypatch, "torch")
    code, _, data = _run_cli(tmp_path, "op_mul", "mlp_step", "gelu", extra=["--no-plots"])
    assert code == 0
    assert data["environment"]["versions"]["torch"] is None
    for group in data["groups"]:
        assert "torch" not in group["competitors"]
        assert any("PyTorch is not installed" in note for note in group["notes"])
    for row in data["rows"]:
        assert "torch" not in row["competitors"] and "torch" not in row["ratios"]
    engine_rows = [r for r in data["rows"] if r["group"] == "engine"]
    assert all("numpy (no autograd)" in r["ratios"] for r in engine_rows)


def test_the_gpu_group_skips_with_a_note_on_a_machine_without_one(monkeypatch):
    _hide(monkeypatch, "cupy")
    plan = [(kernels_gpu, "cuda", kernels_gpu.plan("cuda")[:2])]
    groups, failures = cli.run_plan(plan, quick=True, config=TimingConfig.tiny(), progress=False)
    assert failures == 0 and not groups[0].rows
    assert any("CuPy with a CUDA GPU is not available" in n for n in groups[0].notes)


@pytest.mark.skipif(not _has_nn(), reason="minigrad.nn / minigrad.optim not available")
def test_memory_group_reports_first_last_and_max_rss(tmp_path):
    code, _, data = _run_cli(tmp_path, "memory", extra=["--no-plots"])
    assert code == 0
    extra = data["rows"][0]["extra"]
    assert extra["first_MiB"] > 0 and extra["max_MiB"] >= extra["last_MiB"]
    assert len(extra["samples"]) == 2 and isinstance(extra["flat"], bool)


@pytest.mark.skipif(not (_has_nn() and HAS_TORCH), reason="needs minigrad.nn/optim and torch")
def test_training_step_starts_from_the_same_weights_as_torch(tmp_path):
    code, _, data = _run_cli(tmp_path, "digits_mlp", extra=["--no-plots"])
    assert code == 0
    rows = [r for r in data["rows"] if r["group"] == "training"]
    assert len(rows) == 1 and "torch" in rows[0]["ratios"]
    assert rows[0]["extra"]["max_abs_loss_diff"] < 1e-4
    # the hand-written NumPy floor takes the same steps too
    assert "numpy (no autograd)" in rows[0]["ratios"]
    assert rows[0]["extra"]["max_abs_loss_diff_numpy_vs_torch"] < 1e-4


@pytest.mark.skipif(not _has_nn(), reason="minigrad.nn / minigrad.optim not available")
def test_numpy_floor_step_trains_like_minigrad():
    """The floor column must do the same work as minigrad: same losses over several steps."""
    import minigrad as mg
    import minigrad.nn as nn
    import minigrad.nn.functional as F
    import minigrad.optim as optim
    from benchmarks import training

    rng = np.random.default_rng(3)
    xs, ys = training.random_batches((16, 12), 5, (16,), rng)
    sizes = (12, 9, 7, 5)
    mg.manual_seed(1)
    model = training.mlp_minigrad(nn, sizes)
    floor = training.mlp_numpy_step(model, xs, ys, lr=1e-2)  # copies the initial weights
    step = training._stepper(model, optim.Adam(model.parameters(), lr=1e-2), F.cross_entropy,
                             [mg.tensor(x) for x in xs], [mg.tensor(y) for y in ys])
    for _ in range(6):
        assert abs(floor() - step().item()) < 1e-5


# ---- writers ------------------------------------------------------------------------------------

def _synthetic_run() -> Run:
    group = Group("kernels", "Kernels", ["torch"])
    for x, t in ((100, 1e-5), (1000, 5e-5)):
        mg = Stats.from_samples([t, 1.1 * t, 1.2 * t], inner=10)
        torch = Stats.from_samples([2 * t, 2.1 * t], inner=10)
        group.rows.append(Row("kernels", "softmax fwd", f"{x}", x, "numpy", mg, {"torch": torch},
                              extra={"throughput_unit": "GB/s"}))
    return Run(environment={"date": "today", "versions": {"numpy": "2"}}, settings={"quick": True},
               groups=[group])


def test_markdown_writer_produces_a_table_with_the_ratio(tmp_path):
    path = report.write_markdown(_synthetic_run(), tmp_path / "results.md")
    text = path.read_text()
    assert "| softmax fwd |" in text and "mg/torch" in text and "0.54" in text
    assert "< 1 means minigrad is faster" in text


@pytest.mark.skipif(not HAS_MATPLOTLIB, reason="matplotlib not installed")
def test_plot_writer_draws_one_png_per_kernel(tmp_path):
    files, note = report.write_plots(_synthetic_run(), tmp_path / "plots")
    assert note is None and len(files) == 1
    assert files[0].read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_plot_writer_notes_a_missing_matplotlib(tmp_path, monkeypatch):
    _hide(monkeypatch, "matplotlib")
    files, note = report.write_plots(_synthetic_run(), tmp_path / "plots")
    assert files == [] and "matplotlib" in note


def test_text_table_states_how_to_read_the_ratio():
    text = report.render_text(_synthetic_run().groups[0])
    assert "< 1 means minigrad is faster" in text and "softmax fwd" in text


# ---- command line ------------------------------------------------------------------------------

def test_cli_parses_only_quick_device_and_out(tmp_path):
    args = cli.parse_args(["--only", "engine", "softmax", "--quick", "--device", "cpu", "--out", str(tmp_path)])
    assert args.only == ["engine", "softmax"] and args.quick and args.device == ["cpu"]
    assert args.out == tmp_path
    assert not cli.parse_args([]).quick


def test_only_selects_groups_kernels_and_ids():
    plan = cli.full_plan(["cpu", "cuda"])
    chosen = lambda names: {b.id for _, _, bs in cli.select(plan, names) for b in bs}  # noqa: E731
    assert chosen(["softmax"]) >= {"kernels.softmax_fwd", "kernels.softmax_bwd", "kernels_gpu.softmax_fwd"}
    assert chosen(["engine"]) == {b.id for b in cli.engine.plan("cpu")}
    assert "kernels_gpu.matmul" in chosen(["kernels"])
    assert chosen(["engine.chain"]) == {"engine.chain"}


def test_an_unknown_only_name_is_an_error(capsys):
    assert cli.main(["--only", "no_such_benchmark"]) == 2
    assert "matches no benchmark" in capsys.readouterr().err


def test_results_json_loads_back_into_the_same_tables(tmp_path):
    run = _synthetic_run()
    path = report.write_json(run, tmp_path / "results.json")
    assert report.render_text(report.load_run(path).groups[0]) == report.render_text(run.groups[0])
