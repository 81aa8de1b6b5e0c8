"""Keras layers: lazy building, Keras's initialisers and weight layout, names, trainable, and errors."""

import math

import numpy as np
import pytest

import minigrad as mg
from minigrad import keras
from minigrad.keras.layers import layout


def test_dense_builds_on_its_first_input():
    layer = keras.layers.Dense(4)
    assert not layer.built and layer.parameters() == []
    out = layer(np.ones((3, 7)))
    assert layer.built and out.shape == (3, 4) and out.dtype == np.float32
    assert [w.shape for w in layer.get_weights()] == [(7, 4), (4,)]  # Keras's layout: kernel [in, units]
    assert layer.weight.shape == (4, 7)  # stored as nn.Linear's [units, in]
    assert layer.count_params() == 7 * 4 + 4


def test_dense_is_activation_of_x_kernel_plus_bias():
    layer = keras.layers.Dense(3, activation="tanh")
    x = np.random.default_rng(1).standard_normal((5, 2)).astype(np.float32)
    layer(x)
    kernel, bias = np.arange(6, dtype=np.float32).reshape(2, 3) / 10, np.array([0.1, -0.2, 0.3], np.float32)
    layer.set_weights([kernel, bias])
    np.testing.assert_allclose(layer(x).numpy(), np.tanh(x @ kernel + bias), rtol=1e-6)
    np.testing.assert_array_equal(layer.kernel.numpy(), kernel)


def test_dense_on_the_last_axis_of_a_3d_input():
    layer = keras.layers.Dense(5)
    assert layer(np.zeros((2, 3, 4))).shape == (2, 3, 5)


def test_glorot_uniform_kernel_and_zero_bias():
    layer = keras.layers.Dense(300)
    layer(np.zeros((1, 200)))
    kernel, bias = layer.get_weights()
    limit = math.sqrt(6 / (200 + 300))
    assert np.abs(kernel).max() <= limit and np.abs(kernel).max() > 0.95 * limit
    # uniform on [-a, a] has variance a^2 / 3
    assert kernel.var() == pytest.approx(limit**2 / 3, rel=0.05)
    assert not bias.any()


@pytest.mark.parametrize("name", ["glorot_normal", "he_normal"])
def test_truncated_normal_initialisers_have_their_standard_deviation(name):
    fan_in, fan_out = 40, 3000
    values = keras.initializers.get(name)((fan_in, fan_out))
    std = math.sqrt(2 / (fan_in + fan_out)) if name == "glorot_normal" else math.sqrt(2 / fan_in)
    assert np.abs(values).max() <= 2 * std / 0.87962566103423978 + 1e-12  # truncated at two (pre-scaling) sigmas
    assert values.std() == pytest.approx(std, rel=0.02)


def test_initialisation_follows_minigrads_seed():
    def weights():
        keras.utils.set_random_seed(3)
        layer = keras.layers.Dense(4)
        layer(np.zeros((1, 5)))
        return layer.get_weights()[0]

    np.testing.assert_array_equal(weights(), weights())


def test_input_shape_and_input_dim_build_a_sequential_at_once():
    a = keras.Sequential([keras.layers.Dense(3, input_shape=(6,))])
    b = keras.Sequential([keras.layers.Dense(3, input_dim=6)])
    c = keras.Sequential([keras.Input(shape=(6,)), keras.layers.Dense(3)])
    for model in (a, b, c):
        assert model.built and model.count_params() == 21
        assert model.layers[0].output_shape == (None, 3)


def test_layer_names_are_numbered_per_session():
    names = [keras.layers.Dense(1).name, keras.layers.Dense(1).name, keras.layers.Dropout(0.1).name,
             keras.layers.LayerNormalization().name, keras.layers.Dense(1, name="head").name]
    assert names == ["dense", "dense_1", "dropout", "layer_normalization", "head"]
    keras.utils.clear_session()
    assert keras.layers.Dense(1).name == "dense"


def test_float64_inputs_are_cast_to_float32():
    layer = keras.layers.Dense(2)
    assert layer(np.zeros((1, 3), dtype=np.float64)).dtype == np.float32
    assert layer(mg.tensor(np.zeros((1, 3)))).dtype == np.float32


def test_dropout_is_active_only_in_training():
    layer = keras.layers.Dropout(0.5)
    x = np.ones((200, 50), np.float32)
    np.testing.assert_array_equal(layer(x).numpy(), x)  # a layer called on its own is in inference mode
    np.testing.assert_array_equal(layer(x, training=False).numpy(), x)
    dropped = layer(x, training=True).numpy()
    assert set(np.unique(dropped)) == {0.0, 2.0}  # kept values scaled by 1 / (1 - rate)
    assert (dropped == 0).mean() == pytest.approx(0.5, abs=0.02)
    layer.eval()
    layer(x, training=True)
    assert not layer.training  # training= holds for that call only


def test_a_model_call_is_inference_unless_training_is_true():
    model = keras.Sequential([keras.Input(shape=(100,)), keras.layers.Dropout(0.5)])
    x = np.ones((4, 100), np.float32)
    np.testing.assert_array_equal(model(x).numpy(), x)
    assert (model(x, training=True).numpy() == 0).any()


def test_flatten_and_activation():
    x = np.arange(24, dtype=np.float32).reshape(2, 3, 4) - 10
    assert keras.layers.Flatten()(x).shape == (2, 12)
    np.testing.assert_array_equal(keras.layers.Activation("relu")(x).numpy(), np.maximum(x, 0))
    probs = keras.layers.Activation("softmax")(x).numpy()
    np.testing.assert_allclose(probs.sum(axis=-1), 1, rtol=1e-6)


def test_layer_normalization_uses_kerass_epsilon():
    layer = keras.layers.LayerNormalization()
    x = np.random.default_rng(0).standard_normal((4, 6)).astype(np.float32) * 0.01  # var ~ 1e-4: eps matters
    got = layer(x).numpy()
    mean, var = x.mean(axis=-1, keepdims=True), x.var(axis=-1, keepdims=True)
    np.testing.assert_allclose(got, (x - mean) / np.sqrt(var + 1e-3), rtol=1e-4, atol=1e-6)
    assert [w.shape for w in layer.get_weights()] == [(6,), (6,)]


def test_embedding_looks_up_rows_and_starts_uniform_in_five_hundredths():
    layer = keras.layers.Embedding(10, 3)
    out = layer(np.array([[1, 2], [9, 1]]))
    table = layer.get_weights()[0]
    assert out.shape == (2, 2, 3) and table.shape == (10, 3)
    np.testing.assert_array_equal(out.numpy()[0, 0], table[1])
    assert np.abs(table).max() <= 0.05
    with pytest.raises(IndexError, match="index 10 is out of range"):
        layer(np.array([[10]]))


def test_set_weights_checks_count_and_shapes_before_copying():
    layer = keras.layers.Dense(2)
    layer(np.zeros((1, 3)))
    before = layer.get_weights()
    with pytest.raises(ValueError, match="expected 2 arrays"):
        layer.set_weights([np.zeros((3, 2))])
    with pytest.raises(ValueError, match=r"has shape \(3, 2\) \(Keras's layout\), got an array of shape \(2, 3\)"):
        layer.set_weights([np.zeros((2, 3)), np.zeros(2)])
    for a, b in zip(layer.get_weights(), before):
        np.testing.assert_array_equal(a, b)


def test_trainable_false_freezes_a_layers_weights():
    model = keras.Sequential([keras.Input(shape=(3,)), keras.layers.Dense(4), keras.layers.Dense(1)])
    model.layers[0].trainable = False
    assert len(model.trainable_weights) == 2 and len(model.non_trainable_weights) == 2
    frozen = model.layers[0].get_weights()
    model.compile(optimizer="sgd", loss="mse")
    model.fit(np.ones((8, 3)), np.ones((8, 1)), epochs=2, verbose=0)
    for a, b in zip(model.layers[0].get_weights(), frozen):
        np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize("make, message", [
    (lambda: keras.layers.Dense(0), "units must be a positive integer"),
    (lambda: keras.layers.Dropout(1.5), "rate must be in"),
    (lambda: keras.layers.Dense(2, activation="nope"), "unknown activation 'nope'"),
    (lambda: keras.layers.Dense(2, kernel_initializer="nope")(np.zeros((1, 2))), "unknown initializer 'nope'"),
    (lambda: keras.layers.Dense(2, unknown_argument=1), "unexpected keyword arguments"),
    (lambda: keras.layers.Dense(2)(np.zeros(3)), "Dense needs inputs"),
    (lambda: keras.Model(inputs=None, outputs=None), "no functional API"),
])
def test_bad_layer_arguments_are_clear_errors(make, message):
    with pytest.raises((ValueError, TypeError, NotImplementedError), match=message):
        make()


def test_channels_last_helpers_invert_each_other():
    x = mg.tensor(np.arange(2 * 3 * 4 * 5, dtype=np.float32).reshape(2, 3, 4, 5))  # [N, H, W, C]
    first = layout.channels_first(x)
    assert first.shape == (2, 5, 3, 4)
    np.testing.assert_array_equal(first.numpy(), np.transpose(x.numpy(), (0, 3, 1, 2)))
    np.testing.assert_array_equal(layout.channels_last(first).numpy(), x.numpy())
    weight = np.arange(6 * 5 * 3 * 2, dtype=np.float32).reshape(6, 5, 3, 2)  # [out, in, kh, kw]
    kernel = layout.kernel_to_keras(weight)
    assert kernel.shape == (3, 2, 5, 6)
    np.testing.assert_array_equal(layout.kernel_from_keras(kernel), weight)
