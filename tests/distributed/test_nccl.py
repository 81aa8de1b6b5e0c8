"""The NCCL communicator. On a GPU (pytest -m gpu): a world of one through the same code as many
ranks, and two processes sharing one GPU where NCCL allows it. Everywhere: NCCL's dtype and op
codes, and the order in which a collective is queued (after the current stream's work, on the
communicator's stream, which the current stream then waits for), against a recording stand-in
for CuPy and NCCL."""

from types import SimpleNamespace

import numpy as np
import pytest

import minigrad as mg
import minigrad.distributed as dist
import minigrad.nn as nn
import minigrad.nn.functional as F
from minigrad.distributed import ReduceOp, nccl

from .launch import HERE, run_ranks

CODES = SimpleNamespace(**{f"NCCL_{n.upper()}": i for i, n in enumerate(nccl._DTYPES)},
                        NCCL_SUM=0, NCCL_PROD=1, NCCL_MAX=2, NCCL_MIN=3)


def test_dtypes_and_reductions_map_to_nccls_codes():
    assert nccl.nccl_dtype(CODES, np.float32) == CODES.NCCL_FLOAT32
    assert nccl.nccl_dtype(CODES, np.dtype("uint8")) == CODES.NCCL_UINT8
    with pytest.raises(TypeError, match="NCCL: cannot send bool arrays"):
        nccl.nccl_dtype(CODES, np.bool_)
    assert [nccl.nccl_op(CODES, op) for op in ReduceOp] == [0, 0, 1, 3, 2]  # AVG travels as SUM


class Recorder:
    """Stands in for CuPy's streams and events and NCCL's communicator, writing down each call."""

    def __init__(self):
        self.calls = []
        recorder = self

        class Stream:
            def __init__(self, name):
                self.name, self.ptr = name, hash(name)

            def record(self):
                recorder.calls.append(f"{self.name}.record")
                return SimpleNamespace(name=f"event on {self.name}", done=True)

            def wait_event(self, event):
                recorder.calls.append(f"{self.name} waits for {event.name}")

        self.current, self.side = Stream("current"), Stream("comm")
        self.cupy = SimpleNamespace(cuda=SimpleNamespace(get_current_stream=lambda: self.current))

    def __getattr__(self, name):  # allReduce, broadcast, allGather, reduceScatter
        return lambda *args: self.calls.append(f"{name} on {'comm' if args[-1] == self.side.ptr else 'other'}")


def test_a_collective_is_queued_after_the_current_streams_work_and_waited_for_in_stream_order():
    recorder = Recorder()
    communicator = nccl.NCCLCommunicator.__new__(nccl.NCCLCommunicator)
    communicator.cupy, communicator.nccl, communicator.comm, communicator.stream = (
        recorder.cupy, CODES, recorder, recorder.side)
    array = SimpleNamespace(data=SimpleNamespace(ptr=1234), dtype=np.dtype(np.float32), size=10)
    work = communicator.all_reduce(array, ReduceOp.SUM)
    assert recorder.calls == ["current.record", "comm waits for event on current", "allReduce on comm", "comm.record"]
    work.wait()
    assert recorder.calls[-1] == "current waits for event on comm"  # the host never blocks
    for call in (lambda: communicator.broadcast(array, 0), lambda: communicator.all_gather(array, array),
                 lambda: communicator.reduce_scatter(array, array, ReduceOp.MAX)):
        recorder.calls.clear()
        call()
        assert recorder.calls[:2] == ["current.record", "comm waits for event on current"]
        assert recorder.calls[2].endswith(" on comm") and recorder.calls[3] == "comm.record"


@pytest.fixture
def nccl_world_of_one():
    pytest.importorskip("mpi4py")
    dist.init_process_group("nccl")
    yield
    dist.destroy_process_group()


@pytest.mark.gpu
def test_collectives_on_cuda_tensors_in_a_world_of_one(nccl_world_of_one):
    x = np.random.default_rng(0).standard_normal((3, 5)).astype(np.float32)
    for op in ReduceOp:
        t = mg.tensor(x.copy(), device="cuda")
        dist.all_reduce(t, op=op)
        np.testing.assert_array_equal(t.numpy(), x)
    out = [mg.zeros((3, 5), device="cuda")]
    dist.all_gather(out, mg.tensor(x, device="cuda"))
    np.testing.assert_array_equal(out[0].numpy(), x)
    with pytest.raises(RuntimeError, match="a cpu tensor, but the process group was made with backend 'nccl'"):
        dist.all_reduce(mg.ones(2))


@pytest.mark.gpu
def test_ddp_on_the_gpu_in_a_world_of_one_gives_the_plain_models_gradients(nccl_world_of_one):
    mg.manual_seed(0)
    plain = nn.Sequential(nn.Linear(5, 16), nn.ReLU(), nn.Linear(16, 3)).to("cuda")
    wrapped = nn.Sequential(nn.Linear(5, 16), nn.ReLU(), nn.Linear(16, 3)).to("cuda")
    wrapped.load_state_dict(plain.state_dict())
    model = dist.DistributedDataParallel(wrapped, device_ids=[0], bucket_cap_mb=100 / 2**20)
    x, y = mg.randn(7, 5, device="cuda"), mg.tensor([0, 1, 2, 0, 1, 2, 0], device="cuda")
    F.cross_entropy(plain(x), y).backward()
    F.cross_entropy(model(x), y).backward()
    for p, q in zip(plain.parameters(), wrapped.parameters()):
        np.testing.assert_array_equal(p.grad.numpy(), q.grad.numpy())


@pytest.mark.gpu
def test_two_processes_on_one_gpu_if_nccl_allows_it():
    job = run_ranks([str(HERE / "ranks.py"), "nccl"], timeout=240)
    if job.returncode != 0 and ("Duplicate GPU" in job.stderr or "NCCL_ERROR_INVALID_USAGE" in job.stderr):
        pytest.skip("NCCL refuses two ranks on one GPU here: " + job.stderr.strip().splitlines()[-1])
    assert job.returncode == 0 and job.stdout.count("PASS nccl rank") == 2, job.describe()
