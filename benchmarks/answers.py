"""Benchmark: does `digits predict` say when it does not know? Calibration and the three answers.

Usage: python benchmarks/answers.py [--model PATH ...] [--count 1000] [--split dev|holdout] [--non-digits a,b]

Needs data/prepared/test.npz and each model with its calibration beside it (run `dvc repro`).
Digits: every source of benchmarks/reading.py (made from MNIST test digits), plus the clean test
digits themselves written as PNG files. Non-digits: benchmarks/sources.py's NON_DIGITS, made by
other mechanisms than the outliers the model may have trained on (digits.synthetic). Each image is
read as `digits predict` reads it (digits.answer: preparation, views, calibration, answer).

Per digit source: ECE (15 bins) of the printed confidence, the share answered "digit" and their
accuracy. Per non-digit kind: the share answered "not_a_digit", "unsure", or refused outright (no
digit found), and the AUROC of digit vs non-digit by the answer's score (the two likeliest digits'
probability mass, before calibration) against the photo source; then the same over every kind
together (equal shares, as the issue measured its non-digits: one set). A row counts per digit
(when as many digits are found as the number has).
"""

import argparse
import os
import sys
import tempfile
from concurrent.futures import ProcessPoolExecutor
from functools import partial
from pathlib import Path

import cv2
import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from reading import ROWS, SOURCES, make_image  # noqa: E402
from sources import NON_DIGITS, make_non_digit  # noqa: E402

from digits.answer import load_reader, prepare_views  # noqa: E402
from digits.calibration import answer_kinds, calibrate, digit_mass  # noqa: E402
from digits.data import load_split  # noqa: E402
from digits.errors import DigitsError  # noqa: E402
from digits.evaluation import expected_calibration_error  # noqa: E402
from digits.predictor import read_views  # noqa: E402


def prepare_one(task: tuple[str, int], split: str, folder: str, images: np.ndarray, labels: np.ndarray) -> tuple:
    """(labels of the digits or None for a non-digit, the views of each digit found, or None if refused)."""
    kind, index = task
    if kind == "clean":
        offset = 0 if split == "dev" else len(images) // 2
        image, label, suffix = images[offset + index], str(labels[offset + index]), ".png"
    elif kind in NON_DIGITS:
        rng = np.random.default_rng([100 + list(NON_DIGITS).index(kind), index, split == "holdout"])
        image, label, suffix = make_non_digit(kind, rng), None, ".jpg" if kind in ("letter", "word", "object") else ".png"
    else:
        image, label = make_image(kind, index, split, images, labels)
        suffix = SOURCES[kind][1]
    path = os.path.join(folder, f"{kind}-{index:04d}{suffix}")
    cv2.imwrite(path, image)
    try:
        views = prepare_views(path, multi=kind in ROWS)
    except DigitsError:
        views = None
    os.remove(path)
    return label, views


def prepare_kind(kind: str, count: int, split: str, images: np.ndarray, labels: np.ndarray) -> list[tuple]:
    with tempfile.TemporaryDirectory() as folder, ProcessPoolExecutor() as pool:
        prepare = partial(prepare_one, split=split, folder=folder, images=images, labels=labels)
        return list(pool.map(prepare, [(kind, i) for i in range(count)], chunksize=8))


def read(predict, calibration, results: list[tuple]) -> tuple[np.ndarray, np.ndarray, list[str], np.ndarray, np.ndarray]:
    """Per digit read: view-averaged and calibrated probabilities, answers, and its label (-1 if unknown);
    per image: whether a digit was found."""
    digits = [views for _, found in results if found for views in found]
    probabilities = read_views(predict, digits) if digits else np.zeros((0, 10))
    calibrated = calibrate(probabilities, calibration.temperature)
    kinds = answer_kinds(probabilities, calibration)
    digit_labels = []
    for label, found in results:
        if found:
            known = label is not None and len(label) == len(found)
            digit_labels += [int(c) for c in label] if known else [-1] * len(found)
    return probabilities, calibrated, kinds, np.array(digit_labels, dtype=np.int64), np.array([bool(found) for _, found in results])


def auroc(positive: np.ndarray, negative: np.ndarray) -> float:
    """Probability that a random digit scores above a random non-digit (ties count half)."""
    scores = np.concatenate([positive, negative])
    ranks = np.argsort(np.argsort(scores, kind="stable"), kind="stable").astype(float) + 1
    for value in np.unique(scores):  # average ranks of ties
        tied = scores == value
        ranks[tied] = ranks[tied].mean()
    return float((ranks[: len(positive)].sum() - len(positive) * (len(positive) + 1) / 2) / (len(positive) * len(negative)))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", nargs="+", default=[str(ROOT / "models/model.tflite")], help=".tflite models, each with its calibration")
    parser.add_argument("--count", type=int, default=1000, help="images per source and per non-digit kind")
    parser.add_argument("--split", choices=("dev", "holdout"), default="holdout")
    parser.add_argument("--non-digits", default=",".join(NON_DIGITS), help="comma-separated, from: " + ", ".join(NON_DIGITS))
    args = parser.parse_args()
    non_digit_kinds = args.non_digits.split(",")
    images, labels = load_split(ROOT / "data/prepared/test.npz")
    readers = {path: load_reader(path) for path in args.model}
    digit_kinds, prepared = ["clean", *SOURCES], {}
    for kind in [*digit_kinds, *non_digit_kinds]:
        prepared[kind] = prepare_kind(kind, args.count, args.split, images, labels)
        print(f"{kind}: prepared", file=sys.stderr)

    print(f"{args.count} images per source, {args.split} split\n")
    print("| digits | model | ECE | answered digit | their accuracy | unsure | not a digit | refused |")
    print("| --- | --- | --- | --- | --- | --- | --- | --- |")
    photo_scores = {}
    for kind in digit_kinds:
        for path, (predict, calibration) in readers.items():
            probabilities, calibrated, answers, digit_labels, found = read(predict, calibration, prepared[kind])
            known = digit_labels >= 0
            answers = np.array(answers)
            ece = expected_calibration_error(digit_labels[known], calibrated[known])
            sure = (answers == "digit") & known
            right = calibrated.argmax(axis=1) == digit_labels
            if kind == "photo":
                photo_scores[path] = digit_mass(probabilities)
            print(f"| {kind} | {path} | {ece:.4f} | {sure.sum() / known.sum():.1%} | {right[sure].mean():.2%} | "
                  f"{np.mean(answers == 'unsure'):.1%} | {np.mean(answers == 'not_a_digit'):.1%} | {np.mean(~found):.1%} |", flush=True)
    print("\n| non-digits | model | not a digit | unsure | refused (no digit found) | answered a digit | AUROC vs photos |")
    print("| --- | --- | --- | --- | --- | --- | --- |")
    every_kind = {path: ([], []) for path in readers}
    for kind in non_digit_kinds:
        for path, (predict, calibration) in readers.items():
            probabilities, _, answers, _, found = read(predict, calibration, prepared[kind])
            # One answer per image: refused, or its (first) digit's answer.
            per_image = iter(answers)
            image_answers = np.array([next(per_image) if f else "refused" for f in found])
            # A refused image scores 0: it was not taken for a digit at all.
            scores = np.zeros(len(found))
            scores[found] = digit_mass(probabilities)
            every_kind[path][0].append(image_answers)
            every_kind[path][1].append(scores)
            print_non_digits(kind, path, image_answers, scores, photo_scores[path])
    if len(non_digit_kinds) > 1:
        for path, (answers, scores) in every_kind.items():
            print_non_digits("all of them", path, np.concatenate(answers), np.concatenate(scores), photo_scores[path])


def print_non_digits(kind: str, path: str, image_answers: np.ndarray, scores: np.ndarray, photo_scores: np.ndarray) -> None:
    print(f"| {kind} | {path} | {np.mean(image_answers == 'not_a_digit'):.1%} | "
          f"{np.mean(image_answers == 'unsure'):.1%} | {np.mean(image_answers == 'refused'):.1%} | "
          f"{np.mean(image_answers == 'digit'):.1%} | {auroc(photo_scores, scores):.4f} |", flush=True)


if __name__ == "__main__":
    main()
