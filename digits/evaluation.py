"""Classification metrics from true and predicted labels (NumPy only, so the report needs no TensorFlow)."""

from __future__ import annotations

import csv
import os

import numpy as np

from digits.errors import DigitsError
from digits.files import atomic_path

NUM_CLASSES = 10


def confusion_matrix(labels: np.ndarray, predictions: np.ndarray) -> np.ndarray:
    """counts[true, predicted] for the 10 digits."""
    return np.bincount(labels * NUM_CLASSES + predictions, minlength=NUM_CLASSES**2).reshape(NUM_CLASSES, NUM_CLASSES)


def classification_metrics(labels: np.ndarray, predictions: np.ndarray) -> dict:
    """Accuracy, per-class precision/recall/F1/support and macro F1, as plain floats for JSON."""
    counts = confusion_matrix(labels, predictions)
    correct = np.diag(counts).astype(float)
    predicted, actual = counts.sum(axis=0), counts.sum(axis=1)
    # A class never predicted (or absent) has precision (or recall) 0, as scikit-learn reports it.
    precision = np.divide(correct, predicted, out=np.zeros(NUM_CLASSES), where=predicted > 0)
    recall = np.divide(correct, actual, out=np.zeros(NUM_CLASSES), where=actual > 0)
    f1 = np.divide(2 * precision * recall, precision + recall, out=np.zeros(NUM_CLASSES), where=precision + recall > 0)
    return {
        "accuracy": float(correct.sum() / counts.sum()),
        "macro_f1": float(f1.mean()),
        "per_class": {
            str(digit): {
                "precision": float(precision[digit]),
                "recall": float(recall[digit]),
                "f1": float(f1[digit]),
                "support": int(actual[digit]),
            }
            for digit in range(NUM_CLASSES)
        },
    }


def cross_entropy(labels: np.ndarray, probabilities: np.ndarray) -> float:
    """Mean sparse categorical cross-entropy, clipping probabilities at 1e-7 as Keras does."""
    true_class = probabilities[np.arange(len(labels)), labels]
    return float(-np.mean(np.log(np.clip(true_class.astype(np.float64), 1e-7, 1 - 1e-7))))


def top_confusions(labels: np.ndarray, predictions: np.ndarray, count: int) -> list[tuple[int, int, int]]:
    """The `count` most frequent mistakes as (true, predicted, times), most frequent first."""
    counts = confusion_matrix(labels, predictions)
    np.fill_diagonal(counts, 0)
    order = np.argsort(-counts, axis=None, kind="stable")[:count]
    pairs = [(int(i // NUM_CLASSES), int(i % NUM_CLASSES)) for i in order]
    return [(true, predicted, int(counts[true, predicted])) for true, predicted in pairs if counts[true, predicted]]


def write_predictions(path: str | os.PathLike, labels: np.ndarray, predictions: np.ndarray) -> None:
    """One row per test image, in the `actual,predicted` form DVC's confusion template reads."""
    with atomic_path(path) as temporary, temporary.open("w", newline="") as out:
        writer = csv.writer(out)
        writer.writerow(["actual", "predicted"])
        writer.writerows(zip(labels.tolist(), predictions.tolist()))


def write_rows(path: str | os.PathLike, rows: list[dict]) -> None:
    """A CSV file with a header from the rows' keys (plot data for DVC)."""
    with atomic_path(path) as temporary, temporary.open("w", newline="") as out:
        writer = csv.DictWriter(out, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)


def read_predictions(path: str | os.PathLike) -> tuple[np.ndarray, np.ndarray]:
    try:
        with open(path, newline="") as handle:
            return parse_predictions(handle.read(), path)
    except FileNotFoundError:
        raise DigitsError(f"{path}: not found; run `dvc repro` to create it") from None
    except OSError as error:
        raise DigitsError(f"{path}: cannot read it ({error})") from None


def parse_predictions(text: str, source: str | os.PathLike) -> tuple[np.ndarray, np.ndarray]:
    """(labels, predictions) from the text of a predictions.csv; `source` names it in errors."""
    try:
        rows = list(csv.DictReader(text.splitlines()))
        labels = np.array([int(row["actual"]) for row in rows], dtype=np.int64)
        predictions = np.array([int(row["predicted"]) for row in rows], dtype=np.int64)
    except (KeyError, ValueError, TypeError) as error:
        raise DigitsError(f"{source}: damaged ({error}); run `dvc repro` to recreate it") from None
    if len(labels) == 0 or labels.min() < 0 or max(labels.max(), predictions.max()) >= NUM_CLASSES or predictions.min() < 0:
        raise DigitsError(f"{source}: expected rows of digits 0-9")
    return labels, predictions


CALIBRATION_BINS = 15  # equal-width confidence bins of the expected calibration error, as Guo et al. (2017)


def reliability(labels: np.ndarray, probabilities: np.ndarray, bins: int = CALIBRATION_BINS) -> list[dict]:
    """Per equal-width bin of top probability: its range, image count, mean confidence and accuracy."""
    confidence = probabilities.max(axis=1)
    right = probabilities.argmax(axis=1) == labels
    which = np.minimum((confidence * bins).astype(int), bins - 1)
    rows = []
    for index in range(bins):
        inside = which == index
        count = int(inside.sum())
        rows.append({"low": index / bins, "high": (index + 1) / bins, "count": count,
                     "confidence": float(confidence[inside].mean()) if count else None,
                     "accuracy": float(right[inside].mean()) if count else None})
    return rows


def expected_calibration_error(labels: np.ndarray, probabilities: np.ndarray, bins: int = CALIBRATION_BINS) -> float:
    """Σ over bins of (share of images) x |accuracy - mean confidence|, for the top label."""
    table = [row for row in reliability(labels, probabilities, bins) if row["count"]]
    return float(sum(row["count"] * abs(row["accuracy"] - row["confidence"]) for row in table) / len(labels))


def brier_score(labels: np.ndarray, probabilities: np.ndarray) -> float:
    """Mean over images of the squared distance between the probabilities and the one-hot truth."""
    truth = np.eye(NUM_CLASSES)[labels]
    return float(np.mean(np.sum((probabilities - truth) ** 2, axis=1)))


def risk_coverage(labels: np.ndarray, probabilities: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(coverage, accuracy): answering only the most confident k images, for every k."""
    order = np.argsort(-probabilities.max(axis=1), kind="stable")
    right = probabilities.argmax(axis=1)[order] == labels[order]
    answered = np.arange(1, len(labels) + 1)
    return answered / len(labels), np.cumsum(right) / answered


def accuracy_at_coverage(labels: np.ndarray, probabilities: np.ndarray, coverage: float) -> float:
    """Accuracy on the `coverage` share of images the model is surest of."""
    _, accuracy = risk_coverage(labels, probabilities)
    return float(accuracy[max(0, int(np.ceil(coverage * len(labels))) - 1)])


def calibration_metrics(labels: np.ndarray, probabilities: np.ndarray) -> dict:
    """ECE, log-likelihood loss, Brier score and accuracy at 95 % coverage of calibrated probabilities."""
    return {"ece": expected_calibration_error(labels, probabilities), "nll": cross_entropy(labels, probabilities),
            "brier": brier_score(labels, probabilities),
            "accuracy_at_95_coverage": accuracy_at_coverage(labels, probabilities, 0.95)}
