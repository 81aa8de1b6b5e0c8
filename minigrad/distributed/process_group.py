"""The default process group: who am I (rank), how many are we (world size), and which
library moves the bytes (MPI for CPU tensors, NCCL for CUDA tensors).

minigrad does not start processes. An MPI launcher does, and tells each process its rank:

    mpiexec -n 4 python train.py                       # 4 processes on this machine
    mpiexec -n 8 -f hosts python train.py              # 8 processes over the machines in `hosts`

`init_process_group()` then reads the rank and the world size from MPI (through mpi4py), so
there is no address, port or rendezvous to configure. With the "nccl" backend each process
also picks its GPU (its rank among the processes on its machine, modulo the GPUs it sees)
and builds an NCCL communicator whose unique id rank 0 sends to the others over MPI.

The group holds one communicator per device kind. Every collective asks `backend_for(array)`
for the one that matches the tensor's device; everything above that call (checks, averaging,
DistributedDataParallel's buckets) is the same code for MPI and NCCL.
"""

from __future__ import annotations

import sys
from enum import Enum

BACKENDS = ("mpi", "nccl")


class ReduceOp(Enum):
    """How all_reduce and reduce_scatter combine the ranks' values (PyTorch's names)."""

    SUM = "sum"
    AVG = "avg"  # SUM, then divided by the world size (floating-point tensors only)
    PRODUCT = "product"
    MIN = "min"
    MAX = "max"


class _Group:
    """The state of the default process group (there is one per process)."""

    def __init__(self, comm, backend: str, communicators: dict):
        self.comm = comm  # an MPI communicator: object exchange, checks, barrier, NCCL's bootstrap
        self.backend = backend  # what init_process_group was asked for: "mpi", "nccl" or "mpi,nccl"
        self.communicators = communicators  # device kind ("cpu", "cuda") -> MPI or NCCL communicator
        self.rank = comm.Get_rank()
        self.size = comm.Get_size()
        self.previous_excepthook = None


_group: _Group | None = None


def _mpi():
    """mpi4py's MPI module, or an error that says how to install it."""
    try:
        from mpi4py import MPI
    except ImportError as err:
        raise RuntimeError(
            "minigrad.distributed needs mpi4py and an MPI library: pip install 'minigrad[distributed]' "
            "(it installs mpi4py and MPICH's wheel, whose mpiexec launches the processes)"
        ) from err
    return MPI


def init_process_group(backend: str | None = None, init_method: str | None = None, world_size: int = -1,
                       rank: int = -1) -> None:
    """Join the job's processes into the default group; call it once in every process, first.

    backend: "mpi" (CPU tensors), "nccl" (CUDA tensors, one GPU per process), or None: MPI for
    CPU tensors plus NCCL for CUDA tensors when a GPU is usable here. The rank and the world
    size come from the MPI launcher (`mpiexec -n 2 python train.py`; a plain `python train.py`
    is a world of one). `world_size` and `rank` may be given, as in PyTorch, but must then
    agree with the launcher's; `init_method` must be None or "env://" (MPI needs no address).

    After this call, an uncaught exception in any process prints its traceback and aborts the
    whole job (MPI_Abort), so the other processes do not wait forever in a collective.
    """
    global _group
    if _group is not None:
        raise RuntimeError("init_process_group: the default process group is already initialized; "
                           "call destroy_process_group() first to start a new one")
    if backend is not None and str(backend).lower() not in BACKENDS:
        raise ValueError(f"init_process_group: unknown backend {backend!r}; expected one of {BACKENDS} or None")
    if init_method not in (None, "env://"):
        raise ValueError(f"init_process_group: init_method {init_method!r} is not supported: the ranks come "
                         f"from the MPI launcher (mpiexec), so leave it None")
    MPI = _mpi()
    comm = MPI.COMM_WORLD.Dup()  # a private communicator: the user's own MPI messages never mix with ours
    for name, given, actual in (("world_size", world_size, comm.Get_size()), ("rank", rank, comm.Get_rank())):
        if given not in (-1, None) and given != actual:
            comm.Free()
            raise ValueError(f"init_process_group: {name}={given} was passed but the MPI launcher says "
                             f"{actual}; leave it out (-1) to take the launcher's")
    from . import mpi

    backend = None if backend is None else str(backend).lower()
    communicators = {}
    if backend in (None, "mpi"):
        communicators["cpu"] = mpi.MPICommunicator(comm)
    if backend == "nccl" or (backend is None and _gpu_usable()):
        from . import nccl

        try:
            communicators["cuda"] = nccl.NCCLCommunicator(comm)
        except BaseException:
            comm.Free()
            raise
    if backend is None:  # say what was chosen: "mpi", or "mpi,nccl" where a GPU took NCCL too
        backend = ",".join({"cpu": "mpi", "cuda": "nccl"}[kind] for kind in communicators)
    _group = _Group(comm, backend, communicators)
    if _group.size > 1:
        _install_abort_on_error(_group)


def _gpu_usable() -> bool:
    """A GPU and NCCL are both there (backend=None then adds NCCL for CUDA tensors)."""
    from .. import cuda

    if not cuda.is_available():
        return False
    try:
        from cupy.cuda import nccl
    except ImportError:
        return False
    return bool(getattr(nccl, "available", True))


def _install_abort_on_error(group: _Group) -> None:
    """Make an uncaught exception end every process of the job, not just this one.

    Without this, the process that raised exits while the others block forever in their next
    collective, waiting for it. MPI_Abort asks the launcher to stop them all; mpiexec then
    exits non-zero. (This is what `python -m mpi4py script.py` does too.)
    """
    previous = sys.excepthook

    def abort_job(kind, value, traceback):
        previous(kind, value, traceback)
        sys.stderr.write(f"minigrad.distributed: rank {group.rank} raised {kind.__name__}; aborting all "
                         f"{group.size} processes\n")
        sys.stderr.flush()
        sys.stdout.flush()
        group.comm.Abort(1)

    group.previous_excepthook = previous
    sys.excepthook = abort_job


def is_initialized() -> bool:
    """True between init_process_group() and destroy_process_group()."""
    return _group is not None


def is_available() -> bool:
    """True when mpi4py is installed here (checked without starting MPI)."""
    import importlib.util

    return importlib.util.find_spec("mpi4py") is not None


def default_group(what: str) -> _Group:
    """The default group, or a clear error naming the call that needed it."""
    if _group is None:
        raise RuntimeError(f"{what}: the default process group is not initialized; call "
                           f"minigrad.distributed.init_process_group() first (and launch with mpiexec)")
    return _group


def get_rank(group=None) -> int:
    """This process's number in the group, 0 .. world_size - 1."""
    return _checked(group, "get_rank").rank


def get_world_size(group=None) -> int:
    """How many processes the group has."""
    return _checked(group, "get_world_size").size


def get_backend(group=None) -> str:
    """The backend the group was made with: "mpi", "nccl", or "mpi,nccl" (backend=None with a GPU)."""
    return _checked(group, "get_backend").backend


def _checked(group, what: str) -> _Group:
    current = default_group(what)
    if group is not None and group is not current and group is not WORLD:
        raise ValueError(f"{what}: only the default group is supported (group=None), got {group!r}")
    return current


def destroy_process_group(group=None) -> None:
    """Leave the default group: free its communicators (MPI itself stays up until exit)."""
    global _group
    current = _checked(group, "destroy_process_group")
    for communicator in current.communicators.values():
        communicator.close()
    if current.previous_excepthook is not None:
        sys.excepthook = current.previous_excepthook
    current.comm.Free()
    _group = None


class _World:
    """`group.WORLD`: a name for the default group, accepted wherever a group is."""

    def __repr__(self) -> str:
        return "group.WORLD"


WORLD = _World()

