"""Character-level text for small language models: CharDataset and a corpus every machine has.

    text = mg.data.default_corpus()                  # a few hundred KB of Python source
    ds = mg.data.CharDataset(text, block_size=64)
    x, y = ds[0]                                     # int64 [64] each; y is x shifted by one
    xb, yb = ds.get_batch(32, rng)                   # int64 [32, 64]: random windows
    ds.decode(ds.encode("def f():")) == "def f():"

The model sees x and learns to predict y: at every position t, the character after x[t].
"""

from __future__ import annotations

import functools
import importlib.util
from pathlib import Path

import numpy as np

from ..random import generator
from ..tensor import Tensor


class CharDataset:
    """Every window of `block_size` + 1 consecutive characters of `text`, as (input, target) pairs.

    The vocabulary is the sorted set of characters in `text`: `stoi` maps a character to its
    id, `itos` back. `dataset[i]` = (ids[i : i+block_size], ids[i+1 : i+block_size+1]).
    """

    def __init__(self, text: str, block_size: int):
        if not isinstance(text, str):
            raise TypeError(f"CharDataset: text must be a str, got {type(text).__name__}")
        if isinstance(block_size, bool) or not isinstance(block_size, (int, np.integer)) or block_size < 1:
            raise ValueError(f"CharDataset: block_size must be a positive integer, got {block_size!r}")
        if len(text) < block_size + 1:
            raise ValueError(f"CharDataset: the text has {len(text)} characters; a block of {block_size} needs at "
                             f"least {block_size + 1} (inputs plus the next character)")
        self.block_size = int(block_size)
        self.chars = sorted(set(text))
        self.stoi = {c: i for i, c in enumerate(self.chars)}
        self.itos = dict(enumerate(self.chars))
        self.data = np.array(self.encode(text), dtype=np.int64)

    @property
    def vocab_size(self) -> int:
        """The number of distinct characters."""
        return len(self.chars)

    def encode(self, text: str) -> list[int]:
        """Character ids of `text`; every character must be in the vocabulary."""
        try:
            return [self.stoi[c] for c in text]
        except KeyError as err:
            raise ValueError(f"CharDataset.encode: character {err.args[0]!r} is not in the vocabulary "
                             f"({self.vocab_size} characters from the training text)") from None

    def decode(self, ids) -> str:
        """The text of a sequence of ids (list, NumPy array or Tensor)."""
        if isinstance(ids, Tensor):
            ids = ids.numpy()
        try:
            return "".join(self.itos[int(i)] for i in np.asarray(ids).reshape(-1))
        except KeyError as err:
            raise ValueError(f"CharDataset.decode: id {err.args[0]} is outside the vocabulary "
                             f"(0..{self.vocab_size - 1})") from None

    def __len__(self) -> int:
        return len(self.data) - self.block_size

    def __getitem__(self, i: int) -> tuple[np.ndarray, np.ndarray]:
        n = len(self)
        if not -n <= i < n:
            raise IndexError(f"CharDataset: index {i} out of range for {n} windows")
        i = i % n
        chunk = self.data[i:i + self.block_size + 1]
        return chunk[:-1].copy(), chunk[1:].copy()

    def get_batch(self, batch_size: int, rng: np.random.Generator | int | None = None):
        """`batch_size` windows at random start positions: (x, y), int64 arrays [batch_size, block_size].

        rng: a NumPy Generator, a seed, or None for minigrad's global generator (mg.manual_seed).
        """
        if not isinstance(rng, np.random.Generator):
            rng = generator() if rng is None else np.random.default_rng(rng)
        starts = rng.integers(0, len(self), size=batch_size)
        offsets = starts[:, None] + np.arange(self.block_size + 1)
        windows = self.data[offsets]  # [batch_size, block_size + 1], gathered in one step
        return windows[:, :-1], windows[:, 1:]


# Standard-library modules whose source makes up the corpus: plain-Python files present in every
# CPython install, with plenty of docstrings and comments as well as code. Order is fixed.
_CORPUS_MODULES = (
    "argparse", "textwrap", "difflib", "dataclasses", "functools", "fractions",
    "heapq", "statistics", "random", "calendar", "pprint", "shlex",
)


@functools.lru_cache(maxsize=1)
def default_corpus() -> str:
    """A few hundred KB of text that exists wherever Python does: the source of several standard-library
    modules, concatenated in a fixed order. (Its exact content varies with the Python version.)"""
    parts = []
    for name in _CORPUS_MODULES:
        spec = importlib.util.find_spec(name)
        origin = getattr(spec, "origin", None)
        if origin and origin.endswith(".py") and Path(origin).is_file():  # frozen or bytecode-only: skip
            parts.append(Path(origin).read_text(encoding="utf-8"))
    text = "\n\n".join(parts)
    if len(text) < 100_000:
        raise RuntimeError(
            f"default_corpus: found only {len(text)} characters of standard-library source (this Python may ship "
            "without .py files); pass your own text to CharDataset instead"
        )
    return text
