"""The `digits` command: `digits predict [--model M] [--json] PATH...`."""

from __future__ import annotations

import argparse
import json
import sys

import numpy as np

from digits.errors import DigitsError, run_main
from digits.images import list_images, read_grayscale, to_mnist

DEFAULT_MODEL = "models/model.keras"


def main(argv: list[str] | None = None) -> int:
    return run_main("digits", lambda: program(argv))


def program(argv: list[str] | None) -> int:
    parser = argparse.ArgumentParser(prog="digits", description="Handwritten-digit recognition.")
    commands = parser.add_subparsers(dest="command", required=True)
    predict = commands.add_parser("predict", help="read the digit in each image")
    predict.add_argument("paths", nargs="+", metavar="PATH", help="image files or folders of images")
    predict.add_argument("--model", default=DEFAULT_MODEL, help=f"trained model (default: {DEFAULT_MODEL})")
    predict.add_argument("--json", action="store_true", help="one JSON object per line per image")
    args = parser.parse_args(argv)
    return run_predict(args.paths, args.model, args.json)


def run_predict(paths: list[str], model_path: str, as_json: bool) -> int:
    """Predict every readable image; report each unreadable one and exit 1 if there was any."""
    images, failures = {}, {}
    for path in list_images(paths):
        try:
            images[path] = to_mnist(read_grayscale(path), path)
        except DigitsError as error:
            failures[path] = str(error)
    if not images and not failures:
        raise DigitsError(f"no images found in {', '.join(paths)}")

    probabilities = {}
    if images:
        from digits.models import load_model  # TensorFlow loads only when there is something to predict.

        model = load_model(model_path)
        batch = model.predict(np.stack(list(images.values())), verbose=0)
        probabilities = dict(zip(images, batch))

    listed = list_images(paths)
    for path in listed:
        if path in failures:
            print(json.dumps({"image": path, "error": failures[path]}) if as_json else f"digits: error: {failures[path]}",
                  file=sys.stdout if as_json else sys.stderr)
            continue
        scores = probabilities[path]
        top3 = np.argsort(-scores)[:3]
        digit, confidence = int(top3[0]), float(scores[top3[0]])
        if as_json:
            print(json.dumps({"image": path, "digit": digit, "confidence": round(confidence, 4),
                              "top3": [{"digit": int(d), "confidence": round(float(scores[d]), 4)} for d in top3]}))
        else:
            sentence = f"The Handwritten Digit is recognised as: {digit} (confidence {confidence:.1%})"
            print(sentence if len(listed) == 1 else f"{path}: {sentence}")
    return 1 if failures else 0
