"""The code each rank runs in the multi-process tests: `mpiexec -n 2 python ranks.py SCENARIO`.

Every scenario checks its results with plain asserts on every rank and ends by printing
`PASS <scenario> rank <r>`; a failed assert raises, which aborts the whole job (non-zero exit)
with the traceback on stderr. The pytest side (test_multiprocess.py) launches the job under a
timeout and reads the PASS lines.
"""

from __future__ import annotations

import sys
import time

import numpy as np

import minigrad as mg
import minigrad.distributed as dist
import minigrad.nn as nn
import minigrad.nn.functional as F
from minigrad.distributed import ReduceOp

NUMPY_REDUCTIONS = {ReduceOp.SUM: np.sum, ReduceOp.PRODUCT: np.prod, ReduceOp.MIN: np.min,
                    ReduceOp.MAX: np.max, ReduceOp.AVG: np.mean}


def everyones_inputs(world: int, dtype, shape, seed: int, op=ReduceOp.SUM) -> list:
    """The input of every rank, drawn from one shared seed, so each rank can compute the expected result."""
    rng = np.random.default_rng(seed)
    if np.dtype(dtype).kind == "f":
        return [rng.standard_normal(shape).astype(dtype) for _ in range(world)]
    high = 4 if op is ReduceOp.PRODUCT else 50  # products of small integers cannot overflow
    low = 0 if np.dtype(dtype).kind == "u" else -high
    return [rng.integers(low, high, size=shape).astype(dtype) for _ in range(world)]


def expect_error(fn, *fragments) -> str:
    try:
        fn()
    except (RuntimeError, ValueError, TypeError) as err:
        message = str(err)
        for fragment in fragments:
            assert fragment in message, f"{fragment!r} not in the error: {message}"
        return message
    raise AssertionError(f"expected an error mentioning {fragments}")


# ---- collectives ---------------------------------------------------------------------------

def collectives(rank: int, world: int) -> None:
    """all_reduce / reduce_scatter for every op and dtype, broadcast, all_gather, against NumPy."""
    seed = 0
    for dtype in (np.float16, np.float32, np.float64, np.int32, np.int64, np.uint8):
        for op in ReduceOp:
            if op is ReduceOp.AVG and np.dtype(dtype).kind != "f":
                continue
            for shape in ((7,), (3, 5), (2, 3, 4), ()):
                seed += 1
                inputs = everyones_inputs(world, dtype, shape, seed, op)
                expected = NUMPY_REDUCTIONS[op](np.stack(inputs).astype(np.float64), axis=0)
                t = mg.tensor(inputs[rank].copy())
                dist.all_reduce(t, op=op)
                assert t.dtype == dtype and t.shape == shape
                tolerance = {np.float16: 2e-3, np.float32: 1e-6, np.float64: 1e-15}.get(dtype, 0)
                np.testing.assert_allclose(t.numpy().astype(np.float64), expected, rtol=tolerance,
                                           atol=tolerance, err_msg=f"all_reduce {op} {np.dtype(dtype)} {shape}")
                gathered = [mg.zeros(shape, dtype=dtype) for _ in range(world)]
                dist.all_gather(gathered, t)
                for other in gathered:  # every rank holds bitwise the same result
                    np.testing.assert_array_equal(other.numpy(), t.numpy())
            pieces = everyones_inputs(world, dtype, (world, 3, 2), seed + 1000, op)
            out = mg.zeros((3, 2), dtype=dtype)
            dist.reduce_scatter(out, [mg.tensor(p) for p in pieces[rank]], op=op)
            expected = NUMPY_REDUCTIONS[op](np.stack(pieces).astype(np.float64), axis=0)[rank]
            np.testing.assert_allclose(out.numpy().astype(np.float64), expected, rtol=tolerance, atol=tolerance)

    for src in range(world):
        t = mg.tensor(np.full((4, 3), float(rank + 10)))
        dist.broadcast(t, src)
        np.testing.assert_array_equal(t.numpy(), np.full((4, 3), float(src + 10)))

    # all_gather of each rank's own (ragged-free) tensor, in rank order
    gathered = [mg.zeros((2, 5), dtype=np.int64) for _ in range(world)]
    dist.all_gather(gathered, mg.tensor(np.arange(10).reshape(2, 5) + 100 * rank))
    for r, g in enumerate(gathered):
        np.testing.assert_array_equal(g.numpy(), np.arange(10).reshape(2, 5) + 100 * r)

    # a non-contiguous tensor (a transposed view) is reduced in place, through a copy
    base = np.arange(12, dtype=np.float32).reshape(3, 4) * (rank + 1)
    view = mg.Tensor.__new__(mg.Tensor)
    view.data, view.requires_grad = base.T, False
    dist.all_reduce(view)
    np.testing.assert_array_equal(base, np.arange(12, dtype=np.float32).reshape(3, 4) * sum(range(1, world + 1)))

    # async_op returns a Work; the result is there after wait()
    t = mg.ones(1000) * (rank + 1)
    work = dist.all_reduce(t, op=ReduceOp.AVG, async_op=True)
    assert work.wait() and work.is_completed()
    np.testing.assert_allclose(t.numpy(), np.full(1000, (world + 1) / 2))

    # the non-blocking forms of the others (DDP's path) give the blocking forms' results
    t = mg.tensor(np.full(5, float(rank)))
    dist.broadcast(t, world - 1, async_op=True).wait()
    np.testing.assert_array_equal(t.numpy(), np.full(5, world - 1.0))
    gathered = [mg.zeros(3) for _ in range(world)]
    work = dist.all_gather(gathered, mg.ones(3) * rank, async_op=True)
    work.wait()
    assert [g.numpy().tolist() for g in gathered] == [[float(r)] * 3 for r in range(world)]
    out = mg.zeros(2)
    dist.reduce_scatter(out, [mg.ones(2) * (r + 1) * (rank + 1) for r in range(world)], op=ReduceOp.MAX,
                        async_op=True).wait()
    np.testing.assert_array_equal(out.numpy(), np.full(2, float((rank + 1) * world)))

    objects = [None] * world
    dist.all_gather_object(objects, {"rank": rank, "name": f"r{rank}"})
    assert objects == [{"rank": r, "name": f"r{r}"} for r in range(world)]
    items = [rank, "mine"]
    dist.broadcast_object_list(items, src=world - 1)
    assert items == [world - 1, "mine"]
    dist.barrier()


def mismatches(rank: int, world: int) -> None:
    """Ranks that pass different shapes, dtypes or collectives all get the same clear error."""
    message = expect_error(lambda: dist.all_reduce(mg.zeros(3 + rank)), "all_reduce: the ranks disagree",
                           "rank 0: all_reduce(op=SUM) of a float32 tensor of shape (3,) on cpu",
                           "rank 1: all_reduce(op=SUM) of a float32 tensor of shape (4,) on cpu")
    assert "same shape and dtype" in message
    expect_error(lambda: dist.broadcast(mg.zeros(2, dtype=[np.float32, np.float64][rank % 2]), 0),
                 "float32 tensor", "float64 tensor")

    def different_calls():
        if rank == 0:
            dist.all_reduce(mg.zeros(2))
        else:
            dist.broadcast(mg.zeros(2), 0)

    expect_error(different_calls, "disagree", "all_reduce", "broadcast(src=0)")
    t = mg.ones(2)
    dist.all_reduce(t)  # the group still works after the errors
    np.testing.assert_array_equal(t.numpy(), [world, world])


# ---- DistributedDataParallel ---------------------------------------------------------------

class TwoLayer(nn.Module):
    """A small MLP with a registered buffer (broadcast with the parameters)."""

    def __init__(self, n_in=6, hidden=40, n_out=5, extra_layer=False):
        super().__init__()
        self.fc1 = nn.Linear(n_in, hidden)
        self.fc2 = nn.Linear(hidden, hidden + (3 if extra_layer else 0))
        self.head = nn.Linear(hidden + (3 if extra_layer else 0), n_out)
        self.register_buffer("offset", mg.randn(n_in))

    def forward(self, x):
        return self.head(self.fc2(self.fc1(x + self.offset).tanh()).relu())


def batches(steps: int, global_batch: int, n_in: int = 6, n_out: int = 5, seed: int = 7):
    rng = np.random.default_rng(seed)
    for _ in range(steps):
        yield (rng.standard_normal((global_batch, n_in)).astype(np.float32),
               rng.integers(0, n_out, size=global_batch))


def params_of(model) -> list:
    return [p.numpy().copy() for p in model.parameters()]


def assert_same_on_every_rank(arrays: list, world: int, what: str) -> None:
    device = "cuda" if dist.get_backend() == "nccl" else "cpu"  # (an NCCL-only group gathers on the GPU)
    for a in arrays:
        everyone = [mg.zeros(a.shape, dtype=a.dtype, device=device) for _ in range(world)]
        dist.all_gather(everyone, mg.tensor(a.copy(), device=device))
        for r, other in enumerate(everyone):
            np.testing.assert_array_equal(other.numpy(), a, err_msg=f"{what}: rank {r} differs (bitwise)")


def ddp_matches_one_process(rank: int, world: int, device: str = "cpu") -> None:
    """20 steps of DDP on per-rank batches b = the same 20 steps on one process with batch world * b
    (PyTorch's _test_DDP_niter check), with SGD + momentum and with Adam, several buckets."""
    b = 4
    for make_optimizer in (lambda ps: mg.optim.SGD(ps, lr=0.1, momentum=0.9),
                           lambda ps: mg.optim.Adam(ps, lr=1e-2)):
        mg.manual_seed(1)
        reference = TwoLayer().to(device)
        mg.manual_seed(100 + rank)  # each rank starts from different weights: DDP must broadcast rank 0's
        local = TwoLayer().to(device)
        if rank == 0:
            local.load_state_dict(reference.state_dict())
        model = dist.DistributedDataParallel(local, bucket_cap_mb=700 / 2**20)  # 700-byte buckets
        assert len(model._buckets) >= 3, model._buckets
        opt_ref, opt = make_optimizer(reference.parameters()), make_optimizer(model.parameters())
        for x, y in batches(20, world * b):
            loss_ref = F.cross_entropy(reference(mg.tensor(x, device=device)), mg.tensor(y, device=device))
            opt_ref.zero_grad()
            loss_ref.backward()
            opt_ref.step()
            mine = slice(rank * b, (rank + 1) * b)
            loss = F.cross_entropy(model(mg.tensor(x[mine], device=device)), mg.tensor(y[mine], device=device))
            opt.zero_grad()
            loss.backward()
            opt.step()
            for p_ref, p in zip(reference.parameters(), local.parameters()):
                # equal up to float32 rounding of the sums (two half-batch means averaged vs one mean)
                np.testing.assert_allclose(p.numpy(), p_ref.numpy(), rtol=1e-5, atol=1e-6)
            assert_same_on_every_rank(params_of(local), world, "parameters after a step")
        np.testing.assert_array_equal(local.offset.numpy(), reference.offset.numpy())  # rank 0's buffer


def ddp_no_sync_accumulates(rank: int, world: int) -> None:
    """Gradient accumulation: two micro-batches inside no_sync, the third outside, averages the sum."""
    mg.manual_seed(3)
    reference = TwoLayer()
    model = dist.DistributedDataParallel(TwoLayer(), bucket_cap_mb=1e-3)
    model.load_state_dict(reference.state_dict())
    data = list(batches(3, world * 2, seed=11))
    for i, (x, y) in enumerate(data):
        F.cross_entropy(reference(mg.tensor(x)), mg.tensor(y)).backward()  # accumulates too
        mine = slice(rank * 2, (rank + 1) * 2)
        if i < 2:
            with model.no_sync():
                F.cross_entropy(model(mg.tensor(x[mine])), mg.tensor(y[mine])).backward()
            local = model.module.fc1.weight.grad.numpy().copy()
            assert_differs_between_ranks(local, world)  # not averaged yet
        else:
            F.cross_entropy(model(mg.tensor(x[mine])), mg.tensor(y[mine])).backward()
    for p_ref, p in zip(reference.parameters(), model.parameters()):
        np.testing.assert_allclose(p.grad.numpy(), p_ref.grad.numpy(), rtol=1e-5, atol=1e-6)
    assert_same_on_every_rank([p.grad.numpy() for p in model.parameters()], world, "accumulated gradients")


def assert_differs_between_ranks(array, world: int) -> None:
    everyone = [mg.zeros(array.shape, dtype=array.dtype) for _ in range(world)]
    dist.all_gather(everyone, mg.tensor(array.copy()))
    assert not np.array_equal(everyone[0].numpy(), everyone[1].numpy())


def ddp_checks(rank: int, world: int) -> None:
    """Different models are refused at construction; an unused parameter is named at the next forward."""
    mg.manual_seed(0)
    expect_error(lambda: dist.DistributedDataParallel(TwoLayer(hidden=40 + rank)),
                 "rank 1's model differs from rank 0's", "'fc1.weight'", "(40, 6)", "(41, 6)")
    expect_error(lambda: dist.DistributedDataParallel(TwoLayer(extra_layer=rank == 1)),
                 "rank 1's model differs", "'fc2.weight'")

    class Unused(TwoLayer):
        def __init__(self):
            super().__init__()
            self.spare = nn.Linear(3, 3)  # never called in forward

    model = dist.DistributedDataParallel(Unused())
    x, y = next(batches(1, 4))
    F.cross_entropy(model(mg.tensor(x)), mg.tensor(y)).backward()
    expect_error(lambda: model(mg.tensor(x)), "gave no gradient to 2 parameter(s)", "spare.weight", "spare.bias")

    model = dist.DistributedDataParallel(TwoLayer())
    keys = list(model.state_dict())
    assert keys == list(model.module.state_dict()) and not any(k.startswith("module.") for k in keys)
    model.load_state_dict({"module." + k: v for k, v in model.module.state_dict().items()})
    loss = F.cross_entropy(model(mg.tensor(x)), mg.tensor(y))
    loss.backward()
    expect_error(lambda: F.cross_entropy(model.module(mg.tensor(x)), mg.tensor(y)).backward(),
                 "without a forward through the wrapper")


def sampler(rank: int, world: int) -> None:
    """DistributedSampler takes the rank and world size from the group; the ranks partition the data."""
    dataset = np.arange(23)
    s = mg.data.DistributedSampler(dataset, seed=5)
    assert (s.rank, s.num_replicas) == (rank, world)
    for epoch in range(2):
        s.set_epoch(epoch)
        everyone = [None] * world
        dist.all_gather_object(everyone, list(s))
        union = sorted(i for part in everyone for i in part)
        assert len(union) == 24 and set(union) == set(range(23))  # one index repeated as padding


def rank_raises(rank: int, world: int) -> None:
    """Rank 1 fails before the collective that rank 0 is waiting in: the job must end, not hang."""
    if rank == 1:
        time.sleep(0.2)
        raise ValueError("planted failure on rank 1")
    dist.all_reduce(mg.ones(3))  # never completes: rank 1 does not get here
    print("rank 0 got past the all_reduce", flush=True)


def nccl(rank: int, world: int) -> None:
    """The NCCL communicator: every op on CUDA tensors against NumPy, then DDP on the GPU."""
    seed = 0
    for dtype in (np.float16, np.float32, np.float64, np.int32, np.int64):
        for op in ReduceOp:
            if op is ReduceOp.AVG and np.dtype(dtype).kind != "f":
                continue
            seed += 1
            inputs = everyones_inputs(world, dtype, (5, 3), seed, op)
            t = mg.tensor(inputs[rank].copy(), device="cuda")
            dist.all_reduce(t, op=op)
            expected = NUMPY_REDUCTIONS[op](np.stack(inputs).astype(np.float64), axis=0)
            tolerance = {np.float16: 2e-3, np.float32: 1e-6, np.float64: 1e-15}.get(dtype, 0)
            np.testing.assert_allclose(t.numpy().astype(np.float64), expected, rtol=tolerance, atol=tolerance)
    gathered = [mg.zeros(4, device="cuda") for _ in range(world)]
    dist.all_gather(gathered, mg.ones(4, device="cuda") * rank)
    assert [g.numpy().tolist() for g in gathered] == [[float(r)] * 4 for r in range(world)]
    out = mg.zeros(3, device="cuda")
    dist.reduce_scatter(out, [mg.ones(3, device="cuda") * (r + 1) for r in range(world)])
    np.testing.assert_array_equal(out.numpy(), np.full(3, world * (rank + 1.0)))
    t = mg.ones(6, device="cuda") * rank
    dist.broadcast(t, world - 1)
    np.testing.assert_array_equal(t.numpy(), np.full(6, world - 1.0))
    ddp_matches_one_process(rank, world, device="cuda")


SCENARIOS = {f.__name__: f for f in (collectives, mismatches, ddp_matches_one_process, ddp_no_sync_accumulates,
                                     ddp_checks, sampler, rank_raises, nccl)}


def main(names: list[str]) -> None:
    dist.init_process_group("nccl" if names == ["nccl"] else "mpi")
    rank, world = dist.get_rank(), dist.get_world_size()
    for name in names:
        SCENARIOS[name](rank, world)
        print(f"PASS {name} rank {rank}", flush=True)
    dist.destroy_process_group()


if __name__ == "__main__":
    main(sys.argv[1:])
