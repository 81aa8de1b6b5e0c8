"""The NCCL communicator: collectives on CuPy arrays, GPU to GPU, through `cupy.cuda.nccl`.

One process drives one GPU. At construction every process picks its GPU (its rank among the
processes on its machine, modulo the GPUs it can see, so `CUDA_VISIBLE_DEVICES=3` or a launcher
that hides the others works too), rank 0 asks NCCL for a unique id, MPI sends that id to
everyone (NCCL has no launcher of its own), and each process joins the NCCL communicator with
its MPI rank.

NCCL's collectives are GPU kernels queued on a stream. Each one here runs on a stream of the
communicator's own that first waits for the work already queued on the current stream (the
gradients must be computed before they are sent), so the transfer can overlap the kernels
queued after it; `Work.wait()` makes the current stream wait for the transfer in turn. The host
never blocks, so async_op=False and True queue the same work. The method signatures and the Work they return are the MPI communicator's, so
collectives.py and DistributedDataParallel do not know which one they drive.
"""

from __future__ import annotations

import numpy as np

from .process_group import ReduceOp
from .work import Work

_DTYPES = ("int8", "uint8", "int32", "uint32", "int64", "uint64", "float16", "float32", "float64")


def nccl_dtype(nccl, dtype) -> int:
    """NCCL's code for a NumPy/CuPy dtype (NCCL_FLOAT32, ...)."""
    name = np.dtype(dtype).name
    if name not in _DTYPES:
        raise TypeError(f"NCCL: cannot send {name} arrays; it handles {', '.join(_DTYPES)}")
    return getattr(nccl, "NCCL_" + name.upper())


def nccl_op(nccl, op: ReduceOp) -> int:
    """NCCL's code for a reduction (AVG is a SUM here: collectives.py divides, as for MPI)."""
    return {ReduceOp.SUM: nccl.NCCL_SUM, ReduceOp.AVG: nccl.NCCL_SUM, ReduceOp.PRODUCT: nccl.NCCL_PROD,
            ReduceOp.MIN: nccl.NCCL_MIN, ReduceOp.MAX: nccl.NCCL_MAX}[op]


def _local_rank(comm) -> int:
    """This process's number among the processes of the job that share its machine."""
    from .process_group import _mpi

    MPI = _mpi()
    shared = comm.Split_type(MPI.COMM_TYPE_SHARED)
    try:
        return shared.Get_rank()
    finally:
        shared.Free()


class NCCLCommunicator:
    """Collectives on CUDA (CuPy) arrays over NCCL, bootstrapped through an MPI communicator."""

    device = "cuda"

    def __init__(self, comm):
        import cupy

        try:
            from cupy.cuda import nccl
        except ImportError as err:
            raise RuntimeError(f"init_process_group('nccl'): CuPy cannot load NCCL ({err})") from err
        if not getattr(nccl, "available", True):
            raise RuntimeError("init_process_group('nccl'): CuPy found no NCCL library; install the one for your "
                               "CUDA (pip install nvidia-nccl-cu13 for CUDA 13, nvidia-nccl-cu12 for CUDA 12)")
        self.cupy, self.nccl = cupy, nccl
        gpus = cupy.cuda.runtime.getDeviceCount()
        if gpus < 1:
            raise RuntimeError("init_process_group(backend='nccl'): CuPy sees no CUDA device in this process")
        self.gpu = _local_rank(comm) % gpus
        cupy.cuda.Device(self.gpu).use()  # minigrad's 'cuda' tensors of this process live here
        unique_id = nccl.get_unique_id() if comm.Get_rank() == 0 else None
        unique_id = comm.bcast(unique_id, root=0)
        self.comm = nccl.NcclCommunicator(comm.Get_size(), unique_id, comm.Get_rank())
        self.stream = cupy.cuda.Stream(non_blocking=True)

    def _launch(self, call, *arrays) -> Work:
        """Queue `call(stream_pointer)` on our stream, after the current stream's work."""
        current = self.cupy.cuda.get_current_stream()
        self.stream.wait_event(current.record())
        call(self.stream.ptr)
        done = self.stream.record()
        return Work(lambda: self.cupy.cuda.get_current_stream().wait_event(done), lambda: done.done, keep=arrays)

    def all_reduce(self, array, op: ReduceOp, async_op: bool = True) -> Work:
        """array <- op over the ranks of array (elementwise), in place."""
        ptr, kind, code = array.data.ptr, nccl_dtype(self.nccl, array.dtype), nccl_op(self.nccl, op)
        return self._launch(lambda s: self.comm.allReduce(ptr, ptr, array.size, kind, code, s), array)

    def broadcast(self, array, src: int, async_op: bool = True) -> Work:
        """array <- rank src's array."""
        ptr, kind = array.data.ptr, nccl_dtype(self.nccl, array.dtype)
        return self._launch(lambda s: self.comm.broadcast(ptr, ptr, array.size, kind, src, s), array)

    def all_gather(self, out, array, async_op: bool = True) -> Work:
        """out[r] <- rank r's array; out has shape [world_size, *array.shape]."""
        kind = nccl_dtype(self.nccl, array.dtype)
        return self._launch(lambda s: self.comm.allGather(array.data.ptr, out.data.ptr, array.size, kind, s),
                            out, array)

    def reduce_scatter(self, out, array, op: ReduceOp, async_op: bool = True) -> Work:
        """out <- op over the ranks of array[rank]; array has shape [world_size, *out.shape]."""
        kind, code = nccl_dtype(self.nccl, array.dtype), nccl_op(self.nccl, op)
        return self._launch(
            lambda s: self.comm.reduceScatter(array.data.ptr, out.data.ptr, out.size, kind, code, s), out, array)

    def close(self) -> None:
        """Free the NCCL communicator (after the work queued on it)."""
        self.stream.synchronize()
        self.comm.destroy()
