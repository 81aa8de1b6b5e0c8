"""Group: data-parallel training over MPI. Run it under the launcher, two ranks or more:

    mpiexec -n 2 python -m benchmarks --only distributed

What it measures, with every rank doing the same work at the same time:

    training steps   MNIST-shaped MLP (784-512-512-10, 64 per rank, Adam) and the tiny GPT
                     (V65, T64, d128, 4 heads, 2 layers, 8 sequences per rank, AdamW):
                       minigrad            DistributedDataParallel (default buckets), all ranks
                       1 rank              the plain step on rank 0 alone, the others idle
                       2 ranks, no comm    the plain step on every rank at once: the same work, no
                                           averaging (what the machine gives each rank)
                       reduce after bwd    the plain step plus one all-reduce of all gradients after
                                           backward: averaging without overlap
                     hidden = 1 - (DDP - no comm) / (after bwd - no comm): the share of the
                     averaging's cost that the buckets hide behind the backward
    all-reduce       the same bytes (the MLP's and GPT's gradients, and small messages) through
                       minigrad            dist.all_reduce (with its cross-rank shape check) or
                                           DDP's bucket path (no check)
                       mpi4py              comm.Allreduce(MPI.IN_PLACE, buffer) on a float32 array

How a number is taken: the sides alternate in blocks, rotating which goes first (as the rest of
the harness does); a block starts at a barrier, runs `steps` calls on every rank, and its time is
the slowest rank's. The figure is the median block time / steps. Each rank gets cores // ranks
BLAS threads, so the ranks never fight for a core. The "foreign CPU" of these rows leaves out the
ranks themselves: it is what other processes took.
"""
from __future__ import annotations

import os
import time

import numpy as np

import minigrad as mg

from . import harness, training
from .harness import ForeignLoad, Stats
from .record import Bench, Context, Row, Skip

GROUP = "distributed"
TITLE = "Data-parallel training over MPI (DistributedDataParallel vs one rank, all-reduce vs mpi4py)"
COMPETITORS = ["1 rank", "2 ranks, no comm", "reduce after bwd", "mpi4py"]
NOTES = ["Launched as mpiexec -n N python -m benchmarks --only distributed; every rank runs the same "
         "work; a figure is the slowest rank's. '2 ranks' in a column name means all N ranks."]

LAUNCHER_RANK_VARIABLES = ("PMI_RANK", "OMPI_COMM_WORLD_RANK", "PMIX_RANK")


def launcher_rank() -> int:
    """This process's rank as the MPI launcher told it (0 outside a launcher), without starting MPI:
    benchmarks/__main__.py lets rank 0 alone print and write the results."""
    for name in LAUNCHER_RANK_VARIABLES:
        if os.environ.get(name, "").isdigit():
            return int(os.environ[name])
    return 0


# ---- the group of ranks -----------------------------------------------------------------------

def _group():
    """minigrad.distributed, initialized; Skip when MPI is missing or this is a world of one."""
    try:
        import minigrad.distributed as dist
    except ImportError as error:
        raise Skip(f"minigrad.distributed is not available ({error})") from error
    if not dist.is_available():
        raise Skip("needs mpi4py and MPI: pip install -e '.[distributed]'")
    if not dist.is_initialized():
        dist.init_process_group("mpi")
    if dist.get_world_size() < 2:
        dist.destroy_process_group()
        raise Skip("needs 2 or more ranks: mpiexec -n 2 python -m benchmarks --only distributed")
    from minigrad.distributed.process_group import default_group

    return dist, default_group("benchmarks")


class _Threads:
    """BLAS threads per rank = usable cores // ranks (at least 1), for the group's duration."""

    def __init__(self, ranks: int):
        self.threads = max(1, harness.usable_cores() // ranks)
        self._limits = None

    def __enter__(self):
        threadpoolctl = harness.optional_import("threadpoolctl")
        if threadpoolctl is not None:
            self._limits = threadpoolctl.threadpool_limits(limits=self.threads, user_api="blas")
        return self

    def __exit__(self, *exc):
        if self._limits is not None:
            self._limits.restore_original_limits()
        return False


def _idle_until_rank0_is_done(comm) -> None:
    """Wait for rank 0 without using a core (MPI's own waits spin): a polled non-blocking barrier."""
    request = comm.Ibarrier()
    while not request.Test():
        time.sleep(0.0005)


def _block(comm, fn, steps: int, alone: bool) -> float:
    """Seconds per call of `fn` over `steps` calls, the slowest rank's (rank 0's alone if `alone`)."""
    comm.Barrier()
    if alone and comm.Get_rank() != 0:
        _idle_until_rank0_is_done(comm)
        elapsed = 0.0
    else:
        fn()  # one untimed call: the block never starts cold
        start = time.perf_counter()
        for _ in range(steps):
            fn()
        elapsed = (time.perf_counter() - start) / steps
        if alone:
            comm.Ibarrier().Wait()
    return comm.allreduce(elapsed, op=_mpi().MAX)


def _mpi():
    from mpi4py import MPI

    return MPI


def _measure(comm, sides: dict, alone: set, ctx: Context) -> dict:
    """{side: Stats}: the sides in rotating order, `rounds` blocks each, `steps` calls per block."""
    steps = {"tiny": 2}.get(ctx.sizes, 5 if ctx.quick else 10)
    rounds = ctx.config.rounds
    names = list(sides)
    samples = {name: [] for name in names}
    for r in range(rounds):
        for name in names[r % len(names):] + names[:r % len(names)]:
            samples[name].append(_block(comm, sides[name], steps, name in alone))
    return {name: Stats.from_samples(values, steps) for name, values in samples.items()}


def _foreign_load(comm, work):
    """Run work(); return (its result, the CPU share other processes than the ranks took meanwhile)."""
    start = ForeignLoad._snapshot()
    result = work()
    end = ForeignLoad._snapshot()
    if start is None or end is None:
        return result, None
    busy, total, mine = (b - a for a, b in zip(start, end))
    ranks_cpu = comm.allreduce(mine, op=_mpi().SUM)
    return result, (max(0.0, (busy - ranks_cpu) / total) if total > 0 else None)


# ---- training steps ---------------------------------------------------------------------------

def _average_after_backward(model, comm, world: int):
    """The no-overlap way: after backward, one all-reduce of every gradient in one flat buffer."""
    params = model.parameters()
    flat = np.empty(sum(p.size for p in params), dtype=np.float32)

    def reduce():
        start = 0
        for p in params:
            flat[start:start + p.size] = p.grad.data.reshape(-1)
            start += p.size
        comm.Allreduce(_mpi().IN_PLACE, flat)
        flat[...] /= world  # (in place: flat stays the closure's buffer)
        start = 0
        for p in params:
            p.grad.data[...] = flat[start:start + p.size].reshape(p.shape)
            start += p.size

    return reduce


def _train_step(model, optimizer, xs, ys, after_backward=None):
    import minigrad.nn.functional as F

    position = [0]

    def step():
        i = position[0] % len(xs)
        position[0] += 1
        optimizer.zero_grad()
        logits = model(xs[i])  # [N, C] for the MLP, [B, T, C] for the GPT: one row per prediction
        F.cross_entropy(logits.view(-1, logits.shape[-1]), ys[i].view(-1)).backward()
        if after_backward is not None:
            after_backward()
        optimizer.step()

    return step


def _training(name: str, size: str, build, data, make_optimizer):
    def run(ctx: Context) -> list:
        dist, group = _group()
        comm, world, rank = group.comm, group.size, group.rank
        with _Threads(world) as threads:
            rng = np.random.default_rng(100 + rank)  # each rank its own batches
            xs, ys = (list(map(mg.tensor, part)) for part in data(rng))
            mg.manual_seed(0)
            plain, after, wrapped = build(), build(), build()
            ddp = dist.DistributedDataParallel(wrapped)
            sides = {
                "minigrad": _train_step(ddp, make_optimizer(ddp.parameters()), xs, ys),
                "1 rank": _train_step(plain, make_optimizer(plain.parameters()), xs, ys),
                "2 ranks, no comm": _train_step(plain, make_optimizer(plain.parameters()), xs, ys),
                "reduce after bwd": _train_step(after, make_optimizer(after.parameters()), xs, ys,
                                                _average_after_backward(after, comm, world)),
            }
            stats, others = _foreign_load(comm, lambda: _measure(comm, sides, {"1 rank"}, ctx))
        own = stats.pop("minigrad")
        exposed = own.median - stats["2 ranks, no comm"].median
        unhidden = stats["reduce after bwd"].median - stats["2 ranks, no comm"].median
        hidden = 1 - exposed / unhidden if unhidden > 0 else None
        row = Row(GROUP, f"{name}, DDP on {world} ranks", size, 0, "mpi", own, stats)
        row.extra.update(foreign_cpu=others, ranks=world, blas_threads_per_rank=threads.threads,
                         gradient_MiB=sum(p.data.nbytes for p in wrapped.parameters()) / 2**20,
                         buckets_KiB=[round(b.nbytes / 1024, 1) for b in ddp._buckets],
                         exposed_comm_s=exposed, unoverlapped_comm_s=unhidden, hidden_share=hidden)
        ctx.note(f"{name}: {len(ddp._buckets)} buckets of {row.extra['buckets_KiB']} KiB; averaging costs "
                 f"{1e3 * exposed:.2f} ms per step with DDP's buckets, {1e3 * unhidden:.2f} ms when done after "
                 f"backward: hidden share {'-' if hidden is None else f'{100 * hidden:.0f}%'}")
        return [row]

    return run


def _mlp_data(rng):
    return training.random_batches((64, 784), 10, (64,), rng)


def _gpt_data(rng):
    return training.token_batches(65, 8, 64, rng)


def _mlp():
    import minigrad.nn as nn

    return training.mlp_minigrad(nn, (784, 512, 512, 10))


def _gpt():
    import minigrad.nn as nn

    return training.gpt_minigrad(nn, 65, 64, 128, 4, 2)


# ---- all-reduce against mpi4py --------------------------------------------------------------------

def _allreduce(label: str, count):
    """Rows for all-reducing `count()` float32s: dist.all_reduce and DDP's path, each against mpi4py."""
    def run(ctx: Context) -> list:
        dist, group = _group()
        comm, world = group.comm, group.size
        MPI = _mpi()
        n = count()
        tensor = mg.zeros(n)  # zeros: repeated sums stay finite
        raw = np.zeros(n, dtype=np.float32)
        bucket = np.zeros(n, dtype=np.float32)
        communicator = group.communicators["cpu"]
        sides = {
            "minigrad": lambda: dist.all_reduce(tensor),
            "DDP bucket path": lambda: communicator.all_reduce(bucket, dist.ReduceOp.SUM).wait(),
            "mpi4py": lambda: comm.Allreduce(MPI.IN_PLACE, raw),
        }
        stats, others = _foreign_load(comm, lambda: _measure(comm, sides, set(), ctx))
        size = f"{_human_bytes(4 * n)} ({label})"
        rows = []
        for impl, bench in (("minigrad", "dist.all_reduce"), ("DDP bucket path", "DDP bucket all-reduce")):
            row = Row(GROUP, bench, size, n, "mpi", stats[impl], {"mpi4py": stats["mpi4py"]})
            row.extra.update(foreign_cpu=others, ranks=world, bytes=4 * n)
            rows.append(row)
        return rows

    return run


def _human_bytes(n: int) -> str:
    for unit, scale in (("MiB", 2**20), ("KiB", 2**10)):
        if n >= scale:
            return f"{n / scale:.3g} {unit}"
    return f"{n} B"


def _parameter_count(build):
    return lambda: sum(p.size for p in build().parameters())


def plan(device: str) -> list:
    """The distributed benchmarks (CPU processes over MPI; nothing for --device cuda yet)."""
    if device != "cpu":
        return []
    from minigrad.optim import Adam, AdamW

    return [
        Bench("distributed.ddp_mlp_step", GROUP, _training("MNIST-shaped MLP step", "784-512-512-10 b64/rank",
                                                        _mlp, _mlp_data, lambda ps: Adam(ps, lr=1e-3))),
        Bench("distributed.ddp_gpt_step", GROUP, _training("tiny GPT step", "V65 T64 d128 L2 b8/rank",
                                                        _gpt, _gpt_data, lambda ps: AdamW(ps, lr=1e-3))),
        Bench("distributed.allreduce_small", GROUP, _allreduce("small message", lambda: 1024)),
        Bench("distributed.allreduce_256k", GROUP, _allreduce("mid-size", lambda: 65536)),
        Bench("distributed.allreduce_mlp", GROUP, _allreduce("the MLP's gradients", _parameter_count(_mlp))),
        Bench("distributed.allreduce_gpt", GROUP, _allreduce("the GPT's gradients", _parameter_count(_gpt))),
    ]
