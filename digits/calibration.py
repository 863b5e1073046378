"""Calibrated confidence, and the three kinds of answer: a digit, not sure, not a digit.

Temperature scaling (Guo et al., 2017) of the view-averaged probabilities: one number, fitted on
validation digits as `digits predict` reads them, that makes "90 %" mean right 9 times in 10.
The fitted temperature and both answer thresholds live in a small JSON file beside the model,
tied to it by the model file's SHA-256: a missing or stale file is an error, never a silent default.
"""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import asdict, dataclass, replace
from pathlib import Path

import numpy as np

from digits.errors import DigitsError
from digits.files import write_text_atomic
from digits.images import ImageError
from digits.parallel import on_every_core
from digits.photo import mnist_views, prepare_digit
from digits.predictor import Predict, read_views
from digits.synthetic import photographed_digit

# How a file's thresholds are read. 2: min_digit_mass is the mass before the temperature
# (2026-11-30); files without a format are 1, where it was after. A file of another format is
# refitted, not read: the same numbers would mean another rule.
FORMAT = 2


@dataclass(frozen=True)
class Calibration:
    temperature: float  # view-averaged probabilities are sharpened (< 1) or softened (> 1) by this
    min_confidence: float  # answer "digit" when the calibrated top probability reaches this, else "unsure"
    min_digit_mass: float  # answer "not_a_digit" when the two likeliest digits together hold less than this (before calibration)
    model_sha256: str  # the model file this was fitted to
    format: int = FORMAT


PARALLEL_FROM = 500  # digits: fewer are prepared in this process (about 1-8 ms each)


def calibration_path(model_path: str | os.PathLike) -> Path:
    """models/model.tflite -> models/model.calibration.json"""
    return Path(model_path).with_suffix(".calibration.json")


def file_sha256(path: str | os.PathLike) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def save_calibration(path: str | os.PathLike, calibration: Calibration) -> None:
    write_text_atomic(path, json.dumps(asdict(calibration), indent=2) + "\n")


def load_calibration(model_path: str | os.PathLike) -> Calibration:
    """The calibration beside `model_path`, checked to be the one fitted to this very model file."""
    path = calibration_path(model_path)
    try:
        values = json.loads(path.read_text(encoding="utf-8"))
        calibration = Calibration(**values)
    except FileNotFoundError:
        raise DigitsError(f"{path}: missing; the model {model_path} has no calibration (run `dvc repro`)") from None
    except (OSError, ValueError, TypeError) as error:
        raise DigitsError(f"{path}: not a calibration file ({str(error).splitlines()[0]}); run `dvc repro`") from None
    if values.get("format", 1) != FORMAT:
        raise DigitsError(f"{path}: written by another version of digits (calibration format {values.get('format', 1)!r}, "
                          f"this one reads {FORMAT}); run `dvc repro` to refit it")
    if calibration.model_sha256 != file_sha256(model_path):
        litert = Path(model_path).with_suffix(".tflite")
        if Path(model_path).suffix == ".keras" and litert.is_file() and calibration.model_sha256 == file_sha256(litert):
            raise DigitsError(f"{path}: fitted to the LiteRT export, not to {model_path}; pass --model {litert}")
        raise DigitsError(f"{path}: fitted to another version of {model_path} (stale); run `dvc repro` to refit it")
    return calibration


def with_thresholds(calibration: Calibration, min_confidence: float | None, min_digit_mass: float | None) -> Calibration:
    """The calibration with either threshold overridden (a command-line option), each within 0-1."""
    for name, value in (("--min-confidence", min_confidence), ("--min-digit-mass", min_digit_mass)):
        if value is not None and not 0 <= value <= 1:
            raise DigitsError(f"{name} {value}: expected a probability from 0 to 1")
    return replace(
        calibration,
        min_confidence=calibration.min_confidence if min_confidence is None else min_confidence,
        min_digit_mass=calibration.min_digit_mass if min_digit_mass is None else min_digit_mass,
    )


def calibrate(probabilities: np.ndarray, temperature: float) -> np.ndarray:
    """(n, 10) probabilities -> the same, their log-odds divided by `temperature`."""
    logits = np.log(np.clip(probabilities.astype(np.float64), 1e-12, 1)) / temperature
    logits -= logits.max(axis=1, keepdims=True)
    scaled = np.exp(logits)
    return scaled / scaled.sum(axis=1, keepdims=True)


def fit_temperature(probabilities: np.ndarray, labels: np.ndarray) -> float:
    """The temperature of least negative log-likelihood, by golden-section search over log T in [-3, 3].

    The log-likelihood is concave in 1/T, so the search finds the one optimum.
    """

    def nll(log_t: float) -> float:
        scaled = calibrate(probabilities, np.exp(log_t))
        return float(-np.mean(np.log(np.clip(scaled[np.arange(len(labels)), labels], 1e-12, 1))))

    low, high, ratio = -3.0, 3.0, (np.sqrt(5) - 1) / 2
    for _ in range(60):
        a, b = high - ratio * (high - low), low + ratio * (high - low)
        if nll(a) < nll(b):
            high = b
        else:
            low = a
    return float(np.exp((low + high) / 2))


def confidence_for_risk(calibrated: np.ndarray, labels: np.ndarray, risk: float) -> float:
    """The lowest top probability at which the digits answered (those at or above it) are wrong at
    most `risk` of the time: the threshold of largest coverage for that risk."""
    top = calibrated.max(axis=1)
    order = np.argsort(-top, kind="stable")
    wrong = np.cumsum(calibrated.argmax(axis=1)[order] != labels[order])
    within = np.flatnonzero(wrong / np.arange(1, len(order) + 1) <= risk)
    if len(within) == 0:
        return 1.0  # even the surest answer is wrong too often: answer nothing as a plain digit
    return float(top[order[within[-1]]])


def digit_mass(probabilities: np.ndarray) -> np.ndarray:
    """What the two likeliest digits hold together: near 1 for a digit, even an ambiguous one.

    Measured on the view-averaged probabilities before calibration. Outlier exposure teaches a
    non-digit a flat answer, and the temperature (below 1: it sharpens) pulls a flat answer's top
    two up towards a digit's. Before it, digit photos scored above non-digits more often for every
    model and kind measured (AUROC, dev split and a check set; docs/calibration.md).
    """
    return np.sort(probabilities, axis=1)[:, -2:].sum(axis=1)


def answer_kinds(probabilities: np.ndarray, calibration: Calibration) -> list[str]:
    """Each row's answer from its view-averaged probabilities: "not_a_digit", "unsure" or "digit"
    (see Calibration's thresholds)."""
    top = calibrate(probabilities, calibration.temperature).max(axis=1)
    mass = digit_mass(probabilities)
    return ["not_a_digit" if m < calibration.min_digit_mass else "unsure" if t < calibration.min_confidence else "digit"
            for t, m in zip(top, mass)]


def number_answer(kinds: list[str]) -> str:
    """A row of digits: a number only if every digit is sure; not a digit only if none is a digit."""
    if all(kind == "digit" for kind in kinds):
        return "digit"
    return "not_a_digit" if all(kind == "not_a_digit" for kind in kinds) else "unsure"


def views_of_mnist_digits(images: np.ndarray) -> list[np.ndarray]:
    """mnist_views of each image (about 1 ms each), on every core."""
    return on_every_core(mnist_views, list(images), fewest=PARALLEL_FROM, progress="views of digits")


def read_as_predict_does(predict: Predict, images: np.ndarray, photos: int, seed: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """How `digits predict` reads validation digits: (clean probabilities, photo probabilities, the
    indices of the photographed digits), each view-averaged.

    Clean: each digit's views as it stands. Photo: the first `photos` digits photographed
    (digits.synthetic) and prepared from the photo as any photo is; one the preparation refuses
    (no digit found) is left out.
    """
    clean = read_views(predict, views_of_mnist_digits(images))
    rng = np.random.default_rng(seed)
    # Photographed in order from one generator (cheap); prepared on every core (about 8 ms each).
    prepared = on_every_core(_photo_views, [photographed_digit(image, rng) for image in images[:photos]], fewest=PARALLEL_FROM,
                             progress="photographed digits")
    kept = [index for index, views in enumerate(prepared) if views is not None]
    views = [prepared[index] for index in kept]
    return clean, read_views(predict, views) if views else np.zeros((0, 10)), np.array(kept, dtype=np.int64)


def _photo_views(photo: np.ndarray) -> np.ndarray | None:
    try:
        return prepare_digit(photo, views=True)
    except ImageError:
        return None


def fit_calibration(probabilities: np.ndarray, labels: np.ndarray, risk: float, not_a_digit_share: float,
                    model_sha256: str) -> Calibration:
    """The temperature, then both thresholds, from the same validation digits (clean and photo-like together)."""
    temperature = fit_temperature(probabilities, labels)
    calibrated = calibrate(probabilities, temperature)
    return Calibration(
        temperature=temperature,
        min_confidence=confidence_for_risk(calibrated, labels, risk),
        min_digit_mass=float(np.quantile(digit_mass(probabilities), not_a_digit_share)),
        model_sha256=model_sha256,
    )
