"""The MPI communicator: collectives on NumPy arrays, in place, through mpi4py.

mpi4py passes a NumPy array's buffer to MPI as it is (no copy, no pickle); the MPI datatype
follows from the array's dtype. Every call here is MPI's non-blocking form (MPI_Iallreduce,
MPI_Ibcast, ...) and returns a Work; a blocking collective is that call followed by wait().
MPICH moves a non-blocking message along only inside MPI calls, so a caller that wants the
transfer to overlap its own computation tests the Work now and then (DistributedDataParallel
does, at every gradient it receives).

The arrays must be C-contiguous; `collectives.py` makes sure of that before calling here.
"""

from __future__ import annotations

from .process_group import ReduceOp, _mpi
from .work import Work


def _op(op: ReduceOp):
    MPI = _mpi()
    # AVG is a SUM here; the division by the world size is shared with NCCL (collectives.py)
    return {ReduceOp.SUM: MPI.SUM, ReduceOp.AVG: MPI.SUM, ReduceOp.PRODUCT: MPI.PROD,
            ReduceOp.MIN: MPI.MIN, ReduceOp.MAX: MPI.MAX}[op]


def _work(request, *arrays) -> Work:
    return Work(request.Wait, request.Test, keep=arrays)


class MPICommunicator:
    """Collectives on CPU (NumPy) arrays over an MPI communicator."""

    device = "cpu"

    def __init__(self, comm):
        self.comm = comm

    def all_reduce(self, array, op: ReduceOp) -> Work:
        """array <- op over the ranks of array (elementwise), in place."""
        return _work(self.comm.Iallreduce(_mpi().IN_PLACE, array, op=_op(op)), array)

    def broadcast(self, array, src: int) -> Work:
        """array <- rank src's array."""
        return _work(self.comm.Ibcast(array, root=src), array)

    def all_gather(self, out, array) -> Work:
        """out[r] <- rank r's array; out has shape [world_size, *array.shape]."""
        return _work(self.comm.Iallgather(array, out), out, array)

    def reduce_scatter(self, out, array, op: ReduceOp) -> Work:
        """out <- op over the ranks of array[rank]; array has shape [world_size, *out.shape]."""
        return _work(self.comm.Ireduce_scatter_block(array, out, op=_op(op)), out, array)

    def close(self) -> None:
        """Nothing to free: the MPI communicator belongs to the process group."""
