"""From an image to its answer: the one path `digits predict`, the server and the benchmarks share."""

from __future__ import annotations

import math
import os

import numpy as np

from digits.calibration import Calibration, answer_kinds, calibrate, load_calibration, number_answer, with_thresholds
from digits.errors import DigitsError
from digits.images import Upload
from digits.photo import debug_writer, prepare_digit, prepare_digits
from digits.predictor import Predict, load_predictor

Image = str | os.PathLike | Upload


def prepare_views(image: Image, multi: bool, debug_dir: str | None = None) -> list[np.ndarray]:
    """The (V, 28, 28) views of each digit of one image: one digit, or with `multi` each digit of a row."""
    name = image.name if isinstance(image, Upload) else str(image)
    debug = debug_writer(debug_dir, name) if debug_dir else None
    return prepare_digits(image, debug, views=True) if multi else [prepare_digit(image, debug, views=True)]


def prepare_or_error(image: Image, multi: bool, debug_dir: str | None = None) -> list[np.ndarray] | str:
    """prepare_views, or the error message (a string, so that it crosses process boundaries)."""
    try:
        return prepare_views(image, multi, debug_dir)
    except DigitsError as error:
        return str(error)


def may_hold_several(answer: dict, digit: np.ndarray) -> bool:
    """Whether a digit read alone may be a number squeezed into one digit's box: doubted or refused,
    and its ink (in the 28x28 `digit`) at least as wide as it is tall.

    A number read without --multi looks like no digit at all. On the dev split (200 images of each
    kind, both models), 93.5-97.5 % of rows of 2-6 digits read alone passed this and then held two
    or more digits (digits_side_by_side); of single digits, 0-4 % of each source passed and 0-0.5 %
    held two. Without the width, the MLP's doubted single digits (11.5-27.5 % of each source) would
    all be prepared a second time, for at most 1 point more of the rows.
    """
    if answer["answer"] == "digit":
        return False
    rows, columns = np.flatnonzero(digit.any(axis=1)), np.flatnonzero(digit.any(axis=0))
    return bool(rows.size) and bool(columns[-1] - columns[0] >= rows[-1] - rows[0])


def digits_side_by_side(image: Image) -> int:
    """How many digits the row reading (--multi) finds in an image, where it finds two or more; else 0."""
    try:
        count = len(prepare_digits(image))
    except DigitsError:
        return 0
    return count if count >= 2 else 0


def multi_hint(count: int) -> str:
    """What to tell a person whose image holds `count` digits side by side, read as one."""
    return f"{count} digits side by side? Add --multi to read them as a number"


def load_reader(model_path: str | os.PathLike, min_confidence: float | None = None,
                min_digit_mass: float | None = None, threads: int | None = None) -> tuple[Predict, Calibration]:
    """The model (on `threads` threads) and its calibration (either threshold overridden), or one clear error about either."""
    predict = load_predictor(model_path, threads)
    return predict, with_thresholds(load_calibration(model_path), min_confidence, min_digit_mass)


def rounded_down(probabilities: np.ndarray) -> np.ndarray:
    """Four decimals, rounded down, for every probability shown: a calibrated 0.99996 is not a
    certainty, and must not print as 1.0 (nor as 100.0 % in one place and 99.9 % in another)."""
    return np.floor(probabilities * 10_000) / 10_000


def describe_all(probabilities: np.ndarray, calibration: Calibration) -> list[dict]:
    """Each digit's answer from its view-averaged probabilities: calibrated digit, confidence
    (rounded_down), top 3 and answer kind. (All rows at once: a folder of photos spent 0.1 s here row by row.)
    """
    calibrated = calibrate(probabilities, calibration.temperature)
    top3 = np.argsort(-calibrated, axis=1)[:, :3]
    confidences = rounded_down(np.take_along_axis(calibrated, top3, axis=1))
    return [{"digit": ranked[0], "confidence": scores[0],
             "top3": [{"digit": digit, "confidence": score} for digit, score in zip(ranked, scores)], "answer": kind}
            for ranked, scores, kind in zip(top3.tolist(), confidences.tolist(), answer_kinds(probabilities, calibration))]


def as_record(image: str, answers: list[dict], multi: bool) -> dict:
    """The JSON answer. With multi, `digit` and `top3` are the leftmost digit's, `confidence` the lowest,
    `answer` the number's (unsure if any digit is), `answers` each digit's."""
    record = {"image": image, **answers[0]}
    if multi:
        record["digits"] = [answer["digit"] for answer in answers]
        record["number"] = "".join(str(answer["digit"]) for answer in answers)
        record["confidence"] = min(answer["confidence"] for answer in answers)
        record["answers"] = [answer["answer"] for answer in answers]
        record["answer"] = number_answer(record["answers"])
    return record


def as_sentence(answers: list[dict], multi: bool) -> str:
    """What a person reads: the digit or number with its confidence, "Not sure: ..." or "This does not look like a digit"."""
    kinds = [answer["answer"] for answer in answers]
    kind = number_answer(kinds) if multi else kinds[0]
    if kind == "not_a_digit":
        return "This does not look like a number" if multi else "This does not look like a digit"
    if kind == "digit":
        # Rounded down: an answer that can still be wrong never reads 100.0 %.
        confidence = f"{math.floor(1000 * min(answer['confidence'] for answer in answers)) / 10:.1f}%"
        if multi:
            number = "".join(str(answer["digit"]) for answer in answers)
            return f"The Handwritten Number is recognised as: {number} (confidence {confidence})"
        return f"The Handwritten Digit is recognised as: {answers[0]['digit']} (confidence {confidence})"
    if not multi:
        return f"Not sure: {_either(answers[0])}"
    number = "".join(str(answer["digit"]) if answer["answer"] == "digit" else "?" for answer in answers)
    doubts = "; ".join(f"digit {place}: {_either(answer)}" for place, answer in enumerate(answers, 1) if answer["answer"] != "digit")
    return f"Not sure: {number} ({doubts})"


def _either(answer: dict) -> str:
    # Whole per cents, rounded down as every confidence is: a doubted 0.996 is not "100%".
    first, second = answer["top3"][:2]
    return f"{first['digit']} ({math.floor(100 * first['confidence'])}%) or {second['digit']} ({math.floor(100 * second['confidence'])}%)"
