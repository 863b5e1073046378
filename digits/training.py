"""Train a compiled model from in-memory uint8 arrays with tf.data, deterministically."""

from __future__ import annotations

import signal
import sys
import threading
from collections.abc import Callable

import numpy as np

from digits.augment import random_augmentation
from digits.backend import keras, tf
from digits.models import NUM_CLASSES
from digits.params import TrainParams

MAX_STEPS_PER_EXECUTION = 20
# Fewer steps per call cost the default MLP up to 45 % more time per epoch (its 10 epochs on 2
# cores with 1, 5, 9, 20 steps per call: 24.7, 20.4, 17.0, 19.8 s): an epoch is lengthened by
# a few steps when no divisor of its length is at least this large.
MIN_STEPS_PER_EXECUTION = 8
NON_DIGIT = -1  # the label of an image that is not a digit (outlier exposure)


def make_deterministic(seed: int) -> None:
    """Seed Python, NumPy and TensorFlow and make TF ops deterministic, so a rerun gives the same weights."""
    keras.utils.set_random_seed(seed)
    tf.config.experimental.enable_op_determinism()


class InterruptBetweenSteps(keras.callbacks.Callback):
    """Ctrl-C stops training between two steps, never inside TensorFlow's own code.

    Python's default handler raises KeyboardInterrupt wherever TensorFlow next checks for signals,
    possibly mid-step, and the process sometimes died of a segmentation fault then (about 1 run in
    40 of the Ctrl-C test). Here Ctrl-C only sets a flag; the interrupt is raised from the next
    batch's callback, in plain Python. A second Ctrl-C gets Python's default behaviour at once.
    """

    def on_train_begin(self, logs=None) -> None:
        self.interrupted = False
        if threading.current_thread() is threading.main_thread():  # only the main thread may set handlers
            self.previous = signal.signal(signal.SIGINT, self.handle)

    def handle(self, signum, frame) -> None:
        self.interrupted = True
        signal.signal(signal.SIGINT, self.previous)

    def on_train_batch_end(self, batch, logs=None) -> None:
        if self.interrupted:
            raise KeyboardInterrupt

    on_test_batch_end = on_train_batch_end

    def on_train_end(self, logs=None) -> None:
        if hasattr(self, "previous") and signal.getsignal(signal.SIGINT) == self.handle:
            signal.signal(signal.SIGINT, self.previous)


def use_threads(intra_op: int) -> None:
    """Split each TensorFlow op across `intra_op` threads (0 keeps TensorFlow's default, one per core).

    Call it before TensorFlow runs anything. The default MLP's ops are too small to gain from
    being split: on 2 cores its train stage took 15.9 s with one thread per op against 18.2 s
    with two (three alternated pairs), ops still running side by side; the `fast` CNN's larger
    ones run faster split (docs/benchmarks.md).
    """
    if intra_op:
        tf.config.threading.set_intra_op_parallelism_threads(intra_op)


def distribution_strategy(mode: str) -> tf.distribute.Strategy:
    """Where training runs: tf.distribute.MirroredStrategy over several devices, or TF's plain default.

    auto mirrors over the GPUs when more than one is visible; mirrored over every visible GPU,
    or with none, every logical CPU device (how the tests exercise it); off never mirrors.
    Each step's batch_size images are split between the devices, whose gradients are summed.
    """
    gpus = [device.name for device in tf.config.list_logical_devices("GPU")]
    if mode == "auto":
        devices = gpus if len(gpus) > 1 else []
    elif mode == "mirrored":
        devices = gpus or [device.name for device in tf.config.list_logical_devices("CPU")]
    else:
        devices = []
    return tf.distribute.MirroredStrategy(devices) if devices else tf.distribute.get_strategy()


class DigitAccuracy(keras.metrics.Mean):
    """Accuracy over the digits of a batch only: a non-digit (a flat target) has no right answer."""

    def __init__(self, name: str = "accuracy", **kwargs) -> None:
        super().__init__(name=name, **kwargs)

    def update_state(self, y_true, y_pred, sample_weight=None):
        right = keras.ops.argmax(y_true, axis=-1) == keras.ops.argmax(y_pred, axis=-1)
        is_digit = keras.ops.max(y_true, axis=-1) > 0.5
        return super().update_state(keras.ops.cast(right, "float32"), sample_weight=keras.ops.cast(is_digit, "float32"))


def with_non_digits(train: tuple[np.ndarray, np.ndarray], non_digits: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The training split with the non-digit images added, labelled NON_DIGIT."""
    images = np.concatenate([train[0], non_digits])
    labels = np.concatenate([train[1].astype(np.int64), np.full(len(non_digits), NON_DIGIT)])
    return images, labels


def make_dataset(
    images: np.ndarray,
    labels: np.ndarray,
    batch_size: int,
    shuffle_seed: int | None = None,
    augment: Callable[[tf.Tensor, tf.Tensor], tf.Tensor] | None = None,
    non_digit_weight: float = 1.0,
) -> tf.data.Dataset:
    """Batches gathered from in-memory arrays, labels one-hot (label smoothing needs them so).

    A NON_DIGIT label becomes the flat target (0.1 for every digit): outlier exposure (Hendrycks
    et al., 2019) teaches the model to spread its belief on what is not a digit. Its share of the
    loss is weighted by `non_digit_weight`.

    Shuffling permutes indices, not images, and each batch is one gather: per-image tf.data
    elements cost more than a small model's training step. The order is new each epoch and
    fixed by the seed. No prefetch: the gather is cheap, and one batch prefetched ahead made no
    step faster (docs/benchmarks.md); an earlier prefetching iterator, autotuned, also made fit()
    wait about 7 s at its end.
    """
    flat = labels == NON_DIGIT
    weights = tf.constant(np.where(flat, non_digit_weight, 1.0), tf.float32)
    targets = tf.where(flat[:, None], 1 / NUM_CLASSES, tf.one_hot(np.maximum(labels, 0), NUM_CLASSES))
    images = tf.constant(images)
    indices = tf.data.Dataset.range(len(images))
    if shuffle_seed is not None:
        indices = indices.shuffle(len(images), seed=shuffle_seed, reshuffle_each_iteration=True)
    if flat.any():
        batches = indices.batch(batch_size).map(lambda batch: (tf.gather(images, batch), tf.gather(targets, batch), tf.gather(weights, batch)))
    else:
        batches = indices.batch(batch_size).map(lambda batch: (tf.gather(images, batch), tf.gather(targets, batch)))
    if augment is not None:
        # A seed pair per batch for the stateless random draws: new each epoch, fixed by the seed.
        seeds = tf.data.Dataset.random(seed=shuffle_seed, rerandomize_each_iteration=True).batch(2)
        batches = tf.data.Dataset.zip(batches, seeds).map(lambda batch, seed: (augment(batch[0], seed), *batch[1:]))
    # No autotuning: nothing here is tunable, and deleting an autotuned iterator waits for its
    # tuning thread to wake, up to a minute late (after the last epoch of `fast`: 30-35 s in 6 runs of 17).
    options = tf.data.Options()
    options.autotune.enabled = False
    return batches.with_options(options)


def learning_rate(params: TrainParams, steps_per_epoch: int) -> float | keras.optimizers.schedules.LearningRateSchedule:
    """A constant rate, or a linear warm-up to the peak rate followed by a cosine decay to zero."""
    if params.schedule == "constant":
        return params.learning_rate
    warmup_steps = round(params.warmup_epochs * steps_per_epoch)
    total_steps = params.epochs * steps_per_epoch
    return keras.optimizers.schedules.CosineDecay(
        initial_learning_rate=0.0 if warmup_steps else params.learning_rate,
        decay_steps=max(1, total_steps - warmup_steps),
        warmup_target=params.learning_rate if warmup_steps else None,
        warmup_steps=warmup_steps,
    )


def epoch_layout(batches: int) -> tuple[int, int]:
    """(steps per epoch, steps per call into the compiled graph) for `batches` batches per pass over the data.

    Keras runs whole calls: with 20 steps per call, an epoch of 215 steps ran 220, and one of 2 steps
    ran 20, past the end of the learning-rate schedule (Keras 3.15). So the steps per call divide the
    epoch: the most, up to MAX_STEPS_PER_EXECUTION; and where that is below MIN_STEPS_PER_EXECUTION
    (239 batches is a prime), the epoch takes the next few batches of the following pass too.
    """
    if batches <= MAX_STEPS_PER_EXECUTION:
        return batches, batches
    steps = batches
    while (per_call := max(n for n in range(1, MAX_STEPS_PER_EXECUTION + 1) if steps % n == 0)) < MIN_STEPS_PER_EXECUTION:
        steps += 1
    return steps, per_call


def train_model(
    model: keras.Model,
    train: tuple[np.ndarray, np.ndarray],
    validation: tuple[np.ndarray, np.ndarray],
    params: TrainParams,
    callbacks: list[keras.callbacks.Callback],
) -> keras.callbacks.History:
    """Compile and fit; with restore_best, end on the epoch of best validation accuracy (never the test set).

    `train` may hold non-digits (label NON_DIGIT, see with_non_digits), weighted by params.outlier_exposure.
    """
    steps_per_epoch, per_call = epoch_layout(-(-len(train[0]) // params.batch_size))
    model.compile(
        # Keras applies weight_decay decoupled from the gradient, as AdamW does.
        optimizer=keras.optimizers.Adam(
            learning_rate=learning_rate(params, steps_per_epoch), weight_decay=params.weight_decay or None
        ),
        loss=keras.losses.CategoricalCrossentropy(label_smoothing=params.label_smoothing),
        metrics=[DigitAccuracy()],
        jit_compile=params.jit_compile,
        # Several steps per call into the compiled graph: fewer Python round trips per epoch.
        # Not under MirroredStrategy, where Keras' multi-step loop fails ("must feed a value for
        # placeholder tensor", Keras 3.15 with TF 2.21).
        steps_per_execution=1 if tf.distribute.has_strategy() else per_call,
    )
    if params.restore_best:
        # patience=epochs: never stop early, only remember and restore the best epoch's weights.
        callbacks = [*callbacks, keras.callbacks.EarlyStopping("val_accuracy", patience=params.epochs, restore_best_weights=True)]
    # One endless iterator for all epochs (each pass reshuffled), rather than a new one per epoch:
    # starting an iterator stalled the first steps of an epoch by about 0.25 s at random, a 50 %
    # longer epoch for the default MLP (measured on 2 cores).
    batches = make_dataset(*train, params.batch_size, shuffle_seed=params.seed, augment=random_augmentation(params),
                           non_digit_weight=params.outlier_exposure).repeat()
    return model.fit(
        batches,
        steps_per_epoch=steps_per_epoch,
        validation_data=make_dataset(*validation, batch_size=1024),
        epochs=params.epochs,
        shuffle=False,  # The dataset shuffles itself, with the seed.
        callbacks=[InterruptBetweenSteps(), *callbacks],
        # A live progress bar in a terminal; one line per epoch in logs.
        verbose=1 if sys.stdout.isatty() else 2,
    )
