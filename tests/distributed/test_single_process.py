"""minigrad.distributed inside the test process: errors before init, a world of one (every
collective and DistributedDataParallel through the same code as on many ranks), bucket assignment."""

import numpy as np
import pytest

import minigrad as mg
import minigrad.distributed as dist
import minigrad.nn as nn
import minigrad.nn.functional as F
from minigrad.distributed import ReduceOp
from minigrad.distributed.ddp import FIRST_BUCKET_BYTES, MIB, _assign_buckets


@pytest.fixture
def world_of_one():
    pytest.importorskip("mpi4py", reason="needs mpi4py: pip install -e '.[distributed]'")
    dist.init_process_group("mpi")
    yield
    dist.destroy_process_group()


def mlp(seed=0, sizes=(5, 16, 16, 3)):
    mg.manual_seed(seed)
    layers = []
    for i, (a, b) in enumerate(zip(sizes[:-1], sizes[1:])):
        layers += [nn.Linear(a, b)] + ([nn.ReLU()] if i < len(sizes) - 2 else [])
    return nn.Sequential(*layers)


# ---- before init_process_group --------------------------------------------------------------

@pytest.mark.parametrize("call", [
    lambda: dist.all_reduce(mg.ones(2)), lambda: dist.broadcast(mg.ones(2), 0),
    lambda: dist.all_gather([mg.ones(2)], mg.ones(2)), lambda: dist.reduce_scatter(mg.ones(2), [mg.ones(2)]),
    lambda: dist.barrier(), lambda: dist.get_rank(), lambda: dist.get_world_size(),
    lambda: dist.DistributedDataParallel(mlp()), lambda: mg.data.DistributedSampler(range(4)),
])
def test_a_call_before_init_process_group_says_to_call_it(call):
    assert not dist.is_initialized()
    with pytest.raises(RuntimeError, match="init_process_group"):
        call()


def test_init_process_group_refuses_unknown_backends_and_other_ranks():
    with pytest.raises(ValueError, match="unknown backend 'gloo'"):
        dist.init_process_group("gloo")
    pytest.importorskip("mpi4py")
    with pytest.raises(ValueError, match="world_size=4 was passed but the MPI launcher says 1"):
        dist.init_process_group("mpi", world_size=4)
    with pytest.raises(ValueError, match="init_method 'tcp://localhost:23456' is not supported"):
        dist.init_process_group("mpi", init_method="tcp://localhost:23456")
    assert not dist.is_initialized()


def test_init_twice_is_an_error_and_destroy_allows_a_new_group(world_of_one):
    assert dist.is_initialized() and dist.get_backend() == "mpi"
    with pytest.raises(RuntimeError, match="already initialized"):
        dist.init_process_group()
    dist.destroy_process_group()
    dist.init_process_group()  # backend None: MPI for CPU tensors (plus NCCL where a GPU is usable)
    assert dist.get_backend() in ("mpi", "mpi,nccl")


# ---- a world of one -------------------------------------------------------------------------

def test_collectives_in_a_world_of_one_leave_the_tensor_as_it_is(world_of_one):
    assert (dist.get_rank(), dist.get_world_size()) == (0, 1)
    x = np.random.default_rng(0).standard_normal((3, 4)).astype(np.float32)
    for op in ReduceOp:
        t = mg.tensor(x.copy())
        dist.all_reduce(t, op=op)
        np.testing.assert_array_equal(t.numpy(), x)
    out = [mg.zeros((3, 4))]
    dist.all_gather(out, mg.tensor(x))
    np.testing.assert_array_equal(out[0].numpy(), x)
    t = mg.zeros((3, 4))
    dist.reduce_scatter(t, [mg.tensor(x)], op=ReduceOp.AVG)
    np.testing.assert_array_equal(t.numpy(), x)
    assert dist.broadcast(t, 0, async_op=True).wait()


def test_collectives_check_their_arguments(world_of_one):
    with pytest.raises(ValueError, match=r"src must be a rank in \[0, 0\], got 1"):
        dist.broadcast(mg.ones(2), 1)
    with pytest.raises(ValueError, match="tensor_list must be a list of world_size = 1 tensors, got 2 items"):
        dist.all_gather([mg.ones(2), mg.ones(2)], mg.ones(2))
    with pytest.raises(ValueError, match=r"tensor_list\[0\] is a float32 tensor of shape \(3,\)"):
        dist.all_gather([mg.ones(3)], mg.ones(2))
    with pytest.raises(TypeError, match="ReduceOp.AVG needs a floating-point tensor, got int64"):
        dist.all_reduce(mg.tensor([1, 2]), op=ReduceOp.AVG)
    with pytest.raises(ValueError, match="op must be one of ReduceOp.SUM"):
        dist.all_reduce(mg.ones(2), op="sum")
    with pytest.raises(TypeError, match="must be a minigrad Tensor, got ndarray"):
        dist.all_reduce(np.ones(2))
    with pytest.raises(TypeError, match="dtype bool"):
        dist.all_reduce(mg.tensor(np.array([True])))
    read_only = mg.Tensor.__new__(mg.Tensor)
    read_only.data, read_only.requires_grad = np.broadcast_to(np.ones(1, np.float32), (3,)), False
    with pytest.raises(ValueError, match="read-only view"):
        dist.all_reduce(read_only)
    with pytest.raises(ValueError, match="only the default group"):
        dist.all_reduce(mg.ones(2), group="another")
    dist.all_reduce(mg.ones(2), group=dist.group.WORLD)


def test_ddp_in_a_world_of_one_gives_the_plain_models_gradients(world_of_one):
    plain, wrapped = mlp(seed=1), mlp(seed=1)
    model = dist.DistributedDataParallel(wrapped, bucket_cap_mb=100 / MIB)
    assert model.module is wrapped and len(model._buckets) > 2
    x, y = mg.randn(7, 5), mg.tensor([0, 1, 2, 0, 1, 2, 0])
    F.cross_entropy(plain(x), y).backward()
    F.cross_entropy(model(x), y).backward()
    for p, q in zip(plain.parameters(), wrapped.parameters()):
        np.testing.assert_array_equal(p.grad.numpy(), q.grad.numpy())
    assert [n for n, _ in model.named_parameters()][0] == "module.0.weight"  # PyTorch's names


def test_ddp_state_dict_has_the_models_keys_and_loads_prefixed_ones(world_of_one):
    model = dist.DistributedDataParallel(mlp())
    assert list(model.state_dict()) == list(model.module.state_dict())
    other = mlp(seed=5)
    model.load_state_dict({"module." + k: v for k, v in other.state_dict().items()})
    for p, q in zip(model.module.parameters(), other.parameters()):
        np.testing.assert_array_equal(p.numpy(), q.numpy())
    plain = mlp(seed=9)
    plain.load_state_dict(model.state_dict())  # a distributed run's checkpoint loads into a plain model


def test_no_sync_keeps_gradients_local_in_a_world_of_one(world_of_one):
    model = dist.DistributedDataParallel(mlp())
    x, y = mg.randn(4, 5), mg.tensor([0, 1, 2, 0])
    with model.no_sync():
        F.cross_entropy(model(x), y).backward()
        assert model._expecting == "local" and not model.require_backward_grad_sync
    assert model.require_backward_grad_sync


def test_a_model_is_wrapped_once_and_a_dropped_wrapper_lets_go_of_it(world_of_one):
    import gc

    model = mlp()
    first = dist.DistributedDataParallel(model)
    with pytest.raises(RuntimeError, match="parameter '0.weight' is already averaged by another"):
        dist.DistributedDataParallel(model)
    del first
    gc.collect()
    second = dist.DistributedDataParallel(model)  # the old hooks are gone with the old wrapper
    F.cross_entropy(second(mg.randn(3, 5)), mg.tensor([0, 1, 2])).backward()
    assert all(len(p._post_accumulate_grad_hooks) == 1 for p in model.parameters())


def test_ddp_checks_its_arguments(world_of_one):
    with pytest.raises(TypeError, match="expected an nn.Module to wrap, got list"):
        dist.DistributedDataParallel([nn.Linear(2, 2)])
    with pytest.raises(ValueError, match="bucket_cap_mb must be positive, got 0"):
        dist.DistributedDataParallel(mlp(), bucket_cap_mb=0)
    with pytest.raises(ValueError, match="device_ids/output_device are for a model on the GPU"):
        dist.DistributedDataParallel(mlp(), device_ids=[0])


def test_buffers_are_broadcast_at_forward_when_grad_is_enabled(world_of_one, monkeypatch):
    model = mlp()
    model.register_buffer("scale", mg.ones(3))
    ddp = dist.DistributedDataParallel(model)
    sent = []
    monkeypatch.setattr(dist.collectives, "broadcast", lambda t, src: sent.append((t, src)))
    ddp(mg.randn(2, 5))
    assert sent == [(model.scale, 0)]
    with mg.no_grad():
        ddp(mg.randn(2, 5))  # evaluation: nothing sent
    assert len(sent) == 1


# ---- buckets ----------------------------------------------------------------------------------

def test_buckets_take_parameters_in_reverse_order_and_close_at_the_cap():
    params = [nn.Parameter(np.zeros(n, dtype=np.float32)) for n in (100, 200, 50, 300, 10)]  # 4 bytes each
    buckets = _assign_buckets(params, cap_bytes=800)
    assert [[p.size for p in b.params] for b in buckets] == [[10, 300], [50, 200], [100]]
    assert [b.buffer.size for b in buckets] == [310, 250, 100]


def test_the_first_bucket_closes_at_one_mib_and_dtypes_never_share_a_bucket():
    big = [nn.Parameter(np.zeros(FIRST_BUCKET_BYTES // 4, dtype=np.float32)) for _ in range(3)]
    buckets = _assign_buckets(big, cap_bytes=25 * MIB)
    assert [len(b.params) for b in buckets] == [1, 2]  # 1 MiB closes the first, the rest fit in 25 MiB
    mixed = [nn.Parameter(np.zeros(4, dtype=np.float64)), nn.Parameter(np.zeros(4, dtype=np.float32)),
             nn.Parameter(np.zeros(4, dtype=np.float64))]
    buckets = _assign_buckets(mixed, cap_bytes=25 * MIB)
    assert sorted((b.buffer.dtype.name, len(b.params)) for b in buckets) == [("float32", 1), ("float64", 2)]
