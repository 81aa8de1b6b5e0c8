"""Data-parallel training over MPI (CPU processes) and NCCL (GPUs), with PyTorch's names.

    import minigrad.distributed as dist

    dist.init_process_group()                    # rank and world size from the MPI launcher
    model = dist.DistributedDataParallel(model)  # gradients averaged across ranks in backward
    sampler = mg.data.DistributedSampler(dataset)  # each rank its own share of the data
    ...
    $ mpiexec -n 2 python train.py

    process_group.py  init_process_group, get_rank, get_world_size, ReduceOp, destroy_process_group
    collectives.py    all_reduce, broadcast, all_gather, reduce_scatter, barrier (+ object versions)
    mpi.py            the MPI communicator (NumPy buffers through mpi4py)
    nccl.py           the NCCL communicator (CuPy buffers through cupy.cuda.nccl)
    work.py           Work: a collective in flight (async_op=True)
    ddp.py            DistributedDataParallel: buckets, hooks, one all-reduce per bucket

mpi4py and CuPy are imported only by init_process_group, so this package imports anywhere.
docs/distributed.md explains what is sent when and what it costs.
"""

from .collectives import (all_gather, all_gather_object, all_reduce, barrier, broadcast, broadcast_object_list,
                          reduce_scatter)
from .ddp import DistributedDataParallel
from .process_group import (ReduceOp, WORLD, destroy_process_group, get_backend, get_rank, get_world_size,
                            init_process_group, is_available, is_initialized)
from .work import Work


class group:
    """PyTorch's `dist.group.WORLD`: the default group (the only group minigrad has)."""

    WORLD = WORLD


__all__ = [
    "init_process_group", "is_initialized", "is_available", "get_rank", "get_world_size", "get_backend",
    "destroy_process_group", "ReduceOp", "group", "all_reduce", "broadcast", "all_gather", "reduce_scatter",
    "barrier", "all_gather_object", "broadcast_object_list", "DistributedDataParallel", "Work",
]
