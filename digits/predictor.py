"""Load a trained model for prediction: a LiteRT .tflite file (fast start, no TensorFlow) or a .keras file."""

from __future__ import annotations

import contextlib
import os
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import numpy as np

from digits.errors import DigitsError

Predict = Callable[[np.ndarray], np.ndarray]  # (n, 28, 28) uint8 images -> (n, 10) probabilities


def load_predictor(path: str | os.PathLike) -> Predict:
    path = Path(path)
    if not path.is_file():
        raise DigitsError(f"{path}: no trained model; run `dvc repro` first (or pass --model)")
    if path.suffix == ".tflite":
        return litert_predictor(path)
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
        with _native_stderr_silenced():
            interpreter = Interpreter(model_path=str(path), num_threads=threads or os.cpu_count())
    except (ValueError, RuntimeError) as error:
        raise DigitsError(f"{path}: not a readable LiteRT model ({str(error).splitlines()[0]})") from None
    source, result = interpreter.get_input_details()[0], interpreter.get_output_details()[0]

    def predict(images: np.ndarray) -> np.ndarray:
        interpreter.resize_tensor_input(source["index"], images.shape)
        with _native_stderr_silenced():
            interpreter.allocate_tensors()
        interpreter.set_tensor(source["index"], images.astype(source["dtype"]))
        interpreter.invoke()
        return interpreter.get_tensor(result["index"]).copy()

    return predict


@contextlib.contextmanager
def _native_stderr_silenced() -> Iterator[None]:
    """Hide what native code writes to stderr (LiteRT announces its CPU delegate on every start)."""
    sys.stderr.flush()
    saved = os.dup(2)
    try:
        with open(os.devnull, "w") as devnull:
            os.dup2(devnull.fileno(), 2)
            yield
    finally:
        os.dup2(saved, 2)
        os.close(saved)
