"""The examples with --distributed on two ranks: they print once (rank 0), train as well as one
process, and char_gpt's checkpoint resumes a two-rank run to the numbers of an unbroken one."""

import re
import sys
from pathlib import Path

import numpy as np
import pytest

import minigrad as mg

from .launch import run_ranks

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
if str(EXAMPLES) not in sys.path:
    sys.path.insert(0, str(EXAMPLES))

import char_gpt  # noqa: E402
import digits_mlp  # noqa: E402

TEXT = "the quick brown fox jumps over the lazy dog.\n" * 40
TINY_GPT = ["--block-size", "16", "--n-layer", "1", "--n-head", "2", "--n-embd", "16", "--batch-size", "4",
            "--eval-interval", "3", "--eval-iters", "2", "--sample-len", "20"]
FINAL_GPT_LINE = re.compile(r"^step (\d+): train loss (\d+\.\d{4}), validation loss (\d+\.\d{4})", re.MULTILINE)


def example(name: str, *args: str, timeout: float = 180):
    job = run_ranks([str(EXAMPLES / name), "--distributed", *args], timeout=timeout)
    assert job.returncode == 0, job.describe()
    return job


@pytest.fixture
def text_file(tmp_path):
    path = tmp_path / "text.txt"
    path.write_text(TEXT, encoding="utf-8")
    return str(path)


def test_digits_mlp_trains_on_two_ranks_as_well_as_one_process_and_rank_0_alone_prints(capsys):
    single = digits_mlp.main(["--epochs", "2"])
    job = example("digits_mlp.py", "--epochs", "2")
    accuracies = re.findall(r"^test accuracy: (\d\.\d{4})$", job.stdout, re.MULTILINE)
    assert len(accuracies) == 1, job.describe()  # one rank speaks
    assert job.stdout.count("digits: 1293 training") == 1
    # other batches (the sampler's shuffle is not the loader's), the same quality
    assert float(accuracies[0]) > 0.8 and abs(float(accuracies[0]) - single) < 0.05, (single, job.describe())


def test_a_global_batch_that_does_not_split_over_the_ranks_is_refused():
    job = run_ranks([str(EXAMPLES / "digits_mlp.py"), "--distributed", "--epochs", "1", "--batch-size", "7"])
    assert job.returncode != 0 and "--batch-size 7 is the global batch" in job.stderr, job.describe()


def test_char_gpt_on_two_ranks_takes_the_steps_of_one_process(text_file, capsys):
    single = char_gpt.main(["--text", text_file, "--steps", "6", *TINY_GPT])
    job = example("char_gpt.py", "--text", text_file, "--steps", "6", *TINY_GPT)
    (step, train, val), = FINAL_GPT_LINE.findall(job.stdout)
    assert int(step) == 6
    assert float(train) == pytest.approx(single["train_loss"], abs=2e-4)  # printed to 4 decimals
    assert float(val) == pytest.approx(single["val_loss"], abs=2e-4)
    assert job.stdout.count("--- sample") == 1


def test_char_gpt_resumes_a_two_rank_run_to_the_same_numbers(text_file, tmp_path):
    common = ["--text", text_file, "--steps", "8", *TINY_GPT, "--dropout", "0.1"]
    straight, split = str(tmp_path / "straight.safetensors"), str(tmp_path / "split.safetensors")
    unbroken = example("char_gpt.py", *common, "--checkpoint", straight)
    example("char_gpt.py", *common, "--checkpoint", split, "--stop-at", "4")
    resumed = example("char_gpt.py", *common, "--checkpoint", split, "--resume")
    assert "resumed from" in resumed.stdout
    assert FINAL_GPT_LINE.findall(resumed.stdout) == FINAL_GPT_LINE.findall(unbroken.stdout)
    sample = lambda out: out.split("---")[1]  # noqa: E731
    assert sample(resumed.stdout) == sample(unbroken.stdout)
    a, b = mg.load(straight), mg.load(split)
    assert a["step"] == b["step"] == 8
    for name, tensor in a["model"].items():
        np.testing.assert_allclose(b["model"][name].numpy(), tensor.numpy(), rtol=0, atol=1e-6, err_msg=name)
