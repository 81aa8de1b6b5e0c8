"""mg.viz.plot_history: the curves of a fit, training and validation, as a PNG."""

import numpy as np
import pytest

import minigrad as mg
from minigrad import keras

pytest.importorskip("matplotlib")


def test_plots_a_history_from_fit(tmp_path):
    model = keras.Sequential([keras.Input(shape=(2,)), keras.layers.Dense(1, activation="sigmoid")])
    model.compile(optimizer="adam", loss="binary_crossentropy", metrics=["accuracy"])
    x = np.random.default_rng(0).standard_normal((20, 2))
    history = model.fit(x, (x[:, 0] > 0).astype(int), epochs=3, validation_split=0.25, verbose=0)
    path = mg.viz.plot_history(history, tmp_path / "history.png", title="digits")
    assert path == tmp_path / "history.png"
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_one_panel_per_quantity_with_its_validation_curve(tmp_path, monkeypatch):
    import matplotlib.figure

    drawn = []
    real_savefig = matplotlib.figure.Figure.savefig

    def record(fig, path, **kwargs):
        for ax in fig.axes:
            drawn.append((ax.get_title(), [line.get_label() for line in ax.get_lines()],
                          [list(line.get_xdata()) for line in ax.get_lines()]))
        return real_savefig(fig, path, **kwargs)

    monkeypatch.setattr(matplotlib.figure.Figure, "savefig", record)
    mg.viz.plot_history({"accuracy": [0.5, 0.7], "loss": [1.0, 0.6], "val_loss": [1.1, 0.8]}, tmp_path / "h.png")
    assert drawn == [("loss", ["training", "validation"], [[1, 2], [1, 2]]),
                     ("accuracy", ["training"], [[1, 2]])]


def test_rejects_what_is_not_a_history(tmp_path):
    with pytest.raises(ValueError, match="expected a History or a non-empty dict"):
        mg.viz.plot_history({}, tmp_path / "h.png")
