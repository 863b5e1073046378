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
    """The model params.yaml asks for, with its training-only augmentation layers in front."""
    inputs = keras.Input(shape=(28, 28), dtype="uint8", name="image")
    # Scaling inside the model means every caller feeds raw 0-255 pixels.
    x = layers.Rescaling(1 / 255)(inputs)
    x = augment(x, params)
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
    x = layers.Flatten()(x)
    for units in hidden_units:
        x = layers.Dense(units, activation="relu")(x)
    return layers.Dense(NUM_CLASSES, activation="softmax", name="probabilities")(x)


def augment(x, params: TrainParams):
    """Random shifts, rotations and zooms of whole batches, active only in training (Keras' own layers)."""
    if not (params.augment_shift or params.augment_rotation or params.augment_zoom):
        return x
    x = layers.Reshape((28, 28, 1))(x)
    if params.augment_rotation:
        # RandomRotation takes a fraction of a full turn.
        x = layers.RandomRotation(params.augment_rotation / 360, fill_mode="constant", seed=params.seed)(x)
    if params.augment_zoom:
        x = layers.RandomZoom(params.augment_zoom, fill_mode="constant", seed=params.seed + 1)(x)
    if params.augment_shift:
        x = layers.RandomTranslation(params.augment_shift, params.augment_shift, fill_mode="constant", seed=params.seed + 2)(x)
    return layers.Reshape((28, 28))(x)


def cnn_body(x, params: TrainParams):
    """Blocks of 3x3 convolutions (+ batch norm), each ending in a stride-2 convolution, then Dense layers.

    Each block halves the resolution with a strided convolution rather than max pooling: on a
    2-core CPU, a stride-2 network trained twice as fast as the same widths with 2x2 max pooling
    (README: "Training: the notebook against the presets"), at no measured cost in accuracy.
    """
    x = layers.Reshape((28, 28, 1))(x)
    for filters in params.filters:
        for index in range(params.convs_per_block):
            last = index == params.convs_per_block - 1
            # A bias is redundant right before batch normalisation, which adds its own.
            x = layers.Conv2D(filters, 3, strides=2 if last else 1, padding="same", use_bias=not params.batch_norm)(x)
            if params.batch_norm:
                x = layers.BatchNormalization()(x)
            x = layers.ReLU()(x)
    x = layers.Flatten()(x)
    for units in params.hidden_units:
        if params.dropout:
            x = layers.Dropout(params.dropout, seed=params.seed)(x)
        x = layers.Dense(units, use_bias=not params.batch_norm)(x)
        if params.batch_norm:
            x = layers.BatchNormalization()(x)
        x = layers.ReLU()(x)
    if params.dropout:
        x = layers.Dropout(params.dropout, seed=params.seed)(x)
    return layers.Dense(NUM_CLASSES, activation="softmax", name="probabilities")(x)


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
