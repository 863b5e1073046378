"""Train a compiled model from in-memory uint8 arrays with tf.data, deterministically."""

from __future__ import annotations

import sys

import keras
import numpy as np
import tensorflow as tf

from digits.params import TrainParams


def make_deterministic(seed: int) -> None:
    """Seed Python, NumPy and TensorFlow and make TF ops deterministic, so a rerun gives the same weights."""
    keras.utils.set_random_seed(seed)
    tf.config.experimental.enable_op_determinism()


def make_dataset(images: np.ndarray, labels: np.ndarray, batch_size: int, shuffle_seed: int | None = None) -> tf.data.Dataset:
    """Batches straight from memory; shuffled anew each epoch, in an order fixed by the seed."""
    dataset = tf.data.Dataset.from_tensor_slices((images, labels))
    if shuffle_seed is not None:
        dataset = dataset.shuffle(len(images), seed=shuffle_seed, reshuffle_each_iteration=True)
    return dataset.batch(batch_size).prefetch(tf.data.AUTOTUNE)


def train_model(
    model: keras.Model,
    train: tuple[np.ndarray, np.ndarray],
    validation: tuple[np.ndarray, np.ndarray],
    params: TrainParams,
    callbacks: list[keras.callbacks.Callback],
) -> keras.callbacks.History:
    model.compile(
        optimizer=keras.optimizers.Adam(learning_rate=params.learning_rate),
        loss=keras.losses.SparseCategoricalCrossentropy(),
        metrics=["accuracy"],
    )
    return model.fit(
        make_dataset(*train, params.batch_size, shuffle_seed=params.seed),
        validation_data=make_dataset(*validation, batch_size=1024),
        epochs=params.epochs,
        shuffle=False,  # The dataset shuffles itself, with the seed.
        callbacks=callbacks,
        # A live progress bar in a terminal; one line per epoch in logs.
        verbose=1 if sys.stdout.isatty() else 2,
    )
