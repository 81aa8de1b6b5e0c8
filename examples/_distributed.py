"""What --distributed adds to an example: data-parallel training over the processes of mpiexec.

    mpiexec -n 2 python examples/digits_mlp.py --distributed

Every process (rank) builds the same model, DistributedDataParallel makes the weights equal and
averages the gradients, and each rank trains on its own share of every global batch
(--batch-size is the global batch: each rank takes batch_size / world_size of it). Rank 0 alone
prints, evaluates, samples and writes checkpoints and plots; the others only train.
Without --distributed nothing here does anything: the example runs as one process.

    add_flag(parser)                       # --distributed
    rank, world = start(args)              # (0, 1) without --distributed
    trained = wrap(model, args)            # DistributedDataParallel(model), or model itself
    loader = loader_for(arrays, args, device)  # DataLoader over this rank's share (DistributedSampler)
    x, y = my_share(x, y)                  # this rank's rows of a global batch
"""

from __future__ import annotations

import os
import sys

import minigrad as mg
from minigrad import data


def add_flag(parser) -> None:
    """Add --distributed to an example's parser (it needs mpi4py, checked before any work)."""
    from _common import MPI4PY

    parser.add_argument("--distributed", action="store_true", needs=MPI4PY,
                        help="data-parallel over the processes of `mpiexec -n N`; --batch-size is the global "
                             "batch, rank 0 prints and saves")


def enabled(args) -> bool:
    """True when the example was started with --distributed (examples without the flag: False)."""
    return bool(getattr(args, "distributed", False))


def start(args) -> tuple[int, int]:
    """Join the processes (MPI for a CPU run, NCCL for --device cuda); return (rank, world size).

    Ranks other than 0 stop printing to stdout, so the output reads as one run's.
    """
    if not enabled(args):
        return 0, 1
    import minigrad.distributed as dist

    if not dist.is_available():
        sys.exit("--distributed needs mpi4py and MPI: pip install -e '.[distributed]', then "
                 "mpiexec -n 2 python examples/... --distributed")
    dist.init_process_group("nccl" if str(args.device).startswith("cuda") else "mpi")
    rank, world = dist.get_rank(), dist.get_world_size()
    if args.batch_size % world:
        sys.exit(f"--batch-size {args.batch_size} is the global batch: it must split evenly over {world} ranks")
    if rank != 0:
        sys.stdout = open(os.devnull, "w")  # rank 0 speaks for the job
    return rank, world


def is_main(args) -> bool:
    """True on the rank that prints, evaluates and saves (rank 0, or the only process)."""
    if not enabled(args):
        return True
    import minigrad.distributed as dist

    return dist.get_rank() == 0


def wrap(model, args):
    """The model to train: DistributedDataParallel(model) with --distributed, else model itself.

    Evaluate and save through `model` (the wrapper's .module): that needs no other rank.
    """
    if not enabled(args):
        return model
    from minigrad.distributed import DistributedDataParallel

    return DistributedDataParallel(model)


def loader_for(arrays: tuple, args, device: str) -> data.DataLoader:
    """Shuffled batches; with --distributed, this rank's share of each epoch in batches of
    batch_size / world_size (a DistributedSampler seeded with args.seed decides the shares)."""
    if not enabled(args):
        return data.DataLoader(arrays, batch_size=args.batch_size, shuffle=True, seed=args.seed, device=device)
    import minigrad.distributed as dist

    sampler = data.DistributedSampler(arrays[0], seed=args.seed)
    return data.DataLoader(arrays, batch_size=args.batch_size // dist.get_world_size(), sampler=sampler,
                           device=device)


def set_epoch(loader: data.DataLoader, epoch: int) -> None:
    """A new shuffle of the shares each epoch (the same on every rank); nothing without a sampler."""
    if getattr(loader, "sampler", None) is not None:
        loader.sampler.set_epoch(epoch)


def my_share(*tensors: mg.Tensor) -> tuple:
    """This rank's rows of each tensor of a global batch (all of them in a single process)."""
    import minigrad.distributed as dist

    if not dist.is_initialized():
        return tensors
    rank, world = dist.get_rank(), dist.get_world_size()
    share = tensors[0].shape[0] // world
    return tuple(t[rank * share:(rank + 1) * share] for t in tensors)
