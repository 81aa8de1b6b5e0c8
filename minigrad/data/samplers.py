"""DistributedSampler: which examples each rank reads, so the ranks share an epoch without overlap.

    sampler = DistributedSampler(dataset)                 # rank and world size from the process group
    loader = DataLoader(dataset, batch_size=32, sampler=sampler)
    for epoch in range(epochs):
        sampler.set_epoch(epoch)                          # a new shuffle every epoch, the same on all ranks
        for x, y in loader: ...

The rule is PyTorch's. Every rank draws the same permutation of 0..N-1 (seeded with seed + epoch),
pads it by repeating its first indices up to a multiple of the world size (or, with drop_last,
cuts the tail), and rank r takes every world-size-th index starting at r. So each rank gets
ceil(N / world_size) indices (floor with drop_last), and together they cover every example
once, plus the few repeated for padding. The permutation itself comes from NumPy's PCG64, so it
differs from torch.randperm's for the same seed; without shuffling the indices are PyTorch's.
"""

from __future__ import annotations

import math

import numpy as np


class DistributedSampler:
    """The indices of a dataset that belong to one rank (PyTorch's DistributedSampler).

    num_replicas, rank: the world size and this process's rank (default: the process group's).
    shuffle: a new permutation every epoch (call set_epoch); seed: the same on every rank.
    drop_last: cut the tail to a multiple of num_replicas instead of padding with repeats.
    """

    def __init__(self, dataset, num_replicas: int | None = None, rank: int | None = None, shuffle: bool = True,
                 seed: int = 0, drop_last: bool = False):
        if num_replicas is None or rank is None:
            from .. import distributed

            if not distributed.is_initialized():
                raise RuntimeError("DistributedSampler: pass num_replicas and rank, or call "
                                   "minigrad.distributed.init_process_group() first")
            num_replicas = distributed.get_world_size() if num_replicas is None else num_replicas
            rank = distributed.get_rank() if rank is None else rank
        if not isinstance(num_replicas, (int, np.integer)) or num_replicas < 1:
            raise ValueError(f"DistributedSampler: num_replicas must be a positive integer, got {num_replicas!r}")
        if not isinstance(rank, (int, np.integer)) or not 0 <= rank < num_replicas:
            raise ValueError(f"DistributedSampler: invalid rank {rank!r}, rank should be in the interval "
                             f"[0, {num_replicas - 1}]")
        self.dataset = dataset
        self.num_replicas, self.rank = int(num_replicas), int(rank)
        self.shuffle, self.seed, self.drop_last = shuffle, seed, drop_last
        self.epoch = 0
        n = len(dataset)
        if drop_last and n % self.num_replicas:
            self.num_samples = math.ceil((n - self.num_replicas) / self.num_replicas)  # = n // num_replicas
        else:
            self.num_samples = math.ceil(n / self.num_replicas)
        self.total_size = self.num_samples * self.num_replicas

    def __iter__(self):
        n = len(self.dataset)
        if self.shuffle:
            indices = np.random.default_rng(self.seed + self.epoch).permutation(n)
        else:
            indices = np.arange(n)
        if self.drop_last:
            indices = indices[:self.total_size]
        elif self.total_size > n:  # pad with the first indices, repeated as often as needed
            indices = np.resize(indices, self.total_size)
        return iter(indices[self.rank:self.total_size:self.num_replicas].tolist())

    def __len__(self) -> int:
        return self.num_samples

    def set_epoch(self, epoch: int) -> None:
        """Use this epoch's shuffle (the same on every rank); call it before each epoch."""
        self.epoch = epoch
