"""DistributedDataParallel: every rank trains the same model on its own slice of the batch, and
the gradients are averaged across the ranks during backward, so every rank takes the same step.

Why that is the same as training on the whole batch: the loss of a batch of B = p * b examples
is the mean of per-example losses, so its gradient is the mean of the p ranks' gradients, each
the mean over its b examples. Averaging the ranks' gradients (all_reduce, then / p) gives every
rank the gradient of the global batch; equal parameters plus equal gradients give equal steps.

What happens when:

    construction   the ranks compare their parameter names, shapes and dtypes (an error names the
                   first difference), then rank 0's parameters and buffers are broadcast to all;
                   the parameters are cut into buckets of about bucket_cap_mb, in reverse order
                   (the last layer's gradients are computed first), each bucket a flat buffer
    forward        buffers (running statistics) are broadcast from rank 0, and the bucket counts
                   are reset for the coming backward
    backward       each parameter's post-accumulate-grad hook marks it ready; when all of a
                   bucket's parameters are ready, their gradients are copied into its buffer and
                   a non-blocking all-reduce of the buffer starts, while the backward goes on
                   computing earlier layers' gradients (that is the overlap)
    last bucket    wait for every all-reduce, divide by the world size, copy the averages back
                   into each parameter's .grad: the optimizer sees the global batch's gradient

Buckets are started strictly in order (bucket i only after buckets 0..i-1), so every rank issues
the same collectives in the same order even if its hooks fire in another. `no_sync()` skips the
averaging (gradients accumulate locally, for gradient accumulation); the first backward after it
averages the accumulated sums.
"""

from __future__ import annotations

import weakref
from contextlib import contextmanager

from ..autograd import is_grad_enabled
from ..nn.module import Module
from . import collectives
from .process_group import ReduceOp, default_group

MIB = 1024 * 1024
FIRST_BUCKET_BYTES = 1 * MIB  # a small first bucket gets communication going early (PyTorch's too)

# id(parameter) -> (weak ref to the parameter, weak ref to the wrapper that averages its gradient).
# (Keyed by id: a WeakKeyDictionary would compare tensors with ==, which is elementwise.)
_OWNER: dict = {}


class _Bucket:
    """Parameters whose gradients travel in one all-reduce, and the flat buffer they travel in."""

    def __init__(self, index: int, params: list):
        self.index = index
        self.params = params
        self.sizes = [p.size for p in params]
        xp = params[0]._xp
        self.buffer = xp.empty(sum(self.sizes), dtype=params[0].dtype)
        self.ready = 0  # parameters whose gradient has arrived in this backward
        self.work = None  # the all-reduce in flight

    @property
    def nbytes(self) -> int:
        return self.buffer.nbytes

    def pack(self) -> None:
        """buffer <- the parameters' gradients, one after the other."""
        start = 0
        for p, n in zip(self.params, self.sizes):
            self.buffer[start:start + n] = p.grad.data.reshape(-1)
            start += n

    def unpack(self, scale: float) -> None:
        """Each parameter's .grad <- its slice of the (summed) buffer, times scale."""
        self.buffer *= scale
        start = 0
        for p, n in zip(self.params, self.sizes):
            p.grad.data[...] = self.buffer[start:start + n].reshape(p.shape)
            start += n


def _assign_buckets(params: list, cap_bytes: int) -> list:
    """Cut the parameters, in reverse order, into buckets of about cap_bytes.

    A bucket closes once it holds cap_bytes or more (one large tensor can overflow it); the first
    closes at FIRST_BUCKET_BYTES already. Parameters of different dtypes or devices never share
    a bucket, since a buffer has one dtype and one device.
    """
    buckets, open_buckets = [], {}  # (dtype, device) -> (params, bytes) still filling
    for p in reversed(params):
        key = (p.dtype, p.device)
        members, size = open_buckets.get(key, ([], 0))
        members.append(p)
        size += p.data.nbytes
        limit = FIRST_BUCKET_BYTES if not buckets else cap_bytes
        if size >= min(limit, cap_bytes):
            buckets.append(members)
            open_buckets.pop(key, None)
        else:
            open_buckets[key] = (members, size)
    buckets += [members for members, _ in open_buckets.values()]
    return [_Bucket(i, members) for i, members in enumerate(buckets)]


class DistributedDataParallel(Module):
    """Wrap a model so that its gradients are averaged across the ranks during backward.

        dist.init_process_group()
        model = DistributedDataParallel(MLP())          # same weights on every rank (rank 0's)
        optimizer = mg.optim.Adam(model.parameters())
        for x, y in loader:                             # each rank: its own slice of the batch
            loss = F.cross_entropy(model(x), y)
            optimizer.zero_grad()
            loss.backward()                             # gradients averaged across the ranks here
            optimizer.step()                            # so every rank takes the same step

    module: the model (on the CPU for MPI, on the GPU for NCCL); it stays reachable as `.module`.
    bucket_cap_mb: the size of the gradient buckets, in MiB (PyTorch's default, 25; None means 25).
    broadcast_buffers: send rank 0's buffers to every rank at each forward, as PyTorch does.
    device_ids: accepted for PyTorch code ([local_rank]); a CUDA model is on this process's GPU already.

    state_dict() and load_state_dict() are the wrapped model's, without PyTorch's "module."
    prefix, so a checkpoint saved in a distributed run loads into a plain model and back
    (load_state_dict also accepts keys that carry the prefix).
    """

    def __init__(self, module: Module, device_ids=None, output_device=None, broadcast_buffers: bool = True,
                 process_group=None, bucket_cap_mb: float | None = 25):
        super().__init__()
        self._group = default_group("DistributedDataParallel")
        if process_group is not None:
            collectives._checked(process_group, "DistributedDataParallel")
        if not isinstance(module, Module):
            raise TypeError(f"DistributedDataParallel: expected an nn.Module to wrap, got {type(module).__name__}")
        bucket_cap_mb = 25 if bucket_cap_mb is None else bucket_cap_mb
        if not bucket_cap_mb > 0:
            raise ValueError(f"DistributedDataParallel: bucket_cap_mb must be positive, got {bucket_cap_mb!r}")
        self.module = module
        self.broadcast_buffers = broadcast_buffers
        self.require_backward_grad_sync = True  # False inside no_sync()
        params = [p for p in module.parameters() if p.requires_grad]
        _check_not_wrapped(module, params)
        _check_devices(params, device_ids, output_device, self._group)
        _check_same_model(module, self._group)
        self._sync_module_states()
        self._buckets = _assign_buckets(params, int(bucket_cap_mb * MIB))
        self._bucket_of = {id(p): b for b in self._buckets for p in b.params}
        self._reset()
        self._expecting = None  # "sync" / "local": what the coming backward does; None: no forward yet
        # The hooks hold the wrapper weakly: dropping the wrapper frees it, and then its hooks go too.
        this = weakref.ref(self)

        def grad_ready(param):
            wrapper = this()
            if wrapper is not None:
                wrapper._grad_ready(param)

        handles = [p.register_post_accumulate_grad_hook(grad_ready) for p in params]
        weakref.finalize(self, _remove_hooks, handles)
        for p in params:
            _OWNER[id(p)] = (weakref.ref(p), this)

    # ---- forward ---------------------------------------------------------------------------
    def forward(self, *args, **kwargs):
        """Run the wrapped model; with grad enabled, get ready to average the coming backward's gradients."""
        if is_grad_enabled():
            self._check_previous_reduction()
            if self.broadcast_buffers:
                for buffer in self.module.buffers():
                    collectives.broadcast(buffer, 0)
            self._reset()
            self._expecting = "sync" if self.require_backward_grad_sync else "local"
        return self.module(*args, **kwargs)

    @contextmanager
    def no_sync(self):
        """Inside this block, forward/backward pairs keep their gradients local (no communication).

        For gradient accumulation: run k - 1 micro-batches inside no_sync() and the last one
        outside; that last backward averages the sum of all k micro-batches' gradients.
        """
        previous = self.require_backward_grad_sync
        self.require_backward_grad_sync = False
        try:
            yield
        finally:
            self.require_backward_grad_sync = previous

    # ---- backward: the hooks -----------------------------------------------------------------
    def _grad_ready(self, param) -> None:
        """Called by backward once `param.grad` holds this backward's gradient."""
        if self._expecting is None:
            raise RuntimeError(
                "DistributedDataParallel: a backward reached the parameters without a forward through the "
                "wrapper since the gradients were last averaged (a second backward after one forward, or a "
                "forward through .module); call the wrapped model before each backward")
        if self._expecting == "local":
            return
        if id(param) in self._arrived:
            raise RuntimeError("DistributedDataParallel: a parameter received its gradient twice after one forward")
        self._arrived.add(id(param))
        self._bucket_of[id(param)].ready += 1
        self._start_ready_buckets()
        self._progress()
        if self._next_bucket == len(self._buckets):
            self._finish()

    def _start_ready_buckets(self) -> None:
        """Start the all-reduce of every full bucket whose predecessors have all started."""
        communicators = self._group.communicators
        while self._next_bucket < len(self._buckets):
            bucket = self._buckets[self._next_bucket]
            if bucket.ready < len(bucket.params):
                return
            bucket.pack()
            bucket.work = communicators[bucket.params[0].device].all_reduce(bucket.buffer, ReduceOp.SUM)
            self._next_bucket += 1

    def _progress(self) -> None:
        """Let MPI move the started all-reduces along (it does so only inside MPI calls)."""
        for bucket in self._buckets[:self._next_bucket]:
            if not bucket.work.is_completed():
                return

    def _finish(self) -> None:
        """Every bucket has started: wait for them, and write the averages into .grad."""
        scale = 1.0 / self._group.size
        for bucket in self._buckets:
            bucket.work.wait()
            bucket.unpack(scale)
            bucket.work = None
        self._expecting = None
        self._arrived = set()

    def _reset(self) -> None:
        for bucket in self._buckets:
            bucket.ready = 0
        self._next_bucket = 0
        self._arrived = set()  # ids of the parameters whose gradient has arrived

    def _check_previous_reduction(self) -> None:
        """Refuse to start a step while the last backward left some gradients unaveraged."""
        if self._expecting != "sync" or not self._arrived:
            return
        missing = [n for n, p in self.module.named_parameters() if id(p) in self._bucket_of and id(p) not in self._arrived]
        raise RuntimeError(
            f"DistributedDataParallel: the last backward gave no gradient to {len(missing)} parameter(s) "
            f"({', '.join(missing[:5])}{', ...' if len(missing) > 5 else ''}), so its gradients were never "
            f"averaged and the ranks may have drifted apart. Every parameter must take part in the loss "
            f"(unused parameters are not supported: leave them out of the module, or freeze them with "
            f"requires_grad_(False) before wrapping)")

    # ---- what the wrapper holds ----------------------------------------------------------------
    def _sync_module_states(self) -> None:
        """Copy rank 0's parameters and buffers to every rank."""
        for tensor in [*self.module.parameters(), *self.module.buffers()]:
            collectives.broadcast(tensor, 0)

    def state_dict(self):
        """The wrapped model's state_dict (no "module." prefix)."""
        return self.module.state_dict()

    def load_state_dict(self, state_dict, strict: bool = True):
        """Load into the wrapped model; keys with PyTorch's "module." prefix are accepted too."""
        keys = list(state_dict)
        if keys and all(k.startswith("module.") for k in keys):
            state_dict = {k[len("module."):]: v for k, v in state_dict.items()}
        return self.module.load_state_dict(state_dict, strict)

    def extra_repr(self) -> str:
        """The world size and the buckets' sizes, shown in repr()."""
        sizes = ", ".join(f"{b.nbytes / 1024:.1f}" for b in self._buckets)
        return f"world_size={self._group.size}, buckets (KiB)=[{sizes}]"


def _remove_hooks(handles: list) -> None:
    for handle in handles:
        handle.remove()


def _check_not_wrapped(module, params) -> None:
    """A parameter's gradient is averaged by one wrapper only (two would average it twice)."""
    names = {id(p): n for n, p in module.named_parameters()}
    for p in params:
        param, owner = _OWNER.get(id(p), (lambda: None, lambda: None))
        if param() is p and owner() is not None:
            raise RuntimeError(f"DistributedDataParallel: parameter {names[id(p)]!r} is already averaged by "
                               f"another DistributedDataParallel; wrap each model once (or drop the old wrapper)")


def _check_devices(params, device_ids, output_device, group) -> None:
    devices = {p.device for p in params}
    if len(devices) > 1:
        raise ValueError(f"DistributedDataParallel: the model's parameters are on several devices {sorted(devices)}; "
                         f"put the whole model on one (model.to(device))")
    device = devices.pop() if devices else "cpu"
    if device not in group.communicators:
        raise RuntimeError(f"DistributedDataParallel: the model is on {device}, but the process group "
                           f"(backend {group.backend!r}) has no communicator for {device} tensors")
    if device_ids is not None or output_device is not None:
        if device != "cuda":
            raise ValueError("DistributedDataParallel: device_ids/output_device are for a model on the GPU; "
                             "leave them out for a CPU model")
        if device_ids is not None and (not isinstance(device_ids, (list, tuple)) or len(device_ids) != 1):
            raise ValueError(f"DistributedDataParallel: device_ids must name one GPU per process ([local_rank]), "
                             f"got {device_ids!r}")


def _check_same_model(module: Module, group) -> None:
    """Every rank must hold the same parameter and buffer names, shapes and dtypes."""
    mine = [("parameter", n, tuple(p.shape), p.dtype.name) for n, p in module.named_parameters()]
    mine += [("buffer", n, tuple(b.shape), b.dtype.name) for n, b in module.named_buffers()]
    everyone = [None] * group.size
    collectives.all_gather_object(everyone, mine)
    reference = everyone[0]
    for rank, theirs in enumerate(everyone[1:], start=1):
        if theirs == reference:
            continue
        for ours, other in zip(reference, theirs):
            if ours != other:
                raise RuntimeError(
                    f"DistributedDataParallel: rank {rank}'s model differs from rank 0's: {ours[0]} {ours[1]!r} "
                    f"has shape {ours[2]} ({ours[3]}) on rank 0 but rank {rank} has {other[0]} {other[1]!r} "
                    f"with shape {other[2]} ({other[3]}); every rank must build the same model")
        longer, shorter, extra = (0, rank, reference[len(theirs)]) if len(reference) > len(theirs) else \
            (rank, 0, theirs[len(reference)])
        raise RuntimeError(
            f"DistributedDataParallel: rank {rank}'s model differs from rank 0's: rank {longer} has one more "
            f"{extra[0]}, {extra[1]!r} with shape {extra[2]}, which rank {shorter} lacks; every rank must "
            f"build the same model")
