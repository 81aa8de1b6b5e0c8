"""Shared setup for the Keras facade's tests: fresh layer names and a seeded generator per test."""

import pytest

from minigrad import keras


@pytest.fixture(autouse=True)
def fresh_session():
    """Every test starts with layer names from "dense" and minigrad's generator seeded with 0."""
    keras.utils.clear_session()
    keras.utils.set_random_seed(0)
    yield
    keras.utils.clear_session()
