"""Model builders. Every model takes 28x28 uint8 images and outputs 10 class probabilities."""

from __future__ import annotations

import os
from collections.abc import Sequence

from digits.backend import keras
from digits.errors import DigitsError
from digits.params import TrainParams

NUM_CLASSES = 10


def build_model(params: TrainParams) -> keras.Model:
    """The model params.yaml asks for (augmentation is not part of it: see digits.augment)."""
    inputs = keras.Input(shape=(28, 28), dtype="uint8", name="image")
    # Scaling inside the model means every caller feeds raw 0-255 pixels.
    x = keras.layers.Rescaling(1 / 255)(inputs)
    if params.model == "mlp":
        outputs = mlp_head(x, params.hidden_units)
    elif params.model == "cnn":
        outputs = cnn_body(x, params)
    else:
        raise ValueError(f"unknown model {params.model!r}")
    return keras.Model(inputs, outputs, name=params.model)


def mlp_head(x, hidden_units: Sequence[int]):
    """Flatten, Dense(relu) layers, then a softmax over the 10 digits.

    The notebook ends in a sigmoid, which scores each digit independently; softmax makes the
    outputs one probability distribution, which is what the cross-entropy loss assumes.
    """
    x = keras.layers.Flatten()(x)
    for units in hidden_units:
        x = keras.layers.Dense(units, activation="relu")(x)
    return keras.layers.Dense(NUM_CLASSES, activation="softmax", name="probabilities")(x)


def cnn_body(x, params: TrainParams):
    """Blocks of 3x3 convolutions (+ batch norm), each ending in a stride-2 convolution, then Dense layers.

    Each block halves the resolution with a strided convolution rather than max pooling: on a
    2-core CPU, a stride-2 network trained twice as fast as the same widths with 2x2 max pooling
    (docs/benchmarks.md), at no measured cost in accuracy.
    """
    x = keras.layers.Reshape((28, 28, 1))(x)
    for filters in params.filters:
        for index in range(params.convs_per_block):
            last = index == params.convs_per_block - 1
            # A bias is redundant right before batch normalisation, which adds its own.
            x = keras.layers.Conv2D(filters, 3, strides=2 if last else 1, padding="same", use_bias=not params.batch_norm)(x)
            if params.batch_norm:
                x = keras.layers.BatchNormalization()(x)
            x = keras.layers.ReLU()(x)
    x = keras.layers.Flatten()(x)
    for units in params.hidden_units:
        if params.dropout:
            x = keras.layers.Dropout(params.dropout, seed=params.seed)(x)
        x = keras.layers.Dense(units, use_bias=not params.batch_norm)(x)
        if params.batch_norm:
            x = keras.layers.BatchNormalization()(x)
        x = keras.layers.ReLU()(x)
    if params.dropout:
        x = keras.layers.Dropout(params.dropout, seed=params.seed)(x)
    return keras.layers.Dense(NUM_CLASSES, activation="softmax", name="probabilities")(x)


def load_model(path: str | os.PathLike) -> keras.Model:
    """Load a .keras model in safe mode, which refuses models that would run arbitrary code."""
    if not str(path).endswith(".keras"):
        raise DigitsError(f"{path}: only .keras models are loaded")
    if not os.path.exists(path):
        raise DigitsError(f"{path}: no trained model; run `dvc repro` first")
    try:
        # Not compiled: only prediction follows, and the training metrics need not be known here.
        return keras.models.load_model(path, safe_mode=True, compile=False)
    except (OSError, ValueError) as error:
        raise DigitsError(f"{path}: cannot load the model ({str(error).splitlines()[0]})") from None
