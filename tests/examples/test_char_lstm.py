"""char_gpt.py --model lstm: the recurrent language model trains, samples and resumes."""

import re

import numpy as np
import pytest

import minigrad as mg

from .conftest import last_line

import char_gpt

TEXT = "the quick brown fox jumps over the lazy dog.\n" * 40
TINY = ["--model", "lstm", "--block-size", "16", "--n-layer", "2", "--n-embd", "16", "--batch-size", "4",
        "--eval-interval", "3", "--eval-iters", "2", "--sample-len", "20", "--dropout", "0.1", "--lr", "1e-2"]


@pytest.fixture
def text_file(tmp_path):
    path = tmp_path / "text.txt"
    path.write_text(TEXT, encoding="utf-8")
    return str(path)


def test_lstm_trains_and_samples(text_file, capsys):
    result = char_gpt.main(["--text", text_file, "--steps", "6", *TINY])
    out = capsys.readouterr().out
    assert re.match(r"^step 6: train loss \d+\.\d{4}, validation loss \d+\.\d{4} \(each the mean of 2 batches\)$",
                    last_line(out))
    assert len(result["sample"]) == 21 and set(result["sample"]) <= set(TEXT)
    assert np.log(len(set(TEXT))) + 0.5 > result["train_loss"] > 0


def test_lstm_model_ties_its_head_to_the_embedding():
    config = char_gpt.GPTConfig(vocab_size=11, block_size=8, n_layer=2, n_embd=16, model="lstm")
    model = char_gpt.CharLSTM(config)
    names = [name for name, _ in model.named_parameters()]
    assert "tok_emb.weight" in names and "lstm.weight_hh_l1" in names and not any("head" in n for n in names)
    idx = mg.tensor(np.zeros((2, 8), dtype=np.int64))
    logits, loss = model(idx, idx)
    assert logits.shape == (2, 8, 11)
    loss.backward()
    assert model.tok_emb.weight.grad is not None


def test_lstm_resume_continues_to_the_same_numbers(text_file, tmp_path):
    straight = char_gpt.main(["--text", text_file, "--steps", "6", *TINY, "--checkpoint", str(tmp_path / "a")])
    char_gpt.main(["--text", text_file, "--steps", "6", "--stop-at", "3", *TINY, "--checkpoint", str(tmp_path / "b")])
    resumed = char_gpt.main(["--text", text_file, "--steps", "6", *TINY, "--checkpoint", str(tmp_path / "b"),
                             "--resume"])
    assert resumed["val_loss"] == pytest.approx(straight["val_loss"], abs=1e-6)
    assert resumed["sample"] == straight["sample"]


def test_each_model_has_its_own_default_learning_rate():
    assert char_gpt.parse_args([]).lr == 3e-3
    assert char_gpt.parse_args(["--model", "lstm"]).lr == 1e-2
    assert char_gpt.parse_args(["--model", "lstm", "--lr", "5e-3"]).lr == 5e-3
