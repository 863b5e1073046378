"""Model builders. Every model takes 28x28 uint8 images and outputs 10 class probabilities."""

from __future__ import annotations

import os
from collections.abc import Sequence

import keras
from keras import layers

from digits.errors import DigitsError
from digits.params import TrainParams

NUM_CLASSES = 10


def build_model(params: TrainParams) -> keras.Model:
    if params.model == "mlp":
        return build_mlp(params.hidden_units)
    raise ValueError(f"unknown model {params.model!r}")


def build_mlp(hidden_units: Sequence[int]) -> keras.Model:
    """The reference notebook's network: Flatten, Dense(relu) layers, then a softmax over 10 digits.

    The notebook ends in a sigmoid, which scores each digit independently; softmax makes the
    outputs one probability distribution, which is what the cross-entropy loss assumes.
    """
    inputs = keras.Input(shape=(28, 28), dtype="uint8", name="image")
    # Scaling inside the model means every caller feeds raw 0-255 pixels.
    x = layers.Rescaling(1 / 255)(inputs)
    x = layers.Flatten()(x)
    for units in hidden_units:
        x = layers.Dense(units, activation="relu")(x)
    outputs = layers.Dense(NUM_CLASSES, activation="softmax", name="probabilities")(x)
    return keras.Model(inputs, outputs, name="mlp")


def load_model(path: str | os.PathLike) -> keras.Model:
    """Load a .keras model in safe mode, which refuses models that would run arbitrary code."""
    if not str(path).endswith(".keras"):
        raise DigitsError(f"{path}: only .keras models are loaded")
    if not os.path.exists(path):
        raise DigitsError(f"{path}: no trained model; run `dvc repro` first")
    try:
        return keras.models.load_model(path, safe_mode=True)
    except (OSError, ValueError) as error:
        raise DigitsError(f"{path}: cannot load the model ({str(error).splitlines()[0]})") from None
