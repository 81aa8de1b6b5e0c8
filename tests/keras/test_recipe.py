"""The recipe minigrad's users learn from, with only the import line changed, on scikit-learn's
digits in place of MNIST: binary (digit < 5), sigmoid output, binary cross-entropy, Adam.

    model = keras.Sequential([keras.layers.Dense(64, activation='relu', input_shape=(784,)),
                              keras.layers.Dense(64, activation='relu'),
                              keras.layers.Dense(1, activation='sigmoid')])
    model.compile(optimizer='adam', loss='binary_crossentropy', metrics=['accuracy'])
    model.fit(x_train, y_train, epochs=5, batch_size=32, validation_data=(x_test, y_test))
    model.evaluate(x_test, y_test)

The data are prepared as MNIST's usually are (scaled; here standardised per pixel column,
digits' pixels being 0..16), the input shape is digits' 64 pixels instead of MNIST's 784.
"""

import io
from contextlib import redirect_stdout

import numpy as np
import pytest

import minigrad as mg
from minigrad import keras


@pytest.fixture(scope="module")
def data():
    pytest.importorskip("sklearn")
    X, digit = mg.data.load_digits()
    y = (digit < 5).astype(np.int64)
    x_train, x_test, y_train, y_test = mg.data.train_test_split(X.astype(np.float64), y, test_size=0.2, seed=0)
    x_train, x_test = mg.data.standardize(x_train, x_test)
    return x_train, x_test, y_train, y_test  # float64, as scikit-learn hands them out


@pytest.mark.parametrize("units", [64, 128])
def test_the_recipe_reaches_95_percent_on_held_out_digits(data, units):
    x_train, x_test, y_train, y_test = data
    model = keras.Sequential([keras.layers.Dense(units, activation='relu', input_shape=(64,)),
                              keras.layers.Dense(units, activation='relu'),
                              keras.layers.Dense(1, activation='sigmoid')])
    model.compile(optimizer='adam', loss='binary_crossentropy', metrics=['accuracy'])
    out = io.StringIO()
    with redirect_stdout(out):
        history = model.fit(x_train, y_train, epochs=5, batch_size=32, validation_data=(x_test, y_test))
        loss, accuracy = model.evaluate(x_test, y_test)
    assert accuracy >= 0.95
    assert history.history["val_accuracy"][-1] == pytest.approx(accuracy, rel=1e-12)
    assert history.history["loss"][-1] < history.history["loss"][0] / 2
    assert out.getvalue().count("Epoch ") == 5
    assert isinstance(model.layers[-1], keras.layers.Dense) and model.count_params() == (
        64 * units + units + units * units + units + units + 1)
