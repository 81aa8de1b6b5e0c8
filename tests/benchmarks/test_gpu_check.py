"""The GPU check's pieces, on a machine without a GPU: its command line, the child processes
and their timeouts, reading pytest's results and the examples' output, turning benchmark
results (made up here) into the summary and the targets, and the bounded matmul autotuning.
Nothing here times anything or needs CUDA."""
from __future__ import annotations

import json
import subprocess
import sys
import textwrap
import time

import numpy as np
import pytest

from benchmarks import gpu_check, gpu_report, kernels_gpu
from benchmarks.harness import CpuClock, Stats, TimingConfig
from benchmarks.record import Context, Group, Row, Run


# ---- command line --------------------------------------------------------------------------------

def test_only_picks_parts_and_keeps_setup_and_env():
    assert gpu_check.selected_parts(None) == list(gpu_check.PARTS)
    assert gpu_check.selected_parts(["tests"]) == ["setup", "env", "tests"]
    assert gpu_check.selected_parts(["bench"]) == ["setup", "env", "kernels", "training"]
    assert gpu_check.selected_parts(["env"]) == ["setup", "env"]


def test_arguments_for_a_rerun_of_the_failing_tests():
    args = gpu_check.parse_args(["--only", "tests", "-k", "matmul and not tf32", "--lf",
                                 "--part-timeout", "tests=300", "--budget", "200"])
    assert args.only == ["tests"] and args.keyword == "matmul and not tf32" and args.lf
    assert args.timeouts["tests"] == 300 and args.timeouts["kernels"] == gpu_check.TIMEOUTS["kernels"]
    assert args.budget == 200


@pytest.mark.parametrize("bad", ["tests", "nopart=3", "tests=soon"])
def test_a_bad_part_timeout_is_refused(bad, capsys):
    with pytest.raises(SystemExit):
        gpu_check.parse_args(["--part-timeout", bad])
    assert "--part-timeout" in capsys.readouterr().err


def _with_plugins(monkeypatch, *present):
    real = gpu_check.importlib.util.find_spec
    monkeypatch.setattr(gpu_check.importlib.util, "find_spec",
                        lambda name: object() if name in present else
                        None if name in ("xdist", "pytest_timeout") else real(name))


def test_tests_command_runs_the_gpu_and_triton_tests_in_parallel_with_thread_timeouts(monkeypatch, tmp_path):
    _with_plugins(monkeypatch, "xdist", "pytest_timeout")
    args = gpu_check.parse_args(["-k", "softmax", "--lf", "--test-timeout", "90"])
    command = gpu_check.tests_command(args, "python3", tmp_path / "t.xml", workers=8)
    assert command[:3] == ["python3", "-m", "pytest"]
    assert command[command.index("-m", 3) + 1] == "gpu or triton"
    assert f"--junitxml={tmp_path / 't.xml'}" in command and "-v" in command
    assert command[command.index("-n") + 1] == "8"
    assert "--timeout=90" in command and "--timeout-method=thread" in command
    assert command[command.index("-k") + 1] == "softmax" and "--lf" in command


def test_tests_command_without_xdist_uses_signal_timeouts_and_no_workers(monkeypatch, tmp_path):
    _with_plugins(monkeypatch, "pytest_timeout")
    args = gpu_check.parse_args(["--tests", "tests/kernels/test_gpu.py"])
    command = gpu_check.tests_command(args, "python3", tmp_path / "t.xml", workers=8)
    assert "-n" not in command and "--timeout-method=signal" in command
    assert command[3] == "tests/kernels/test_gpu.py"


def test_tests_command_without_pytest_timeout_passes_no_timeout_option(monkeypatch, tmp_path):
    _with_plugins(monkeypatch)
    command = gpu_check.tests_command(gpu_check.parse_args([]), "python3", tmp_path / "t.xml", 1)
    assert not any(word.startswith("--timeout") for word in command)


def test_bench_names_route_each_name_to_the_part_that_has_it():
    assert gpu_check.bench_names("kernels", None) == ["kernels_gpu"]
    assert gpu_check.bench_names("training", None) == ["training"]
    assert gpu_check.bench_names("kernels", ["matmul", "gpt2_small"]) == ["matmul"]
    assert gpu_check.bench_names("training", ["matmul", "gpt2_small"]) == ["gpt2_small"]
    command = gpu_check.bench_command("python3", ["matmul"], gpu_check.REPO_ROOT / "x")
    assert command[:7] == ["python3", "-m", "benchmarks", "--device", "cuda", "--quick", "--only"]


# ---- child processes -----------------------------------------------------------------------------

def test_jobs_run_side_by_side_and_a_hung_one_is_stopped_at_its_timeout():
    quick = gpu_check.Job("quick", [sys.executable, "-c", "print('hello'); import sys; sys.exit(3)"], 30)
    hung = gpu_check.Job("hung", [sys.executable, "-c",
                                  "import time; print('waiting', flush=True); time.sleep(60)"], 1.5)
    started = time.monotonic()
    gpu_check.run_jobs([quick, hung])
    assert time.monotonic() - started < 20
    assert quick.returncode == 3 and "hello" in quick.output and not quick.timed_out
    assert hung.timed_out and hung.returncode != 0 and "waiting" in hung.output
    assert 1.0 <= hung.seconds < 15


def test_a_job_that_cannot_start_says_why():
    job = gpu_check.run_one(gpu_check.Job("missing", ["/no/such/program"], 5))
    assert job.returncode is None and "FileNotFoundError" in job.error


def test_long_logs_keep_their_head_and_tail():
    text = "a" * 1000 + "b" * 1000
    clipped = gpu_check._clip(text, limit=200)
    assert clipped.startswith("a" * 100) and clipped.endswith("b" * 100) and "left out" in clipped


def test_setup_falls_back_to_pythonpath_when_setuptools_is_too_old(monkeypatch, tmp_path):
    answers = iter([(False, "ModuleNotFoundError"), (True, str(tmp_path / "minigrad/__init__.py"))])
    monkeypatch.setattr(gpu_check, "_imports_from", lambda *a, **k: next(answers))
    monkeypatch.setattr(gpu_check, "_installed_version", lambda dist: "65.5.0")
    done, pip_job = gpu_check.make_importable("python3", tmp_path, 10)
    assert pip_job is None and done["via"] == "PYTHONPATH"
    assert "65.5.0" in done["why"] and done["pythonpath"].split(":")[0] == str(tmp_path)
    assert gpu_check.child_env(done)["PYTHONPATH"] == done["pythonpath"]


def test_setup_tries_an_offline_editable_install_first(monkeypatch, tmp_path):
    answers = iter([(False, "no"), (False, "no"), (True, "yes")])
    monkeypatch.setattr(gpu_check, "_imports_from", lambda *a, **k: next(answers))
    monkeypatch.setattr(gpu_check, "_installed_version", lambda dist: "80.9.0")
    commands = []

    def fake_pip(job):
        commands.append(job.command)
        job.returncode = 1
        return job

    monkeypatch.setattr(gpu_check, "run_one", fake_pip)
    done, pip_job = gpu_check.make_importable("python3", tmp_path, 10)
    assert commands and {"--no-deps", "--no-build-isolation", "--no-index", "-e"} <= set(commands[0])
    assert done["via"] == "PYTHONPATH" and "pip install -e failed (exit 1)" in done["why"]


def test_children_autotune_quickly_unless_told_otherwise(monkeypatch):
    monkeypatch.delenv("MINIGRAD_AUTOTUNE", raising=False)
    assert gpu_check.child_env({})["MINIGRAD_AUTOTUNE"] == "quick"
    monkeypatch.setenv("MINIGRAD_AUTOTUNE", "full")
    assert gpu_check.child_env({})["MINIGRAD_AUTOTUNE"] == "full"


def test_the_probe_reports_versions_and_why_there_is_no_gpu():
    import minigrad as mg

    if mg.cuda.is_available():
        pytest.skip("this machine has a GPU")
    info = gpu_check.probe()
    assert info["gpu"] is None and info["no_gpu_reason"]
    assert info["versions"]["numpy"] == np.__version__
    assert json.loads(json.dumps(info, default=str))["python"] == sys.version.split()[0]


def test_a_bug_in_one_part_is_recorded_and_the_results_still_written(tmp_path, capsys):
    args = gpu_check.parse_args(["--out", str(tmp_path)])
    args.argv = []
    check = gpu_check.Check(args, tmp_path, tmp_path)

    def broken():
        raise KeyError("nvidia_smi")

    assert check.guarded("kernels", broken) is None
    assert check.results["parts"]["kernels"]["status"] == "error in the check: KeyError: 'nvidia_smi'"
    page = (tmp_path / "gpu_check.md").read_text()
    assert "| kernels | error in the check: KeyError: 'nvidia_smi' |" in page
    assert "Traceback" in capsys.readouterr().err


def test_a_budget_nearly_spent_skips_the_parts_that_no_longer_fit(tmp_path):
    args = gpu_check.parse_args(["--budget", "100", "--part-timeout", "tests=500"])
    args.argv = []
    check = gpu_check.Check(args, tmp_path, tmp_path)
    assert 60 < check.time_for("tests") <= 100 - gpu_check.RESERVE_S
    assert check.time_for("setup") == gpu_check.TIMEOUTS["setup"]
    check.deadline = time.monotonic() + gpu_check.RESERVE_S + gpu_check.MIN_PART_S - 1
    assert check.time_for("kernels") is None


# ---- pytest's results ------------------------------------------------------------------------------

SAMPLE_TESTS = '''
import pytest

def test_passes():
    assert 1 + 1 == 2

def test_fails():
    values = [1, 2]
    assert values == [1, 3], "the second value is off"

@pytest.mark.parametrize("n", [1, 2])
def test_param(n):
    assert n == 1

def test_skipped():
    pytest.skip("no GPU here")

@pytest.fixture
def broken():
    raise RuntimeError("fixture broke")

def test_error(broken):
    pass
'''


@pytest.fixture(scope="module")
def sample_run(tmp_path_factory):
    """A real pytest run over SAMPLE_TESTS: its JUnit file and its -v output."""
    folder = tmp_path_factory.mktemp("sample")
    (folder / "test_sample.py").write_text(textwrap.dedent(SAMPLE_TESTS))
    junit = folder / "junit.xml"
    done = subprocess.run([sys.executable, "-m", "pytest", "test_sample.py", "-v", "--tb=short",
                           "-p", "no:cacheprovider", f"--junitxml={junit}"],
                          cwd=folder, capture_output=True, text=True, timeout=120)
    return junit, done.stdout


def test_junit_results_give_counts_and_the_first_lines_of_each_failure(sample_run):
    junit, _ = sample_run
    tests = gpu_report.parse_junit(junit)
    assert (tests["passed"], tests["failed"], tests["errors"], tests["skipped"]) == (2, 2, 1, 1)
    by_name = {f["test"]: f for f in tests["failures"]}
    assert set(by_name) == {"test_sample.py::test_fails", "test_sample.py::test_param[2]",
                            "test_sample.py::test_error"}
    assert "the second value is off" in " ".join(by_name["test_sample.py::test_fails"]["message"])
    assert by_name["test_sample.py::test_fails"]["where"].startswith("test_sample.py:")
    assert by_name["test_sample.py::test_error"]["kind"] == "error"
    assert "fixture broke" in " ".join(by_name["test_sample.py::test_error"]["message"])
    assert gpu_report.tests_status(tests) == "2 passed, 2 failed, 1 errors, 1 skipped"


def test_a_run_cut_short_is_counted_from_its_verbose_log(sample_run):
    _, output = sample_run
    tests = gpu_report.parse_pytest_log(output.replace("test_sample.py", "tests/test_sample.py"))
    assert (tests["passed"], tests["failed"], tests["errors"], tests["skipped"]) == (2, 2, 1, 1)


def test_the_log_reader_knows_xdist_lines():
    log = ("[gw0] [ 50%] PASSED tests/kernels/test_gpu.py::test_matmul[triton-float32] \n"
           "[gw1] [100%] FAILED tests/kernels/test_gpu.py::test_softmax[triton-float16-1-37] \n")
    tests = gpu_report.parse_pytest_log(log)
    assert tests["passed"] == 1 and tests["failed"] == 1
    assert tests["failures"][0]["test"] == "tests/kernels/test_gpu.py::test_softmax[triton-float16-1-37]"


@pytest.mark.parametrize("classname, name, expected", [
    ("tests.kernels.test_gpu", "test_x[a.b-1]", "tests/kernels/test_gpu.py::test_x[a.b-1]"),
    ("tests.test_tensor.TestIndexing", "test_y", "tests/test_tensor.py::TestIndexing::test_y"),
])
def test_junit_names_become_pytest_node_ids(classname, name, expected):
    assert gpu_report.nodeid(classname, name) == expected


# ---- examples ------------------------------------------------------------------------------------

def test_example_numbers_are_read_and_judged_against_the_cpu():
    digits, gpt = gpu_report.EXAMPLES
    assert gpu_report.read_metric(digits, "epoch 5 loss 0.06\ntest accuracy: 0.9778\n") == 0.9778
    assert gpu_report.read_metric(gpt, "step 60: train loss 2.6653, validation loss 2.5619 (each the mean of 4 batches)\n") == 2.5619
    assert gpu_report.read_metric(gpt, "Traceback ...") is None
    close = gpu_report.judge_example(digits, {"value": 0.97}, {"value": 0.975})
    far = gpu_report.judge_example(digits, {"value": 0.80}, {"value": 0.975})
    crashed = gpu_report.judge_example(digits, {"value": None, "returncode": 1}, {"value": 0.975})
    assert close["ok"] is True and far["ok"] is False and crashed["ok"] is False
    assert "exit 1" in crashed["note"]


def test_example_commands_run_each_script_on_cuda_and_on_the_cpu():
    jobs = gpu_check.example_jobs("python3", {}, 60)
    assert [(e.name, device) for e, device, _ in jobs] == [
        ("digits MLP", "cuda"), ("digits MLP", "cpu"), ("char GPT", "cuda"), ("char GPT", "cpu")]
    for example, device, job in jobs:
        assert job.command[1] == example.script and job.command[2:4] == ["--device", device]
        assert (gpu_check.REPO_ROOT / example.script).exists()


# ---- benchmark results into the summary ---------------------------------------------------------------

def _stats(seconds):
    return Stats.from_samples([seconds, seconds], inner=1)


def _fake_kernel_run() -> dict:
    """A results.json as a quick GPU run writes it, with made-up times."""
    group = Group("kernels_gpu", "Kernels (GPU)", ["cupy", "torch"])
    group.rows.append(Row("kernels_gpu", "ceiling: copy bandwidth", "1024 MiB", 1.0, "cupy.copyto",
                          None, extra={"throughput_unit": "GB/s", "achieved": 3000.0}))

    def kernel(bench, size, impl, mine, cupy, torch, dtype="float32", fraction=0.5):
        group.rows.append(Row("kernels_gpu", bench, size, 1.0, impl, _stats(mine),
                              {"cupy": _stats(cupy), "torch": _stats(torch)},
                              extra={"dtype": dtype, "throughput_unit": "GB/s",
                                     "throughput": {"minigrad": 1000.0},
                                     "fraction_of_ceiling": {"minigrad": fraction},
                                     "first_call_s": 2.5, "rel_diff_vs_torch": 1e-7}))

    kernel("matmul fp16", "4096x4096x4096", "triton", 1.0, 0.95, 0.9, "float16")  # 0.95x cuBLAS
    kernel("softmax fwd", "4096x1024", "triton", 1.0, 2.0, 1.2, fraction=0.8)
    kernel("softmax fwd", "4096x8192", "triton", 1.0, 2.0, 0.9, fraction=0.9)  # slower than torch
    kernel("adamw update", "16,777,216", "cupy", 1.0, 3.0, 1.0, fraction=0.85)
    group.note("FAILED attention fwd (causal) 4x12x1024x64 triton: RuntimeError: boom")
    return Run({"date": "today"}, {"quick": True, "partial": False}, [group]).to_dict()


def test_kernel_rows_are_condensed_with_speedups_and_ceilings():
    summary = gpu_report.summarize_kernels(_fake_kernel_run())
    assert summary["ceilings"]["copy bandwidth"]["value"] == 3000.0
    matmul = summary["rows"][0]
    assert matmul["speedup"]["cupy"] == pytest.approx(0.95)  # competitor time / minigrad time
    assert matmul["first_call_s"] == 2.5 and matmul["rel_diff"]["torch"] == 1e-7
    assert summary["failed"] == ["FAILED attention fwd (causal) 4x12x1024x64 triton: RuntimeError: boom"]


def test_targets_are_judged_from_the_measured_rows():
    results = {"kernels": gpu_report.summarize_kernels(_fake_kernel_run()),
               "tests": {"passed": 10, "failed": 0, "errors": 0, "skipped": 1, "failures": []},
               "env": {"gpu": {"name": "Some GPU"}}}
    verdicts = {t["target"].split(" ")[0] + " " + t["target"].split(" ")[1]: t["met"]
                for t in gpu_report.evaluate_targets(results)}
    assert verdicts["every GPU"] is True
    assert verdicts["Triton matmul"] is True  # 0.95x >= 0.9x
    assert verdicts["softmax fwd"] is False  # 0.9x torch at 8192 columns
    assert verdicts["fused AdamW"] is True  # 85% of copy >= 80%
    assert verdicts["flash attention"] is None and verdicts["GPT training"] is None  # not measured


@pytest.mark.parametrize("failed, met", [(0, None), (2, False)])
def test_without_a_gpu_green_tests_prove_nothing_but_failures_still_count(failed, met):
    tests = {"passed": 148, "failed": failed, "errors": 0, "skipped": 162, "failures": []}
    target = gpu_report.evaluate_targets({"tests": tests, "env": {"gpu": None}})[0]
    assert target["target"] == "every GPU test green" and target["met"] is met
    assert "no GPU" in target["measured"]


def test_training_rows_carry_tokens_per_second():
    group = Group("training_gpu", "Training [GPU]", ["torch"])
    group.rows.append(Row("training_gpu", "GPT-2-small step", "V50257 T1024", 1.0, "engine",
                          _stats(0.5), {"torch": _stats(0.4)},
                          extra={"tokens_per_s": {"minigrad": 16384.0, "torch": 20480.0},
                                 "max_abs_loss_diff": 2e-5}))
    summary = gpu_report.summarize_training(Run({}, {}, [group]).to_dict())
    assert summary["rows"][0]["speedup"]["torch"] == pytest.approx(0.8)
    targets = gpu_report.evaluate_targets({"training": summary})
    assert [t["met"] for t in targets if t["target"].startswith("GPT")] == [False]


def test_the_summary_and_json_are_written_with_every_section(tmp_path):
    results = {
        "started": "2026-01-01T00:00:00+00:00", "budget_s": 340, "elapsed_s": 300.0,
        "env": {"gpu": {"name": "Some GPU", "compute_capability": "9.0"}, "python": "3.12",
                "versions": {"numpy": "2.5"}, "chosen": {"matmul": "triton"}},
        "importable": {"via": "PYTHONPATH"},
        "parts": {"tests": {"status": "failed", "seconds": 120.0, "note": "1 failed"}},
        "tests": {"passed": 1, "failed": 1, "errors": 0, "skipped": 0, "failures": [
            {"test": "tests/x.py::test_y", "message": ["AssertionError: off by one"], "where": "tests/x.py:3"}]},
        "kernels": gpu_report.summarize_kernels(_fake_kernel_run()),
        "examples": [gpu_report.judge_example(gpu_report.EXAMPLES[0], {"value": 0.97}, {"value": 0.97})],
        "rerun_hint": "bash scripts/gpu_check.sh --only tests --lf",
    }
    bench = tmp_path / "bench_kernels.json"
    bench.write_text(json.dumps(_fake_kernel_run()))
    json_path, md_path = gpu_report.write_outputs(results, tmp_path, [bench])
    data = json.loads(json_path.read_text())
    assert data["schema"] == gpu_report.SCHEMA and data["targets"]
    page = md_path.read_text()
    for expected in ("Some GPU", "| tests | failed | 120 |", "`tests/x.py::test_y` (tests/x.py:3)",
                     "AssertionError: off by one", "| matmul fp16 | 4096x4096x4096 | float16 | triton |",
                     "0.95x", "| digits MLP |", "--only tests --lf", "FAILED attention",
                     "Appendix: the benchmark tables", "mg/cupy"):
        assert expected in page, expected


def test_the_printed_summary_ends_with_the_parts_and_caps_the_failures():
    failures = [{"test": f"tests/x.py::test_{i}", "message": ["boom"], "where": None} for i in range(30)]
    results = {"parts": {"tests": {"status": "failed", "seconds": 1.0, "note": "30 failed"}},
               "tests": {"passed": 0, "failed": 30, "errors": 0, "skipped": 0, "failures": failures},
               "rerun_hint": "bash scripts/gpu_check.sh --only tests --tests tests/x.py"}
    printed = gpu_report.summary_markdown(gpu_report.evaluated(results), terminal=True)
    assert printed.rstrip().endswith("`bash scripts/gpu_check.sh --only tests --tests tests/x.py`")
    assert printed.index("## Failed tests") < printed.index("## Parts")
    assert "test_11`" in printed and "test_12`" not in printed and "18 more in gpu_check.md" in printed
    page = gpu_report.summary_markdown(gpu_report.evaluated(results))
    assert "test_29`" in page and page.index("## Parts") < page.index("## Failed tests")


def test_rerun_hint_names_the_parts_and_test_functions_that_did_not_pass():
    results = {"parts": {"tests": {"status": "failed"}, "examples": {"status": "ok"},
                         "kernels": {"status": "timed out"}, "training": {"status": "failed"}},
               "tests": {"failures": [{"test": "tests/a.py::test_x[1]"}, {"test": "tests/a.py::test_x[2]"},
                                      {"test": "tests/b.py::test_y"}]}}
    assert gpu_check.rerun_hint(results) == (
        "bash scripts/gpu_check.sh --only tests bench --tests tests/a.py::test_x tests/b.py::test_y")
    assert gpu_check.rerun_hint({"parts": {"tests": {"status": "ok"}}}) is None


def test_rerun_hint_names_files_when_many_functions_failed():
    failures = [{"test": f"tests/{i % 3}.py::test_{i}"} for i in range(gpu_check.MAX_RERUN_IDS + 1)]
    hint = gpu_check.rerun_hint({"parts": {"tests": {"status": "failed"}}, "tests": {"failures": failures}})
    assert hint.endswith("--tests tests/0.py tests/1.py tests/2.py")


# ---- the kernel rows' code path with stand-in timings --------------------------------------------------

def _stand_in_spec(kernel_impls):
    """kernels_gpu's spec shape on NumPy arrays and the CPU clock: every GPU-only field
    (ceilings, first call, autotune description) is still computed."""
    ceilings = {"copy_GBps": 10.0, "matmul_fp32_TFLOPs": 0.1, "matmul_fp16_TFLOPs": 0.2}
    return kernels_gpu.DeviceSpec(
        name="cuda", xp=np, composite_name="cupy", minigrad_clock=CpuClock(),
        composite_clock=CpuClock(), impls=lambda op: kernel_impls,
        extra=kernels_gpu._gpu_extra(ceilings), describe=kernels_gpu.describe_tuning,
        skip_errors=(kernels_gpu.Unsupported, NotImplementedError))


def _context():
    group = Group("kernels_gpu", "Kernels (GPU)", ["cupy"])
    return Context(device="cuda", quick=True, config=TimingConfig.tiny(), group=group, sizes="tiny")


def test_gpu_rows_get_throughput_ceiling_fraction_and_first_call():
    case = next(c for c in kernels_gpu.CASES if c.name == "softmax fwd")
    case = kernels_gpu.CASES[0].__class__(**{**case.__dict__, "gpu_sizes": (((64, 128),), ())})
    ctx = _context()
    rows = kernels_gpu.run_case(case, ctx, _stand_in_spec(["numpy"]))
    assert len(rows) == 1 and not ctx.errors
    extra = rows[0].extra
    assert extra["first_call_s"] > 0 and extra["throughput_unit"] == "GB/s"
    assert extra["fraction_of_ceiling"]["minigrad"] == pytest.approx(extra["throughput"]["minigrad"] / 10.0)
    assert extra["rel_diff_vs_cupy"] < 1e-6


def test_a_failing_gpu_kernel_is_reported_and_the_other_rows_survive(monkeypatch):
    import kernels

    case = next(c for c in kernels_gpu.CASES if c.name == "softmax fwd")
    case = case.__class__(**{**case.__dict__, "gpu_sizes": (((8, 16),), ())})
    real = kernels.softmax_fwd

    def flaky(x):
        if kernels.forced("softmax") == "triton":
            raise RuntimeError("CUDA error: an illegal memory access was encountered")
        if kernels.forced("softmax") == "cupy":
            raise kernels_gpu.Unsupported("softmax_fwd: float32 only")
        return real(x)

    monkeypatch.setattr(kernels, "softmax_fwd", flaky)
    ctx = _context()
    rows = kernels_gpu.run_case(case, ctx, _stand_in_spec(["triton", "cupy", "numpy"]))
    assert [r.impl for r in rows] == ["numpy"]
    assert len(ctx.errors) == 1 and "illegal memory access" in ctx.errors[0]
    assert any(n.startswith("FAILED softmax fwd 8x16 triton") for n in ctx.group.notes)
    assert any("cupy: declined" in n for n in ctx.group.notes)


def test_gpu_inputs_are_drawn_on_the_device_in_the_compute_dtype():
    from benchmarks import cases

    drawn = []

    class DeviceGenerator:  # the part of cupy.random.RandomState that cases._normal uses
        def __init__(self, seed):
            self.rng = np.random.default_rng(seed)

        def standard_normal(self, shape, dtype):
            drawn.append(np.dtype(dtype))
            return self.rng.standard_normal(shape).astype(dtype)

    class Device:  # stands in for the cupy module
        __name__ = "cupy"

        class random:
            RandomState = DeviceGenerator

    rng = np.random.default_rng(0)
    half = cases._normal(Device, rng, (64, 32), "float16")
    double = cases._normal(Device, rng, (8,), "float64", shift=0.0)
    assert half.dtype == np.float16 and double.dtype == np.float64
    assert drawn == [np.dtype(np.float32), np.dtype(np.float64)]  # float16 is drawn in float32
    assert abs(float(half.astype(np.float64).mean()) - 0.1) < 0.05  # the shift is applied


def test_quick_gpu_runs_measure_the_gpu_kernels_only():
    assert "numpy" not in kernels_gpu.gpu_impls("softmax", quick=True)
    assert kernels_gpu.gpu_impls("softmax", quick=False)[0] == "numpy"


# ---- bounded autotuning -----------------------------------------------------------------------------

@pytest.fixture
def triton_matmul():
    pytest.importorskip("triton")
    from kernels.triton import matmul

    return matmul


def _configs(module):
    import triton

    return [triton.Config(dict(BLOCK_M=bm, BLOCK_N=bn, BLOCK_K=bk, GROUP_M=g), num_warps=w, num_stages=s)
            for bm, bn, bk, g, w, s in module.CONFIGS]


@pytest.mark.parametrize("dtype", ["float16", "bfloat16", "float32", "float64"])
def test_quick_autotune_times_at_most_two_configurations_that_fit(dtype, triton_matmul, monkeypatch):
    configs = _configs(triton_matmul)
    monkeypatch.setenv("MINIGRAD_AUTOTUNE", "quick")
    quick = triton_matmul.configs_to_time(configs, dtype)
    assert 1 <= len(quick) <= 2
    width = np.dtype("float16" if dtype == "bfloat16" else dtype).itemsize
    for config in quick:
        meta = config.kwargs
        shared = config.num_stages * (meta["BLOCK_M"] + meta["BLOCK_N"]) * meta["BLOCK_K"] * width
        assert shared <= 163 * 1024, f"{triton_matmul._as_tuple(config)} needs {shared} B of shared memory"
    monkeypatch.setenv("MINIGRAD_AUTOTUNE", "full")
    assert len(triton_matmul.configs_to_time(configs, dtype)) == len(configs)


def test_every_quick_configuration_is_one_the_full_autotune_has(triton_matmul):
    for width, chosen in triton_matmul.QUICK_CONFIGS.items():
        assert set(chosen) <= set(triton_matmul.CONFIGS), width


def test_the_autotuner_prunes_by_the_operands_dtype(triton_matmul, monkeypatch):
    class Operand:  # what Triton sees of a CuPy array (kernels.triton._bridge.CupyPointer)
        dtype = np.dtype(np.float64)

    monkeypatch.setenv("MINIGRAD_AUTOTUNE", "quick")
    kept = triton_matmul._prune(_configs(triton_matmul), {"a_ptr": Operand()})
    assert [triton_matmul._as_tuple(c) for c in kept] == triton_matmul.QUICK_CONFIGS[8]
    assert triton_matmul._autotuned().early_config_prune is triton_matmul._prune


def test_an_unknown_autotune_mode_is_refused(triton_matmul, monkeypatch):
    monkeypatch.setenv("MINIGRAD_AUTOTUNE", "fast")
    with pytest.raises(ValueError, match="MINIGRAD_AUTOTUNE"):
        triton_matmul.autotune_mode()
