"""On a GPU (skipped without CuPy and a CUDA device): a Keras model moved with .to("cuda") trains on
the device, and its history equals the CPU's to float32 rounding."""

import numpy as np
import pytest

import minigrad as mg
from minigrad import keras

pytestmark = [
    pytest.mark.gpu,
    pytest.mark.skipif(not mg.cuda_is_available(), reason="needs CuPy and a CUDA device"),
]


def run(device):
    keras.utils.clear_session()
    keras.utils.set_random_seed(0)
    rng = np.random.default_rng(0)
    x, y = rng.standard_normal((64, 5)), rng.integers(0, 2, 64)
    model = keras.Sequential([keras.Input(shape=(5,)), keras.layers.Dense(16, activation="relu"),
                              keras.layers.Dropout(0.0), keras.layers.Dense(1, activation="sigmoid")]).to(device)
    model.compile(optimizer="adam", loss="binary_crossentropy", metrics=["accuracy", "AUC", "precision"])
    history = model.fit(x, y, epochs=3, batch_size=16, shuffle=False, validation_split=0.25, verbose=0)
    return model, history.history, model.predict(x, verbose=0)


def test_fit_on_the_gpu_equals_the_cpu():
    gpu_model, gpu, gpu_out = run("cuda")
    _, cpu, cpu_out = run("cpu")
    assert all(p.device == "cuda" for p in gpu_model.parameters())
    assert gpu_model.optimizer.core.state[gpu_model.parameters()[0]]["exp_avg"].device == "cuda"
    for key in cpu:
        np.testing.assert_allclose(gpu[key], cpu[key], rtol=1e-4, atol=1e-5, err_msg=key)
    np.testing.assert_allclose(gpu_out, cpu_out, rtol=1e-4, atol=1e-5)
