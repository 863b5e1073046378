"""Load a trained model for prediction: a LiteRT .tflite file (fast start, no TensorFlow) or a .keras file."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

import numpy as np

from digits.errors import DigitsError
from digits.quiet import native_stderr_hidden

# Images per LiteRT call. The 15,000 views of a folder of 1,000 photos in one call took 0.17 s (MLP)
# and 0.70 s (fast CNN) on 2 cores, most of it first touching the call's large buffers; in calls of
# 128-1024 images 0.025-0.041 s and 0.22-0.27 s: 256 the best for the MLP, within 6 % of it for the CNN.
LITERT_BATCH = 256
Predict = Callable[[np.ndarray], np.ndarray]  # (n, 28, 28) uint8 images -> (n, 10) probabilities


def load_predictor(path: str | os.PathLike, threads: int | None = None) -> Predict:
    """The model at `path` as a function; a .tflite runs on `threads` threads (default: every core)."""
    path = Path(path)
    if path.is_dir():
        raise DigitsError(f"{path}: a folder; a model is a .tflite or .keras file")
    if not path.is_file():
        # Outside the project a relative default finds nothing although the model exists: say where we looked.
        where = path if path.is_absolute() else f"{path} (looked in {Path.cwd()})"
        raise DigitsError(f"{where}: no trained model; run `dvc repro` in the project first, or pass --model PATH")
    if path.suffix == ".tflite":
        return litert_predictor(path, threads)
    if path.suffix == ".keras":
        from digits.models import load_model  # TensorFlow loads only for a .keras model.

        model = load_model(path)
        return lambda images: model.predict(images, batch_size=1024, verbose=0)
    raise DigitsError(f"{path}: a model must be a .tflite or .keras file")


def read_views(predict: Predict, digits: list[np.ndarray]) -> np.ndarray:
    """(n, 10): each digit's probabilities, the mean over its (V, 28, 28) views, from one batched inference.

    The views are digits.photo's (turned ±10°, shifted 1 px each way); every digit must have as many.
    """
    return predict(np.concatenate(digits)).reshape(len(digits), -1, 10).mean(axis=1)


def litert_predictor(path: Path, threads: int | None = None) -> Predict:
    """Run a .tflite model with the LiteRT interpreter, resizing its input to each whole batch."""
    from ai_edge_litert.interpreter import Interpreter

    try:
        # LiteRT announces its CPU delegate at the first allocation only (later ones, after a resize, are silent).
        with native_stderr_hidden():
            interpreter = Interpreter(model_path=str(path), num_threads=threads or os.cpu_count())
            interpreter.allocate_tensors()
    except (ValueError, RuntimeError) as error:
        raise DigitsError(f"{path}: not a readable LiteRT model ({str(error).splitlines()[0]})") from None
    source, result = interpreter.get_input_details()[0], interpreter.get_output_details()[0]

    def run(images: np.ndarray) -> np.ndarray:
        interpreter.resize_tensor_input(source["index"], images.shape)
        interpreter.allocate_tensors()
        interpreter.set_tensor(source["index"], images.astype(source["dtype"]))
        interpreter.invoke()
        return interpreter.get_tensor(result["index"]).copy()

    def predict(images: np.ndarray) -> np.ndarray:
        return np.concatenate([run(images[start:start + LITERT_BATCH]) for start in range(0, len(images), LITERT_BATCH)])

    return predict
