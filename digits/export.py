"""Export a trained Keras model to LiteRT and check that both give the same predictions."""

from __future__ import annotations

import contextlib
import io
import os

import numpy as np

from digits.backend import keras
from digits.errors import DigitsError
from digits.files import atomic_path
from digits.predictor import litert_predictor
from digits.quiet import native_stderr_hidden

MIN_AGREEMENT = 0.999  # share of validation images on which both models must predict the same digit


def export_litert(model: keras.Model, path: str | os.PathLike, images: np.ndarray) -> float:
    """Write `path` (.tflite) only if it agrees with `model` on `images`; return the agreement."""
    with atomic_path(path) as temporary:
        # The exporter prints a page of SavedModel and MLIR converter output, some of it from C++.
        with native_stderr_hidden(), contextlib.redirect_stdout(io.StringIO()):
            model.export(str(temporary), format="litert")
        expected = model.predict(images, batch_size=1024, verbose=0).argmax(axis=1)
        actual = litert_predictor(temporary)(images).argmax(axis=1)
        agreement = float(np.mean(expected == actual))
        if agreement < MIN_AGREEMENT:
            raise DigitsError(f"{path}: the LiteRT model agrees with the Keras model on only {agreement:.2%} of images")
    return agreement
