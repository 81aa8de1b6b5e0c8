"""Collectives on tensors, PyTorch's names: all_reduce, broadcast, all_gather, reduce_scatter, barrier.

Every call works in place on the tensor's array: a NumPy buffer goes straight to MPI, a CuPy
buffer to NCCL. Before any bytes move, the ranks swap a short description of the call (which
collective, which reduction, source rank, device, dtype, shape: a few int64s, one small
MPI_Allgather): if they disagree, every rank raises the same error naming what each one passed,
instead of MPI mixing up arrays of different sizes or waiting forever. That exchange also makes
every collective a synchronisation point; DistributedDataParallel, whose ranks were checked
once at construction, sends its gradients without it.

    import minigrad.distributed as dist
    dist.init_process_group()                   # under `mpiexec -n 2 python script.py`
    t = mg.tensor([1.0, 2.0]) * (dist.get_rank() + 1)
    dist.all_reduce(t)                          # t == [3., 6.] on both ranks
"""

from __future__ import annotations

import numpy as np

from ..tensor import Tensor
from .process_group import ReduceOp, _Group, _checked
from .work import Work, finished

# The description of a call, as int64s: the same layout on every rank.
_CALLS = ("all_reduce", "broadcast", "all_gather", "reduce_scatter", "barrier", "all_gather_object",
          "broadcast_object_list")
_OPS = (None, *ReduceOp)
_DEVICES = (None, "cpu", "cuda")
_DTYPES = (None, "int8", "uint8", "int16", "uint16", "int32", "uint32", "int64", "uint64",
           "float16", "float32", "float64")
_MAX_DIMS = 16
_SLOTS = 6 + _MAX_DIMS  # call, op, src, device, dtype, ndim, then the shape padded with -1


def _describe(call: str, array=None, op=None, src: int = -1) -> np.ndarray:
    description = np.full(_SLOTS, -1, dtype=np.int64)
    description[:5] = (_CALLS.index(call), _OPS.index(op), src, 0, 0)
    if array is not None:
        description[3] = _DEVICES.index("cpu" if isinstance(array, np.ndarray) else "cuda")
        description[4] = _DTYPES.index(array.dtype.name)
        shape = array.shape
        if len(shape) > _MAX_DIMS:  # fold the trailing axes: still catches every size mismatch
            shape = (*shape[:_MAX_DIMS - 1], int(np.prod(shape[_MAX_DIMS - 1:])))
        description[5] = array.ndim
        description[6:6 + len(shape)] = shape
    return description


def _explain(description: np.ndarray) -> str:
    call, op, src, device, dtype, ndim = (int(v) for v in description[:6])
    text = _CALLS[call]
    if _OPS[op] is not None:
        text += f"(op={_OPS[op].name})"
    if src >= 0:
        text += f"(src={src})"
    if dtype > 0:
        shape = tuple(int(v) for v in description[6:6 + min(ndim, _MAX_DIMS)])
        text += f" of a {_DTYPES[dtype]} tensor of shape {shape} on {_DEVICES[device]}"
    return text


def _agree(group: _Group, call: str, array=None, op=None, src: int = -1) -> None:
    """Exchange the description of this call; raise on every rank if the ranks differ."""
    mine = _describe(call, array, op, src)
    everyone = np.empty((group.size, _SLOTS), dtype=np.int64)
    group.comm.Allgather(mine, everyone)
    if (everyone == everyone[0]).all():
        return
    lines = "\n  ".join(f"rank {r}: {_explain(d)}" for r, d in enumerate(everyone))
    raise RuntimeError(f"{call}: the ranks disagree on this collective:\n  {lines}\nevery rank must call the "
                       f"same collectives, in the same order, with tensors of the same shape and dtype")


def _array(tensor, call: str, what: str = "tensor"):
    """The tensor's array, after checking that a collective can write into it."""
    if not isinstance(tensor, Tensor):
        raise TypeError(f"{call}: {what} must be a minigrad Tensor, got {type(tensor).__name__}")
    array = tensor.data
    if array.dtype.name not in _DTYPES[1:]:
        raise TypeError(f"{call}: {what} has dtype {array.dtype}; collectives handle {', '.join(_DTYPES[1:])}")
    if not getattr(array.flags, "writeable", True):
        raise ValueError(f"{call}: {what} (shape {tuple(array.shape)}) is a read-only view; a collective "
                         f"writes into it: pass a tensor that owns its memory (e.g. t.clone())")
    return array


def _communicator(group: _Group, array, call: str):
    device = "cpu" if isinstance(array, np.ndarray) else "cuda"
    if device not in group.communicators:
        raise RuntimeError(f"{call}: a {device} tensor, but the process group was made with backend "
                           f"{group.backend!r}, which handles {' and '.join(group.communicators)} tensors; "
                           f"init_process_group('mpi') is for CPU tensors, 'nccl' for CUDA, None for both")
    return group.communicators[device]


def _contiguous(array, xp_of_array):
    """A C-contiguous array for MPI/NCCL, and the step that copies a result back (or None)."""
    if array.flags.c_contiguous:
        return array, None
    buffer = xp_of_array.ascontiguousarray(array)

    def copy_back():
        array[...] = buffer

    return buffer, copy_back


def _xp(array):
    if isinstance(array, np.ndarray):
        return np
    from ..backend import xp_of

    return xp_of(array)


def _finish(work: Work, async_op: bool):
    if async_op:
        return work
    work.wait()
    return None


def all_reduce(tensor: Tensor, op: ReduceOp = ReduceOp.SUM, group=None, async_op: bool = False):
    """Combine `tensor` across the ranks with `op`, in place: afterwards every rank holds the result.

    op: ReduceOp.SUM (default), AVG (floating point only), PRODUCT, MIN, MAX. Returns None, or a
    Work to wait() on with async_op=True.
    """
    current = _checked(group, "all_reduce")
    op = _reduce_op(op, "all_reduce")
    array = _array(tensor, "all_reduce")
    _check_avg(op, array, "all_reduce")
    _agree(current, "all_reduce", array, op)
    buffer, copy_back = _contiguous(array, _xp(array))
    work = _communicator(current, array, "all_reduce").all_reduce(buffer, op, async_op)
    _then_average(work, op, buffer, current.size)
    if copy_back is not None:
        work.then(copy_back)
    return _finish(work, async_op)


def broadcast(tensor: Tensor, src: int, group=None, async_op: bool = False):
    """Overwrite `tensor` on every rank with rank `src`'s values, in place."""
    current = _checked(group, "broadcast")
    if isinstance(src, bool) or not isinstance(src, (int, np.integer)) or not 0 <= src < current.size:
        raise ValueError(f"broadcast: src must be a rank in [0, {current.size - 1}], got {src!r}")
    array = _array(tensor, "broadcast")
    _agree(current, "broadcast", array, src=int(src))
    buffer, copy_back = _contiguous(array, _xp(array))
    work = _communicator(current, array, "broadcast").broadcast(buffer, int(src), async_op)
    if copy_back is not None:
        work.then(copy_back)
    return _finish(work, async_op)


def all_gather(tensor_list: list, tensor: Tensor, group=None, async_op: bool = False):
    """tensor_list[r] <- rank r's `tensor`, on every rank.

    tensor_list: world_size tensors of tensor's shape, dtype and device, written in place.
    """
    current = _checked(group, "all_gather")
    array = _array(tensor, "all_gather")
    outputs = _output_list(tensor_list, array, current.size, "all_gather", "tensor_list")
    _agree(current, "all_gather", array)
    xp = _xp(array)
    gathered = xp.empty((current.size, *array.shape), dtype=array.dtype)
    work = _communicator(current, array, "all_gather").all_gather(gathered, xp.ascontiguousarray(array), async_op)

    def copy_out():
        for r, out in enumerate(outputs):
            out[...] = gathered[r]

    return _finish(work.then(copy_out), async_op)


def reduce_scatter(output: Tensor, input_list: list, op: ReduceOp = ReduceOp.SUM, group=None,
                   async_op: bool = False):
    """output <- op over the ranks of input_list[rank]: rank r gets the combined r-th pieces.

    input_list: world_size tensors of output's shape, dtype and device.
    """
    current = _checked(group, "reduce_scatter")
    op = _reduce_op(op, "reduce_scatter")
    array = _array(output, "reduce_scatter", "output")
    inputs = _output_list(input_list, array, current.size, "reduce_scatter", "input_list")
    _check_avg(op, array, "reduce_scatter")
    _agree(current, "reduce_scatter", array, op)
    xp = _xp(array)
    stacked = xp.stack(inputs)
    buffer, copy_back = _contiguous(array, xp)
    work = _communicator(current, array, "reduce_scatter").reduce_scatter(buffer, stacked, op, async_op)
    _then_average(work, op, buffer, current.size)
    if copy_back is not None:
        work.then(copy_back)
    return _finish(work, async_op)


def barrier(group=None, async_op: bool = False):
    """Wait until every rank has called barrier()."""
    _agree(_checked(group, "barrier"), "barrier")  # the exchange is itself a barrier
    return finished() if async_op else None


def all_gather_object(object_list: list, obj, group=None) -> None:
    """object_list[r] <- rank r's `obj` (any picklable Python object), on every rank.

    The objects travel pickled between the job's own processes; nothing is read from a file.
    """
    current = _checked(group, "all_gather_object")
    if not isinstance(object_list, list) or len(object_list) != current.size:
        raise ValueError(f"all_gather_object: object_list must be a list of world_size = {current.size} "
                         f"items, got {_length(object_list)}")
    _agree(current, "all_gather_object")
    object_list[:] = current.comm.allgather(obj)


def broadcast_object_list(object_list: list, src: int = 0, group=None) -> None:
    """Replace the items of `object_list` on every rank with rank src's (same length everywhere)."""
    current = _checked(group, "broadcast_object_list")
    if not isinstance(object_list, list):
        raise TypeError(f"broadcast_object_list: expected a list, got {type(object_list).__name__}")
    _agree(current, "broadcast_object_list", src=int(src))
    received = current.comm.bcast(object_list if current.rank == src else None, root=src)
    if len(received) != len(object_list):
        raise ValueError(f"broadcast_object_list: rank {src} sent {len(received)} objects but this rank's "
                         f"list has {len(object_list)} places")
    object_list[:] = received


def _reduce_op(op, call: str) -> ReduceOp:
    if isinstance(op, ReduceOp):
        return op
    names = ", ".join(f"ReduceOp.{o.name}" for o in ReduceOp)
    raise ValueError(f"{call}: op must be one of {names}, got {op!r}")


def _check_avg(op: ReduceOp, array, call: str) -> None:
    if op is ReduceOp.AVG and array.dtype.kind != "f":
        raise TypeError(f"{call}: ReduceOp.AVG needs a floating-point tensor, got {array.dtype} "
                        f"(an integer mean would be rounded); use SUM and divide yourself")


def _then_average(work: Work, op: ReduceOp, buffer, world_size: int) -> None:
    if op is ReduceOp.AVG:
        def divide():
            buffer[...] /= world_size  # (buffer[...]: in place, no new local name)

        work.then(divide)


def _length(items) -> str:
    return f"{len(items)} items" if hasattr(items, "__len__") else type(items).__name__


def _output_list(tensors, array, world_size: int, call: str, what: str) -> list:
    """The arrays of a list of world_size tensors shaped like `array`, or a clear error."""
    if not isinstance(tensors, (list, tuple)) or len(tensors) != world_size:
        raise ValueError(f"{call}: {what} must be a list of world_size = {world_size} tensors, got {_length(tensors)}")
    arrays = []
    for r, t in enumerate(tensors):
        a = _array(t, call, f"{what}[{r}]")
        if a.shape != array.shape or a.dtype != array.dtype or type(a) is not type(array):
            raise ValueError(f"{call}: {what}[{r}] is a {a.dtype} tensor of shape {tuple(a.shape)} on "
                             f"{t.device}; expected {array.dtype}, shape {tuple(array.shape)}, like the tensor")
        arrays.append(a)
    return arrays
