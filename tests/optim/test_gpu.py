"""On a GPU (skipped without CuPy and a CUDA device): optimizer state stays on the device and the
updates equal the CPU's; clipping, checkpoints and the DataLoader work with cuda tensors."""

import numpy as np
import pytest

import minigrad as mg

pytestmark = [
    pytest.mark.gpu,
    pytest.mark.skipif(not mg.cuda_is_available(), reason="needs CuPy and a CUDA device"),
]

SHAPES = [(33, 17), (17,), ()]


def run(make, device, steps=4):
    rng = np.random.default_rng(0)
    params = [mg.tensor(rng.standard_normal(s).astype(np.float32), requires_grad=True, device=device)
              for s in SHAPES]
    opt = make(params)
    for _ in range(steps):
        for p in params:
            p.grad = mg.tensor(rng.standard_normal(p.shape).astype(np.float32), device=device)
        opt.step()
    return params, opt


@pytest.mark.parametrize("make", [
    lambda ps: mg.optim.Adam(ps, lr=0.01, weight_decay=0.1),
    lambda ps: mg.optim.AdamW(ps, lr=0.01),
    lambda ps: mg.optim.SGD(ps, lr=0.1, momentum=0.9, nesterov=True, weight_decay=0.01),
    lambda ps: mg.optim.Adam(ps, lr=0.01, amsgrad=True, maximize=True),
    lambda ps: mg.optim.RMSprop(ps, lr=0.01, momentum=0.9, centered=True, weight_decay=0.01),
    lambda ps: mg.optim.Adagrad(ps, lr=0.1, lr_decay=0.01, initial_accumulator_value=0.1),
    lambda ps: mg.optim.Adadelta(ps, weight_decay=0.01),
    lambda ps: mg.optim.NAdam(ps, lr=0.01, weight_decay=0.1, decoupled_weight_decay=True),
    lambda ps: mg.optim.RAdam(ps, lr=0.01, weight_decay=0.01),
    lambda ps: mg.optim.Adamax(ps, lr=0.01, maximize=True),
], ids=["Adam", "AdamW", "SGD", "Adam-amsgrad", "RMSprop", "Adagrad", "Adadelta", "NAdam", "RAdam", "Adamax"])
def test_updates_on_the_gpu_equal_the_cpu(make):
    gpu, opt = run(make, "cuda")
    cpu, _ = run(make, "cpu")
    for g, c in zip(gpu, cpu):
        assert g.device == "cuda"
        np.testing.assert_allclose(g.numpy(), c.numpy(), rtol=1e-5, atol=1e-6)
    for state in opt.state.values():
        for value in state.values():
            if isinstance(value, mg.Tensor):
                assert value.device == "cuda"


def test_state_dict_saved_from_the_gpu_loads_on_the_cpu(tmp_path):
    gpu, opt = run(lambda ps: mg.optim.Adam(ps, lr=0.01), "cuda")
    mg.save(opt.state_dict(), tmp_path / "opt.safetensors")
    cpu_params = [mg.tensor(p.numpy(), requires_grad=True) for p in gpu]
    cpu_opt = mg.optim.Adam(cpu_params, lr=0.01)
    cpu_opt.load_state_dict(mg.load(tmp_path / "opt.safetensors"))
    assert cpu_opt.state[cpu_params[0]]["exp_avg"].device == "cpu"
    back_on_gpu = mg.optim.Adam(gpu, lr=0.01)
    back_on_gpu.load_state_dict(mg.load(tmp_path / "opt.safetensors", device="cuda"))
    assert back_on_gpu.state[gpu[0]]["exp_avg"].device == "cuda"


def test_clip_grad_norm_on_the_gpu():
    gpu, _ = run(lambda ps: mg.optim.SGD(ps, lr=0.0), "cuda", steps=1)
    cpu = [mg.tensor(p.numpy(), requires_grad=True) for p in gpu]
    for c, g in zip(cpu, gpu):
        c.grad = mg.tensor(g.grad.numpy())
    total_gpu = mg.optim.clip_grad_norm_(gpu, 1.0)
    total_cpu = mg.optim.clip_grad_norm_(cpu, 1.0)
    assert total_gpu.device == "cuda"
    np.testing.assert_allclose(total_gpu.item(), total_cpu.item(), rtol=1e-5)
    for c, g in zip(cpu, gpu):
        np.testing.assert_allclose(g.grad.numpy(), c.grad.numpy(), rtol=1e-5, atol=1e-7)


def test_data_loader_puts_batches_on_the_device():
    X, y = np.zeros((10, 3), np.float32), np.arange(10)
    xb, yb = next(iter(mg.data.DataLoader((X, y), batch_size=4, device="cuda")))
    assert xb.device == "cuda" and yb.device == "cuda" and yb.dtype == np.int64
