"""The MPI communicator: collectives on NumPy arrays, in place, through mpi4py.

mpi4py passes a NumPy array's buffer to MPI as it is (no copy, no pickle); the MPI datatype
follows from the array's dtype. A blocking call (async_op=False) is MPI's blocking collective
(MPI_Allreduce, ...), the cheapest way to a result that is needed at once. A non-blocking one is
MPI's non-blocking form (MPI_Iallreduce, ...) and returns a Work to wait on. MPICH moves a
non-blocking message along only inside MPI calls, so a caller that wants the transfer to
overlap its own computation tests the Work now and then (DistributedDataParallel does, at
every gradient it receives).

The arrays must be C-contiguous; `collectives.py` makes sure of that before calling here.
"""

from __future__ import annotations

from .process_group import ReduceOp, _mpi
from .work import Work, finished


def _work(request, *arrays) -> Work:
    return Work(request.Wait, request.Test, keep=arrays)


class MPICommunicator:
    """Collectives on CPU (NumPy) arrays over an MPI communicator."""

    device = "cpu"

    def __init__(self, comm):
        self.comm = comm
        MPI = _mpi()
        self.in_place = MPI.IN_PLACE
        # AVG is a SUM here; the division by the world size is shared with NCCL (collectives.py)
        self.ops = {ReduceOp.SUM: MPI.SUM, ReduceOp.AVG: MPI.SUM, ReduceOp.PRODUCT: MPI.PROD,
                    ReduceOp.MIN: MPI.MIN, ReduceOp.MAX: MPI.MAX}

    def all_reduce(self, array, op: ReduceOp, async_op: bool = True) -> Work:
        """array <- op over the ranks of array (elementwise), in place."""
        if not async_op:
            self.comm.Allreduce(self.in_place, array, op=self.ops[op])
            return finished()
        return _work(self.comm.Iallreduce(self.in_place, array, op=self.ops[op]), array)

    def broadcast(self, array, src: int, async_op: bool = True) -> Work:
        """array <- rank src's array."""
        if not async_op:
            self.comm.Bcast(array, root=src)
            return finished()
        return _work(self.comm.Ibcast(array, root=src), array)

    def all_gather(self, out, array, async_op: bool = True) -> Work:
        """out[r] <- rank r's array; out has shape [world_size, *array.shape]."""
        if not async_op:
            self.comm.Allgather(array, out)
            return finished()
        return _work(self.comm.Iallgather(array, out), out, array)

    def reduce_scatter(self, out, array, op: ReduceOp, async_op: bool = True) -> Work:
        """out <- op over the ranks of array[rank]; array has shape [world_size, *out.shape]."""
        if not async_op:
            self.comm.Reduce_scatter_block(array, out, op=self.ops[op])
            return finished()
        return _work(self.comm.Ireduce_scatter_block(array, out, op=self.ops[op]), out, array)

    def close(self) -> None:
        """Nothing to free: the MPI communicator belongs to the process group."""
