"""A small transformer learns to sort sequences of digits.

    python examples/sort_transformer.py                  # exact-match accuracy >= 0.99 in under a minute
    python examples/sort_transformer.py --plot loss.png

The task: given 6 to 8 digits, e.g. 3 1 4 1 5 9, output them in order: 1 1 3 4 5 9.
Sequences shorter than the longest are padded with a PAD token, whose positions the
loss ignores (targets there are -100, cross-entropy's ignore_index).

The model is encoder-style (no causal mask): every position sees the whole input
and predicts, in one shot, the digit that belongs at that position of the sorted
output:

    x = token_embedding(digits) + position_embedding(0..T-1)      [B, T, d]
    x = TransformerBlock(x)  x n_layer                             (self-attention + MLP)
    logits = Linear(LayerNorm(x))                                  [B, T, 10]

Why a transformer can do it: the digit at sorted position i is the smallest d with
#{inputs <= d} > i. Attention can count (how many inputs are <= d is an average
over positions, times T) and the position embedding tells each output slot its i.

Held-out test set: a fixed 1-in-101 slice of all possible sequences (chosen by a hash
of the sequence) is never used for training, so the test accuracy measures sorting,
not memory.
"""

from __future__ import annotations

import sys

import numpy as np

import minigrad as mg
import minigrad.nn as nn
import minigrad.nn.functional as F

from _common import example_parser, log, pick_device, progress, save_loss_curve

N_DIGITS = 10  # tokens 0..9 are digits
PAD = 10  # token 10 pads short sequences
IGNORE = -100  # cross-entropy skips targets equal to this


class SortTransformer(nn.Module):
    def __init__(self, max_len: int, d_model: int, n_head: int, n_layer: int):
        super().__init__()
        self.tok_emb = nn.Embedding(N_DIGITS + 1, d_model)  # digits and PAD
        self.pos_emb = nn.Embedding(max_len, d_model)
        self.blocks = [nn.TransformerBlock(d_model, n_head, causal=False) for _ in range(n_layer)]
        self.ln_f = nn.LayerNorm(d_model)
        self.head = nn.Linear(d_model, N_DIGITS)  # the output is always a digit, never PAD
        # nn.Embedding starts N(0, 1), large next to the blocks' weights: start the tables small, as GPT-2 does
        for table in (self.tok_emb.weight, self.pos_emb.weight):
            table.data *= 0.02

    def forward(self, tokens: mg.Tensor) -> mg.Tensor:
        """tokens [B, T] int64 -> logits [B, T, 10]."""
        positions = mg.arange(tokens.shape[1], device=tokens.device)
        x = self.tok_emb(tokens) + self.pos_emb(positions)  # [B, T, d] + [T, d] broadcasts
        for block in self.blocks:
            x = block(x)
        return self.head(self.ln_f(x))


def held_out(tokens: np.ndarray) -> np.ndarray:
    """True for the rows reserved for testing: a hash of the whole row, 0 modulo 101."""
    weights = 31 ** np.arange(tokens.shape[1], dtype=np.int64)
    return (tokens @ weights) % 101 == 0


def random_sequences(rng: np.random.Generator, n: int, min_len: int, max_len: int):
    """n sequences of min_len..max_len random digits, padded: (inputs [n, max_len], targets [n, max_len])."""
    digits = rng.integers(0, N_DIGITS, size=(n, max_len))
    lengths = rng.integers(min_len, max_len + 1, size=n)
    padding = np.arange(max_len)[None, :] >= lengths[:, None]
    inputs = np.where(padding, PAD, digits)
    # sort each row with PAD (10) as the largest value, so the padding stays at the end
    targets = np.sort(inputs, axis=1)
    targets[padding] = IGNORE
    return inputs, targets


def training_batch(rng, batch_size: int, min_len: int, max_len: int):
    """A batch of training sequences, the held-out ones removed (about 1% of a batch)."""
    inputs, targets = random_sequences(rng, batch_size, min_len, max_len)
    keep = ~held_out(inputs)
    return inputs[keep], targets[keep]


def test_set(seed: int, n: int, min_len: int, max_len: int):
    """n held-out sequences (drawn with their own generator, so the set does not depend on training)."""
    rng = np.random.default_rng([seed, 1])
    inputs, targets = np.empty((0, max_len), np.int64), np.empty((0, max_len), np.int64)
    while len(inputs) < n:
        x, y = random_sequences(rng, 20 * n, min_len, max_len)
        rows = held_out(x)
        inputs, targets = np.concatenate([inputs, x[rows]]), np.concatenate([targets, y[rows]])
    return inputs[:n], targets[:n]


def exact_match(model, inputs: np.ndarray, targets: np.ndarray, device: str) -> float:
    """Fraction of sequences whose every (non-PAD) position is predicted right."""
    model.eval()
    with mg.no_grad():
        predicted = model(mg.tensor(inputs, device=device)).argmax(axis=-1).numpy()
    correct = (predicted == targets) | (targets == IGNORE)
    return float(correct.all(axis=1).mean())


def main(argv: list[str] | None = None) -> float:
    parser = example_parser(__doc__.splitlines()[0], steps=600, batch_size=64, lr=3e-3)
    parser.add_argument("--min-len", type=int, default=6)
    parser.add_argument("--max-len", type=int, default=8)
    parser.add_argument("--d-model", type=int, default=64)
    parser.add_argument("--n-head", type=int, default=4)
    parser.add_argument("--n-layer", type=int, default=2)
    parser.add_argument("--n-test", type=int, default=2000, help="held-out sequences to test on")
    args = parser.parse_args(argv)
    device = pick_device(args.device)
    mg.manual_seed(args.seed)
    rng = np.random.default_rng([args.seed, 0])  # training batches

    model = SortTransformer(args.max_len, args.d_model, args.n_head, args.n_layer).to(device)
    n_params = sum(p.size for p in model.parameters())
    log(f"sorting {args.min_len}-{args.max_len} digits; {n_params:,} parameters; device {device}")
    optimizer = mg.optim.AdamW(model.parameters(), lr=args.lr, weight_decay=0.01)
    # a short linear warm-up keeps the first Adam steps from overshooting, then decay to a tenth
    schedule = mg.optim.lr_scheduler.LinearWarmupCosine(
        optimizer, warmup_steps=min(100, args.steps // 10), total_steps=args.steps, min_lr=args.lr / 10
    )
    test_inputs, test_targets = test_set(args.seed, args.n_test, args.min_len, args.max_len)

    losses = []
    bar = progress(range(1, args.steps + 1), "train")
    for step in bar:
        model.train()
        inputs, targets = training_batch(rng, args.batch_size, args.min_len, args.max_len)
        logits = model(mg.tensor(inputs, device=device))
        loss = F.cross_entropy(logits.view(-1, logits.size(-1)), mg.tensor(targets, device=device).view(-1),
                               ignore_index=IGNORE)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        schedule.step()
        losses.append(loss.item())
        bar.set_postfix(loss=f"{losses[-1]:.4f}")
        if step % max(1, args.steps // 5) == 0 or step == args.steps:
            acc = exact_match(model, test_inputs[:500], test_targets[:500], device)
            log(f"step {step:5d}  loss {np.mean(losses[-50:]):.4f}  held-out exact match {acc:.4f}")

    if args.plot:
        save_loss_curve(args.plot, {"train": (range(1, len(losses) + 1), losses)}, title="sorting digits")
    accuracy = exact_match(model, test_inputs, test_targets, device)
    print(f"exact-match accuracy: {accuracy:.4f}")
    return accuracy


if __name__ == "__main__":
    main(sys.argv[1:])
