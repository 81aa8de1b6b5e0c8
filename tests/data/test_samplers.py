"""DistributedSampler (PyTorch's rule: pad or cut, then every world-size-th index) and DataLoader(sampler=)."""

import numpy as np
import pytest

import minigrad as mg
from minigrad.data import DataLoader, DistributedSampler


@pytest.mark.parametrize("n", [1, 5, 10, 23])
@pytest.mark.parametrize("replicas", [1, 2, 3, 4, 7])
@pytest.mark.parametrize("drop_last", [False, True])
def test_unshuffled_indices_are_pytorchs(n, replicas, drop_last):
    torch_data = pytest.importorskip("torch.utils.data")
    if drop_last and n < replicas:
        pytest.skip("PyTorch itself gives every rank an empty share here")
    for rank in range(replicas):
        ours = DistributedSampler(range(n), num_replicas=replicas, rank=rank, shuffle=False, drop_last=drop_last)
        theirs = torch_data.DistributedSampler(range(n), num_replicas=replicas, rank=rank, shuffle=False,
                                               drop_last=drop_last)
        assert list(ours) == list(theirs) and len(ours) == len(theirs)


@pytest.mark.parametrize("n, replicas", [(23, 2), (10, 3), (3, 5), (12, 4)])
def test_the_ranks_partition_a_shuffled_epoch_with_pytorchs_padding(n, replicas):
    parts = [list(DistributedSampler(range(n), num_replicas=replicas, rank=r, seed=3)) for r in range(replicas)]
    assert {len(p) for p in parts} == {-(-n // replicas)}
    together = [i for p in parts for i in p]
    assert set(together) == set(range(n))  # none lost
    padding = len(together) - n
    assert padding == -(-n // replicas) * replicas - n  # the only repeats are the padding
    dropped = [list(DistributedSampler(range(n), replicas, r, seed=3, drop_last=True)) for r in range(replicas)]
    flat = [i for p in dropped for i in p]
    assert len(flat) == len(set(flat)) == n // replicas * replicas  # no overlap, the tail cut


def test_set_epoch_reshuffles_the_same_way_on_every_rank():
    samplers = [DistributedSampler(range(40), num_replicas=2, rank=r, seed=7) for r in range(2)]
    epochs = []
    for epoch in range(3):
        for s in samplers:
            s.set_epoch(epoch)
        epochs.append([list(s) for s in samplers])
        assert sorted(epochs[-1][0] + epochs[-1][1]) == list(range(40))
    assert epochs[0] != epochs[1] != epochs[2]
    again = DistributedSampler(range(40), num_replicas=2, rank=1, seed=7)
    again.set_epoch(1)
    assert list(again) == epochs[1][1]  # seed + epoch decide the order, nothing else


def test_bad_rank_or_replicas_are_refused():
    with pytest.raises(ValueError, match=r"invalid rank 2, rank should be in the interval \[0, 1\]"):
        DistributedSampler(range(4), num_replicas=2, rank=2)
    with pytest.raises(ValueError, match="num_replicas must be a positive integer, got 0"):
        DistributedSampler(range(4), num_replicas=0, rank=0)


def test_a_dataloader_reads_the_samplers_indices_in_batches():
    X = np.arange(11, dtype=np.float32)[:, None]
    sampler = DistributedSampler(X, num_replicas=2, rank=1, shuffle=False)
    loader = DataLoader((X,), batch_size=4, sampler=sampler)
    assert len(loader) == 2
    got = np.concatenate([b[0].numpy()[:, 0] for b in loader])
    np.testing.assert_array_equal(got, [1, 3, 5, 7, 9, 0])  # 11 padded to 12 with index 0
    with pytest.raises(ValueError, match="sampler option is mutually exclusive with shuffle"):
        DataLoader((X,), batch_size=4, sampler=sampler, shuffle=True)
    assert isinstance(next(iter(loader))[0], mg.Tensor)
