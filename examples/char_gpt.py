"""A character-level GPT in one file: the model, the training loop, checkpoints and sampling.

    python examples/char_gpt.py                                  # train on Python source, then write some
    python examples/char_gpt.py --text my_book.txt --steps 2000  # your own text
    python examples/char_gpt.py --checkpoint gpt.safetensors --stop-at 300    # train half, save...
    python examples/char_gpt.py --checkpoint gpt.safetensors --resume         # ...and finish later
    mpiexec -n 2 python examples/char_gpt.py --distributed       # data-parallel over 2 processes
    python examples/char_gpt.py --model lstm                     # a recurrent language model instead

The model reads a window of characters and predicts, at every position t, the
character at t + 1. It is GPT-2's architecture at toy size (shaped like nanoGPT's
model.py):

    x = tok_emb[idx] + pos_emb[0..T-1]                      [B, T, C]   what and where
    x = TransformerBlock(x)  x n_layer                      causal self-attention + MLP, pre-norm
    logits = LayerNorm(x) @ tok_emb^T                       [B, T, V]   the input table, reused

The last line is weight tying: the matrix that turns a character into a vector
also scores how well a vector matches each character, which saves V x C parameters
and helps small models.

--model lstm swaps the transformer blocks for a recurrent network, the classic
character model before transformers (the same embedding, the same tied head):

    x = tok_emb[idx]                                        [B, T, C]
    h = nn.LSTM(C, C, num_layers=n_layer)(x)                [B, T, C]   left to right, a state carried along
    logits = h @ tok_emb^T                                  [B, T, V]

It has no position embedding and no block_size limit of its own: position t sees
characters 0..t through the LSTM's state rather than through attention. Its default
learning rate is 1e-2 (the GPT's is 3e-3).

Training is AdamW with weight decay on the matrices only (decaying biases, LayerNorm
gains and position offsets towards 0 only hurts), a linear warm-up then a cosine
decay of the learning rate, and gradient clipping at norm 1.

A checkpoint (--checkpoint PATH) holds the model, the optimizer's moments, the
schedule's position, the step and the random state, so --resume continues to exactly
the numbers an uninterrupted run gets: each step's batch is drawn from a generator
seeded with (seed, step), so no random stream has to be replayed.

With --distributed (under mpiexec) every rank draws the same global batch of --batch-size
windows and trains on its own rows of it, so without dropout (the default) the run takes
the steps of a single process up to float rounding. Rank 0 evaluates, samples and writes
the checkpoint; every rank reads it to resume (so the path must be one they all see). The
ranks share one dropout stream (the same seed), which keeps the checkpoint's single random
state exact for all of them.
"""

from __future__ import annotations

import argparse
import math
import sys
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np

import minigrad as mg
import minigrad.nn as nn
import minigrad.nn.functional as F
from minigrad import data
from minigrad.random import generator

import _distributed
from _common import (example_parser, log, nonnegative_float, nonnegative_int, output_file, positive_float,
                     positive_int, probability, progress, save_curves)


@dataclass
class GPTConfig:
    """The model's sizes (stored in the checkpoint, so --resume can tell another model apart)."""

    vocab_size: int
    block_size: int = 64  # the longest context the model sees
    n_layer: int = 2
    n_head: int = 4
    n_embd: int = 64
    dropout: float = 0.0
    model: str = "gpt"  # or "lstm": CharLSTM


class GPT(nn.Module):
    """Token and position embeddings, causal transformer blocks, a final LayerNorm, and the tied output head."""

    def __init__(self, config: GPTConfig):
        super().__init__()
        self.config = config
        self.tok_emb = nn.Embedding(config.vocab_size, config.n_embd)
        self.pos_emb = nn.Embedding(config.block_size, config.n_embd)
        self.drop = nn.Dropout(config.dropout)
        self.blocks = [
            nn.TransformerBlock(config.n_embd, config.n_head, dropout=config.dropout, causal=True)
            for _ in range(config.n_layer)
        ]
        self.ln_f = nn.LayerNorm(config.n_embd)
        self._init_weights()

    def _init_weights(self) -> None:
        """GPT-2's initialisation: matrices N(0, 0.02), biases 0, LayerNorm gains 1.

        The two projections that write into the residual stream (attention output, MLP
        output) get std 0.02 / sqrt(2 n_layer): the stream is a sum of 2 n_layer such
        branches, and this keeps its variance from growing with depth.
        """
        residual_std = 0.02 / math.sqrt(2 * self.config.n_layer)
        for name, p in self.named_parameters():
            if name.endswith("bias"):
                p.data[...] = 0
            elif p.ndim == 2:
                std = residual_std if name.endswith(("out_proj.weight", "mlp.2.weight")) else 0.02
                p.data[...] = generator().standard_normal(p.shape) * std

    def forward(self, idx: mg.Tensor, targets: mg.Tensor | None = None):
        """idx [B, T] int64 -> (logits [B, T, vocab], mean cross-entropy against targets [B, T] or None)."""
        b, t = idx.shape
        if t > self.config.block_size:
            raise ValueError(f"GPT: a sequence of {t} tokens is longer than block_size {self.config.block_size}")
        positions = mg.arange(t, device=idx.device)
        x = self.drop(self.tok_emb(idx) + self.pos_emb(positions))
        for block in self.blocks:
            x = block(x)
        x = self.ln_f(x)
        logits = x @ self.tok_emb.weight.T  # weight tying: [B, T, C] @ [C, V]
        loss = None if targets is None else F.cross_entropy(logits.view(-1, logits.size(-1)), targets.view(-1))
        return logits, loss

    def generate(self, idx: np.ndarray, max_new_tokens: int, rng: np.random.Generator,
                 temperature: float = 1.0, top_k: int | None = None) -> np.ndarray:
        """Extend idx [1, T] by max_new_tokens sampled characters, one at a time.

        The next character is drawn from softmax(logits / temperature), restricted to the
        top_k most likely ones: temperature < 1 sharpens the distribution, top_k cuts its tail.
        """
        device = self.tok_emb.weight.device
        self.eval()
        with mg.no_grad():
            for _ in range(max_new_tokens):
                context = idx[:, -self.config.block_size:]  # the model cannot see further back
                logits, _ = self(mg.tensor(context, device=device))
                logits = logits[0, -1].numpy().astype(np.float64) / temperature
                if top_k is not None and top_k < len(logits):
                    kth_largest = np.sort(logits)[-top_k]
                    logits[logits < kth_largest] = -np.inf
                probs = np.exp(logits - logits.max())
                next_id = rng.choice(len(probs), p=probs / probs.sum())
                idx = np.concatenate([idx, [[next_id]]], axis=1)
        return idx


class CharLSTM(nn.Module):
    """The recurrent alternative (--model lstm): embedding, an n_layer LSTM, the tied head."""

    def __init__(self, config: GPTConfig):
        super().__init__()
        self.config = config
        self.tok_emb = nn.Embedding(config.vocab_size, config.n_embd)
        # N(0, 0.5^2): the tied head scores h (entries in [-1, 1]) against these rows, so they must be large
        # enough to give the logits some spread from the start (measured: rows of +-0.1 stay near the
        # unigram loss for hundreds of steps)
        self.tok_emb.weight.data *= 0.5
        self.drop = nn.Dropout(config.dropout)
        self.lstm = nn.LSTM(config.n_embd, config.n_embd, num_layers=config.n_layer, batch_first=True,
                            dropout=config.dropout if config.n_layer > 1 else 0.0)

    def forward(self, idx: mg.Tensor, targets: mg.Tensor | None = None):
        """idx [B, T] int64 -> (logits [B, T, vocab], mean cross-entropy against targets [B, T] or None)."""
        b, t = idx.shape
        h, _ = self.lstm(self.drop(self.tok_emb(idx)))
        logits = self.drop(h) @ self.tok_emb.weight.T  # weight tying, as in the GPT
        loss = None if targets is None else F.cross_entropy(logits.reshape(b * t, -1), targets.reshape(b * t))
        return logits, loss

    generate = GPT.generate  # the same sampling loop: it reads the last block_size characters


def get_batch(ids: np.ndarray, batch_size: int, block_size: int, rng: np.random.Generator, device: str):
    """batch_size random windows of the token stream: inputs x and targets y = x shifted by one."""
    starts = rng.integers(0, len(ids) - block_size, size=batch_size)
    windows = ids[starts[:, None] + np.arange(block_size + 1)]  # [B, block_size + 1]
    return mg.tensor(windows[:, :-1], device=device), mg.tensor(windows[:, 1:], device=device)


def estimate_loss(model: GPT, ids: np.ndarray, args, rng: np.random.Generator, device: str) -> float:
    """Mean loss over args.eval_iters random batches (a less noisy number than one batch's loss)."""
    model.eval()
    losses = []
    with mg.no_grad():
        for _ in range(args.eval_iters):
            x, y = get_batch(ids, args.batch_size, model.config.block_size, rng, device)
            losses.append(model(x, y)[1].item())
    model.train()
    return float(np.mean(losses))


def configure_optimizer(model: GPT, args) -> mg.optim.AdamW:
    """AdamW with two parameter groups: weight decay on the 2-D matrices (embeddings and
    linear weights), none on the 1-D biases and LayerNorm gains."""
    params = model.parameters()  # each once: the tied embedding/head matrix is a single parameter
    decay = [p for p in params if p.ndim >= 2]
    no_decay = [p for p in params if p.ndim < 2]
    groups = [{"params": decay, "weight_decay": args.weight_decay}, {"params": no_decay, "weight_decay": 0.0}]
    return mg.optim.AdamW(groups, lr=args.lr, betas=(0.9, 0.99))


def build_parser():
    """The command line: the common options plus the text, the model, the schedule, checkpoints and sampling."""
    parser = example_parser(__doc__, steps=600, batch_size=32, lr=3e-3)
    add = parser.add_argument
    add("--text", metavar="FILE", help="train on this UTF-8 text file (default: Python's own source)")
    add("--model", choices=("gpt", "lstm"), default="gpt", metavar="gpt|lstm",
        help="the network: transformer blocks (gpt) or a recurrent one (lstm, default --lr 1e-2)")
    add("--block-size", type=positive_int, default=64, help="context length: characters the model sees at once")
    add("--n-layer", type=positive_int, default=2, help="transformer blocks (LSTM layers with --model lstm)")
    add("--n-head", type=positive_int, default=4, help="attention heads per block (must divide --n-embd)")
    add("--n-embd", type=positive_int, default=64, help="width of the embeddings and the blocks")
    add("--dropout", type=probability, default=0.0, help="dropout rate in the blocks and on the embeddings")
    add("--weight-decay", type=nonnegative_float, default=0.1, help="AdamW's decay, on the matrices only")
    add("--warmup", type=nonnegative_int, default=None, help="warm-up steps (default: 5%% of --steps)")
    add("--min-lr", type=nonnegative_float, default=None, help="the rate the cosine ends at (default: --lr / 10)")
    add("--grad-clip", type=positive_float, default=1.0, help="clip the gradients' global norm to this")
    add("--eval-interval", type=positive_int, default=100,
        help="estimate the train and validation loss (and print a line) every this many steps")
    add("--eval-iters", type=positive_int, default=10, help="batches each loss estimate averages")
    add("--checkpoint", metavar="PATH", type=output_file,
        help="save model + optimizer + schedule + step here at every evaluation (default: no checkpoint)")
    add("--resume", action="store_true", help="continue from --checkpoint")
    add("--stop-at", type=positive_int, default=None,
        help="stop (and save) after this step, e.g. to --resume later; the schedule still spans --steps "
             "(default: run all --steps)")
    add("--sample-len", type=nonnegative_int, default=300, help="characters to generate at the end")
    add("--temperature", type=positive_float, default=0.8, help="sampling temperature: below 1 sharpens, above 1 flattens")
    add("--top-k", type=positive_int, default=10, help="sample only among the k likeliest characters")
    check = parser.add_check
    check(lambda a: "--resume needs --checkpoint PATH" if a.resume and not a.checkpoint else None)
    check(lambda a: f"--n-head {a.n_head} does not divide --n-embd {a.n_embd}" if a.n_embd % a.n_head else None)
    check(lambda a: f"--stop-at {a.stop_at} is past --steps {a.steps}" if a.stop_at and a.stop_at > a.steps else None)
    check(lambda a: f"--warmup {a.warmup} leaves no step of the cosine: it must be below --steps {a.steps}"
          if a.warmup is not None and a.warmup >= a.steps else None)
    check(lambda a: f"--min-lr {a.min_lr} is above --lr {a.lr}" if a.min_lr is not None and a.min_lr > a.lr else None)
    _distributed.add_flag(parser)
    return parser


def parse_args(argv, parser=None):
    """Parse and check the command line, and fill in the defaults that depend on other options."""
    parser = parser or build_parser()
    if "--help" not in (argv or []) and "-h" not in (argv or []):
        known = argparse.ArgumentParser(add_help=False)
        known.add_argument("--model", default="gpt")
        if known.parse_known_args(argv)[0].model == "lstm":
            # the recurrent model learns best with a larger step (measured at the defaults, 600 steps:
            # validation loss 1.62 at 1e-2, 1.86 at the GPT's 3e-3)
            parser.set_defaults(lr=1e-2)
    args = parser.parse_args(argv)  # exits with a message on a bad value or a missing package
    args.warmup = args.steps // 20 if args.warmup is None else args.warmup
    args.min_lr = args.lr / 10 if args.min_lr is None else args.min_lr
    args.stop_at = args.steps if args.stop_at is None else args.stop_at
    return args


def main(argv: list[str] | None = None) -> dict:
    """Train (or resume), sample, and return the last losses and the sample."""
    parser = build_parser()
    args = parse_args(argv, parser)
    device = args.device
    _distributed.start(args)
    main_rank = _distributed.is_main(args)  # the rank that evaluates, saves and samples
    mg.manual_seed(args.seed)

    if args.text:
        try:
            text = Path(args.text).read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as err:
            sys.exit(f"--text {args.text}: cannot read it as UTF-8 text ({err})")
    else:
        text = data.default_corpus()
    chars = data.CharDataset(text, args.block_size)  # the vocabulary and encode/decode
    ids = chars.data
    split = int(0.9 * len(ids))  # first 90% to train on, the rest to validate on
    train_ids, val_ids = ids[:split], ids[split:]
    if len(val_ids) <= args.block_size:
        sys.exit(f"the text is too short: {len(ids)} characters leave no validation window of {args.block_size + 1}")
    parser.check_batch_size(args.batch_size, len(train_ids) - args.block_size,
                            f"windows of {args.block_size + 1} characters in the training text")

    config = GPTConfig(chars.vocab_size, args.block_size, args.n_layer, args.n_head, args.n_embd, args.dropout,
                       args.model)
    model = (CharLSTM if args.model == "lstm" else GPT)(config).to(device)
    optimizer = configure_optimizer(model, args)
    schedule = mg.optim.lr_scheduler.LinearWarmupCosine(
        optimizer, warmup_steps=args.warmup, total_steps=args.steps, min_lr=args.min_lr
    )
    n_params = sum(p.size for p in model.parameters())
    log(f"{len(ids):,} characters, vocabulary {chars.vocab_size}; {args.model.upper()} with {n_params:,} parameters; "
        f"device {device}")

    step = 0
    history = {"step": [], "train": [], "val": [], "loss": []}  # evaluations, and every step's training loss
    if args.resume:
        try:
            ckpt = mg.load(args.checkpoint, device=device)
        except (OSError, ValueError) as err:  # missing, truncated or not a checkpoint: mg.load says which
            sys.exit(f"--resume: {err}")
        if ckpt["config"] != asdict(config) or ckpt["chars"] != "".join(chars.chars):
            sys.exit(f"--resume: {args.checkpoint} was trained with another model or text: {ckpt['config']}")
        if ckpt["schedule"]["total_steps"] != args.steps:
            sys.exit(f"--resume: {args.checkpoint} was trained for --steps {ckpt['schedule']['total_steps']} "
                     "(its learning-rate schedule spans that many steps); pass the same --steps")
        model.load_state_dict(ckpt["model"])
        optimizer.load_state_dict(ckpt["optim"])
        schedule.load_state_dict(ckpt["schedule"])
        generator().bit_generator.state = ckpt["rng"]  # dropout's random stream
        step, history = ckpt["step"], {"loss": [], **ckpt["history"]}
        log(f"resumed from {args.checkpoint} at step {step}")

    def save_checkpoint():
        mg.save({
            "model": model.state_dict(), "optim": optimizer.state_dict(), "schedule": schedule.state_dict(),
            "step": step, "config": asdict(config), "chars": "".join(chars.chars),
            "rng": generator().bit_generator.state, "history": history,
        }, args.checkpoint)

    trained = _distributed.wrap(model, args)  # DistributedDataParallel(model) with --distributed
    model.train()
    bar = progress(range(step, args.stop_at), "train", total=args.stop_at - step)
    for i in bar:  # the i-th update (0-based); `step` counts the updates done
        batch_rng = np.random.default_rng([args.seed, i])  # the same batch whether resumed or not
        x, y = get_batch(train_ids, args.batch_size, args.block_size, batch_rng, device)
        x, y = _distributed.my_share(x, y)  # this rank's rows (all of them in one process)
        _, loss = trained(x, y)
        optimizer.zero_grad()
        loss.backward()
        mg.optim.clip_grad_norm_(model.parameters(), args.grad_clip)
        optimizer.step()
        schedule.step()
        history["loss"].append(loss.item())
        bar.set_postfix(loss=f"{history['loss'][-1]:.4f}")
        step = i + 1
        if main_rank and (step % args.eval_interval == 0 or step == args.stop_at):
            eval_rng = np.random.default_rng([args.seed, step, 1])
            train_loss = estimate_loss(model, train_ids, args, eval_rng, device)
            val_loss = estimate_loss(model, val_ids, args, eval_rng, device)
            history["step"].append(step)
            history["train"].append(train_loss)
            history["val"].append(val_loss)
            log(f"step {step:5d}/{args.steps}  train loss {train_loss:.4f}  validation loss {val_loss:.4f}  "
                f"(each the mean of {args.eval_iters} batches)  lr {schedule.get_last_lr()[0]:.2e}")
            if args.checkpoint:
                save_checkpoint()
    if args.checkpoint and main_rank:
        log(f"saved checkpoint at step {step} to {args.checkpoint}")

    if args.plot and main_rank:
        curves = {"train loss, per step": (range(1, len(history["loss"]) + 1), history["loss"]),
                  f"validation loss, mean of {args.eval_iters} batches": (history["step"], history["val"])}
        save_curves(args.plot, curves, title="char GPT: cross-entropy (nats per character)", xlabel="step")

    if not main_rank:  # the other ranks only trained
        return {"step": step}
    prompt = "\n" if "\n" in chars.stoi else text[0]
    sample_rng = np.random.default_rng([args.seed, 2])
    out = model.generate(np.array([chars.encode(prompt)]), args.sample_len, sample_rng, args.temperature, args.top_k)
    sample = chars.decode(out[0])
    result = {"step": step, "train_loss": history["train"][-1] if history["train"] else float("nan"),
              "val_loss": history["val"][-1] if history["val"] else float("nan"), "sample": sample}
    print(f"--- sample ({args.sample_len} characters, temperature {args.temperature}, top-k {args.top_k}) ---")
    print(sample)
    print("---")
    print(f"step {step}: train loss {result['train_loss']:.4f}, validation loss {result['val_loss']:.4f} "
          f"(each the mean of {args.eval_iters} batches)")
    return result


if __name__ == "__main__":
    main(sys.argv[1:])
