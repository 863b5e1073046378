"""Benchmark: how well `digits predict` reads images from many independent sources, against the textbook recipe.

Usage: python benchmarks/reading.py [--model PATH ...] [--count 1000] [--split dev|holdout] [--sources a,b]
       python benchmarks/reading.py --write-samples DIR   (a few images of each source, and docs/sources.png)

Needs data/prepared/test.npz and the model(s) (run `dvc repro` first). Every source (benchmarks/sources.py)
is built by its own mechanism from MNIST *test* digits (or, for script, from OpenCV's Hershey fonts),
written to a file as a user would bring it, and read twice with the same model:
- `digits predict`: digits.photo's preparation with views (--multi for rows) and the view-averaged
  prediction, the functions the CLI calls;
- recipe: the 30-line textbook recipe (benchmarks/recipe_reference.py).
A refused image (digits.photo found no digit) counts as wrong. A row is right only if the whole number is.
Time per image is digits.photo's preparation of one image on one core, plus its share of the batched
inference. The dev split draws from test digits 0-4999, the holdout split from 5000-9999 and other seeds.
"""

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from functools import partial
from pathlib import Path

import cv2
import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from recipe_reference import recipe_digits  # noqa: E402
from sources import make_crop, make_drawing, make_drawn_row, make_page, make_photo, make_row, make_scan, make_script  # noqa: E402

from digits.data import load_split  # noqa: E402
from digits.errors import DigitsError  # noqa: E402
from digits.answer import prepare_views  # noqa: E402
from digits.predictor import load_predictor, read_views  # noqa: E402

# name: (what it is, file format)
SOURCES = {
    "photo": ("photos of a digit on paper", ".jpg"),
    "drawing": ("canvas drawings, round brush 3-12 %, both polarities", ".png"),
    "scan": ("low-resolution scans, 8-16 px enlarged to 64-128", ".png"),
    "crop": ("tight crops, 0-5 % margin", ".png"),
    "script": ("Hershey script faces, slanted, photographed", ".jpg"),
    "row": ("rows of 2-6 digits (`--multi`), whole number", ".jpg"),
    "page": ("A4 page at 300 dpi, one 5-10 mm digit", ".jpg"),
    "drawn-row": ("numbers of 2-6 digits drawn on a canvas, one brush (`--multi`)", ".png"),
}
# Sources read with --multi, right only when the whole number is, and how each lays out its digits.
ROWS = {"row": make_row, "drawn-row": make_drawn_row}


def make_image(source: str, index: int, split: str, images: np.ndarray, labels: np.ndarray) -> tuple[np.ndarray, str]:
    """Image number `index` of a source, and its label (the whole number for a row)."""
    rng = np.random.default_rng([list(SOURCES).index(source), index, split == "holdout"])
    offset = 0 if split == "dev" else len(images) // 2
    pick = offset + rng.integers(0, len(images) // 2, size=6)
    if source == "script":
        label = int(rng.integers(0, 10))
        return make_script(label, rng), str(label)
    if source in ROWS:
        chosen = pick[: rng.integers(2, 7)]
        return ROWS[source]([images[i] for i in chosen], rng), "".join(str(labels[i]) for i in chosen)
    maker = {"photo": lambda d, r: make_photo(d, r)[0], "drawing": make_drawing, "scan": make_scan,
             "crop": make_crop, "page": make_page}[source]
    return maker(images[pick[0]], rng), str(labels[pick[0]])


def read_one(task: tuple[str, int], split: str, folder: str, images: np.ndarray, labels: np.ndarray) -> tuple:
    """Make one image, write it, read it back both ways: (label, digits.photo's views or None, recipe digits, seconds)."""
    source, index = task
    image, label = make_image(source, index, split, images, labels)
    path = os.path.join(folder, f"{source}-{index:04d}{SOURCES[source][1]}")
    cv2.imwrite(path, image, [cv2.IMWRITE_JPEG_QUALITY, 90] if path.endswith(".jpg") else [])
    multi = source in ROWS
    start = time.perf_counter()
    try:
        views = prepare_views(path, multi)
    except DigitsError:
        views = None
    seconds = time.perf_counter() - start
    recipe = recipe_digits(cv2.imread(path, cv2.IMREAD_GRAYSCALE), multi)
    os.remove(path)
    return label, views, recipe, seconds


def numbers(predict, images: list[list[np.ndarray] | None]) -> list[str | None]:
    """What each image reads as: its digits, left to right, as a string (None if refused), from one batched inference."""
    digits = [views for views in images if views for views in views]
    read = iter(read_views(predict, digits).argmax(axis=1) if digits else [])
    return [None if views is None else "".join(str(next(read)) for _ in views) for views in images]


def write_samples(directory: Path, images: np.ndarray, labels: np.ndarray) -> None:
    """Three images of each source, and a figure of them for docs/."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    directory.mkdir(parents=True, exist_ok=True)
    figure, axes = plt.subplots(3, len(SOURCES), figsize=(2.2 * len(SOURCES), 6.4))
    for column, source in enumerate(SOURCES):
        for row in range(3):
            image, label = make_image(source, row, "dev", images, labels)
            cv2.imwrite(str(directory / f"{source}-{row}{SOURCES[source][1]}"), image)
            shown = cv2.cvtColor(image, cv2.COLOR_BGR2RGB) if image.ndim == 3 else image
            axes[row, column].imshow(shown, cmap="gray", vmin=0, vmax=255)
            axes[row, column].set_title(f"{source}: {label}" if row == 0 else label, fontsize=11)
            axes[row, column].axis("off")
    figure.tight_layout()
    figure.savefig(ROOT / "docs/sources.png", dpi=70)


def read_source(source: str, count: int, split: str, images: np.ndarray, labels: np.ndarray, initializer=None, initargs=()) -> list[tuple]:
    """read_one for `count` images of a source, on every core (each worker first runs `initializer`)."""
    with tempfile.TemporaryDirectory() as folder, ProcessPoolExecutor(initializer=initializer, initargs=initargs) as pool:
        read = partial(read_one, split=split, folder=folder, images=images, labels=labels)
        return list(pool.map(read, [(source, i) for i in range(count)], chunksize=8))


def accuracy(predict, results: list[tuple], recipe: bool = False) -> float:
    """Share of images read right by `digits predict` (or, with recipe, by the textbook recipe)."""
    read = numbers(predict, [[digit[None] for digit in r[2]] for r in results] if recipe else [r[1] for r in results])
    return float(np.mean([number == label for number, (label, *_) in zip(read, results)]))


def time_processes(models: list[str], images: np.ndarray, rounds: int = 5) -> dict[str, tuple[float, float]]:
    """Whole `digits predict` processes on photos, per model: seconds for one photo and images/s for a
    folder of 1000, medians of `rounds` rounds in which the models take turns (this VM drifts)."""
    one, many = {model: [] for model in models}, {model: [] for model in models}
    with tempfile.TemporaryDirectory() as folder:
        rng = np.random.default_rng(1)
        for index in range(1000):
            cv2.imwrite(f"{folder}/{index:04d}.jpg", make_photo(images[index], rng)[0])
        for _ in range(rounds):
            for model in models:
                command = [sys.executable, "-m", "digits.cli", "predict", "--model", model]
                one[model].append(time_process([*command, f"{folder}/0000.jpg"], repeats=1))
                many[model].append(time_process([*command, "--json", folder], repeats=1))
    return {model: (statistics.median(one[model]), 1000 / statistics.median(many[model])) for model in models}


def time_process(command: list[str], repeats: int) -> float:
    """Median seconds of a whole process (exit status 1 only says some image was refused)."""
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        if subprocess.run(command, capture_output=True).returncode not in (0, 1):
            raise SystemExit(f"failed: {' '.join(command)}")
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", nargs="+", default=[str(ROOT / "models/model.tflite")], help=".tflite or .keras models")
    parser.add_argument("--count", type=int, default=1000, help="images per source")
    parser.add_argument("--split", choices=("dev", "holdout"), default="holdout")
    parser.add_argument("--sources", default=",".join(SOURCES), help="comma-separated, from: " + ", ".join(SOURCES))
    parser.add_argument("--no-timing", action="store_true", help="skip timing whole `digits predict` processes")
    parser.add_argument("--write-samples", metavar="DIR", help="only write sample images into DIR (and docs/sources.png)")
    args = parser.parse_args()
    images, labels = load_split(ROOT / "data/prepared/test.npz")
    if args.write_samples:
        return write_samples(Path(args.write_samples), images, labels)
    predictors = {path: load_predictor(path) for path in args.model}

    print(f"{args.count} images per source, {args.split} split\n")
    print("| source | model | `digits predict` | recipe | refused | ms per image |")
    print("| --- | --- | --- | --- | --- | --- |")
    for source in args.sources.split(","):
        start = time.perf_counter()
        results = read_source(source, args.count, args.split, images, labels)
        print(f"{source}: made and prepared in {time.perf_counter() - start:.0f} s", file=sys.stderr)
        refused = sum(views is None for _, views, _, _ in results)
        prepare_ms = 1000 * np.mean([seconds for *_, seconds in results])
        for path, predict in predictors.items():
            start = time.perf_counter()
            ours = accuracy(predict, results)
            infer_ms = 1000 * (time.perf_counter() - start) / len(results)
            print(f"| {source} | {path} | {ours:.3f} | {accuracy(predict, results, recipe=True):.3f} | "
                  f"{refused} | {prepare_ms + infer_ms:.1f} |", flush=True)
    if not args.no_timing:
        print("\n| model | `digits predict`, one photo, whole process | a folder of 1000 photos |")
        print("| --- | --- | --- |")
        for path, (one, rate) in time_processes(args.model, images).items():
            print(f"| {path} | {one:.2f} s | {rate:.0f} images/s |", flush=True)


if __name__ == "__main__":
    main()
