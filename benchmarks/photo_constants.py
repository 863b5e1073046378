"""Sweep one constant of digits/photo.py over several values, on every source of the reading benchmark.

Usage: python benchmarks/photo_constants.py NAME VALUE [VALUE ...] [--count 300] [--sources a,b] [--model PATH ...]

Each value is set in every worker before it reads a source's images (the dev split of
benchmarks/reading.py: the holdout split stays unseen), and the table gives `digits predict`'s
accuracy and refusals per source and model. The comments beside digits/photo.py's constants
quote these tables (docs/reading.md).
"""

import argparse
import ast
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

import digits.photo  # noqa: E402
from digits.data import load_split  # noqa: E402
from digits.predictor import load_predictor  # noqa: E402
from reading import SOURCES, accuracy, read_source  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("name", help="a constant of digits/photo.py, e.g. BORDER")
    parser.add_argument("values", nargs="+", help="Python literals, e.g. 0.01 0.02 '(0, -5, 5)'")
    parser.add_argument("--count", type=int, default=300, help="images per source")
    parser.add_argument("--sources", default=",".join(SOURCES))
    parser.add_argument("--model", nargs="+", default=[str(ROOT / "models/model.tflite")])
    args = parser.parse_args()
    if not hasattr(digits.photo, args.name):
        parser.error(f"digits/photo.py has no constant {args.name}")
    images, labels = load_split(ROOT / "data/prepared/test.npz")
    predictors = {path: load_predictor(path) for path in args.model}
    print(f"{args.name} (now {getattr(digits.photo, args.name)!r}), {args.count} images per source, dev split\n")
    print("| constant | value | model | " + " | ".join(args.sources.split(",")) + " | mean | refused |")
    print("| --- | --- | --- | " + " | ".join("---" for _ in args.sources.split(",")) + " | --- | --- |")
    for text in args.values:
        value = ast.literal_eval(text)
        results = {source: read_source(source, args.count, "dev", images, labels, setattr, (digits.photo, args.name, value))
                   for source in args.sources.split(",")}
        refused = sum(views is None for rows in results.values() for _, views, _, _ in rows)
        for path, predict in predictors.items():
            scores = [accuracy(predict, rows) for rows in results.values()]
            print(f"| {args.name} | {text} | {Path(path).name} | " + " | ".join(f"{score:.3f}" for score in scores)
                  + f" | {np.mean(scores):.4f} | {refused} |", flush=True)


if __name__ == "__main__":
    main()
