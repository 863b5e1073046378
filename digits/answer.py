"""From an image to its answer: the one path `digits predict`, the server and the benchmarks share."""

from __future__ import annotations

import os

import numpy as np

from digits.errors import DigitsError
from digits.images import Upload
from digits.photo import debug_writer, prepare_digit, prepare_digits

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


def describe(scores: np.ndarray) -> dict:
    top3 = np.argsort(-scores)[:3]
    return {"digit": int(top3[0]), "confidence": round(float(scores[top3[0]]), 4),
            "top3": [{"digit": int(d), "confidence": round(float(scores[d]), 4)} for d in top3]}


def as_record(image: str, answers: list[dict], multi: bool) -> dict:
    """The JSON answer. With multi, `digit` and `top3` are the leftmost digit's, `confidence` the lowest."""
    record = {"image": image, **answers[0]}
    if multi:
        record["digits"] = [answer["digit"] for answer in answers]
        record["number"] = "".join(str(answer["digit"]) for answer in answers)
        record["confidence"] = min(answer["confidence"] for answer in answers)
    return record
