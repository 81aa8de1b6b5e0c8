"""minigrad.keras: the Keras recipe on minigrad's own parts.

    from minigrad import keras

    model = keras.Sequential([keras.layers.Dense(64, activation="relu", input_shape=(784,)),
                              keras.layers.Dense(64, activation="relu"),
                              keras.layers.Dense(1, activation="sigmoid")])
    model.compile(optimizer="adam", loss="binary_crossentropy", metrics=["accuracy"])
    model.fit(x_train, y_train, epochs=5, batch_size=32, validation_data=(x_test, y_test))
    model.evaluate(x_test, y_test)

A facade, and a thin one: layers are minigrad.nn Modules calling minigrad.nn.functional;
losses are minigrad ops; optimizers are minigrad.optim's; fit is the loop over a
minigrad.data.DataLoader that a learner writes by hand (models/trainer.py, in one page).

    layers/        Layer (lazy build), Input, Dense, Activation, Dropout, Flatten, Embedding,
                   LayerNormalization
    models/        Model, Sequential: compile / fit / evaluate / predict / summary / weights
    losses.py      binary, categorical and sparse categorical cross-entropy, mse, mae, huber
    metrics.py     accuracy (binary / categorical / sparse), AUC, Precision, Recall, mae, mse
    optimizers.py  SGD, Adam, AdamW, RMSprop, Adagrad with Keras's defaults
    callbacks.py   History, EarlyStopping, ModelCheckpoint, LearningRateScheduler,
                   ReduceLROnPlateau, CSVLogger
    activations.py, initializers.py, utils.py, config.py (floatx), data.py, progbar.py

Weights are float32 (Keras's floatx), inputs are cast to it. Where minigrad.keras differs
from Keras (the optimizers' epsilon, no functional API, weights saved as safetensors), the
module docstrings say so.
"""

from . import activations, callbacks, config, initializers, layers, losses, metrics, optimizers, utils
from .layers import Input
from .models import Model, Sequential

__all__ = ["Sequential", "Model", "Input", "layers", "losses", "metrics", "optimizers", "callbacks",
           "activations", "initializers", "utils", "config"]
