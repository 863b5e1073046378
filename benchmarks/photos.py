"""Benchmark: reading MNIST test digits from photo-like images, against the clean digits and the notebook's recipe.

Usage: python benchmarks/photos.py [--count N] [--model models/model.tflite] [--write-samples DIR]
Needs data/prepared/test.npz and the model (run `dvc repro` first). Each test digit is turned into a
photo of dark ink on light paper (scaled up to 100-400 px, off-centre in a larger frame, rotated,
thicker or thinner strokes, a lighting gradient and a shadow, blur, noise, JPEG compression), then:
- clean: the model on the original 28x28 digits, and averaged over the same views `digits predict`
  averages over (turned, shifted), to compare like with like;
- scaled up: each digit only scaled up 8x as dark ink on white paper, then `digits.photo.prepare_digit`
  (what the cropping, resizing and centring alone cost, without any photo distortion);
- photo: `digits.photo.prepare_digit` on each photo, then the model: the centred digit alone, and
  averaged over its views (what `digits predict` does);
- notebook recipe: the photo resized straight to 28x28 (and also inverted), as the notebook did.
Throughput is timed on whole `digits predict` processes: one image, and a folder of 1000 photos.
A second table splits clean against photo accuracy by the photo's pen width (thinner, unchanged, thicker).
"""

import argparse
import sys
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import cv2
import numpy as np

ROOT = Path(__file__).resolve().parent.parent
REFUSED = 1  # a uniform image of this value marks a photo the preprocessing refused
sys.path.insert(0, str(ROOT))

from digits.data import load_split  # noqa: E402
from digits.errors import DigitsError  # noqa: E402
from digits.photo import VIEW_ANGLES, VIEW_SHIFTS, digit_views, prepare_digit  # noqa: E402
from digits.predictor import load_predictor  # noqa: E402

sys.path.insert(0, str(ROOT / "benchmarks"))
from reading import time_process  # noqa: E402
from sources import make_photo  # noqa: E402


def notebook_recipe(photo: np.ndarray, invert: bool) -> np.ndarray:
    """The notebook: grey, resized straight to 28x28 (scaling to [0, 1] happens inside our model)."""
    grey = cv2.resize(cv2.cvtColor(photo, cv2.COLOR_BGR2GRAY), (28, 28))
    return 255 - grey if invert else grey


def prepare_or_refuse(image: np.ndarray, views: bool = False) -> np.ndarray:
    """digits.photo's 28x28 digit (or its views); a photo it refuses becomes uniform REFUSED images (counted wrong)."""
    try:
        return prepare_digit(image, views=views)
    except DigitsError:
        return np.full((len(VIEW_ANGLES) * len(VIEW_SHIFTS), 28, 28) if views else (28, 28), REFUSED, np.uint8)


def clean_views(digit: np.ndarray) -> np.ndarray:
    """A clean digit's views as digits.photo makes them: the digit itself at each shift, and turned at each other angle."""
    views = digit_views(digit[np.ix_(digit.any(axis=1), digit.any(axis=0))].astype(np.float32))
    views[: len(VIEW_SHIFTS)] = [np.roll(digit, (dy, dx), axis=(0, 1)) for dx, dy in VIEW_SHIFTS]
    return views


def scaled_up(digit: np.ndarray) -> np.ndarray:
    """The clean digit 8x larger, as dark ink on white paper, with nothing else changed."""
    big = cv2.resize(digit, (8 * digit.shape[1], 8 * digit.shape[0]), interpolation=cv2.INTER_CUBIC)
    return 255 - cv2.copyMakeBorder(big, 40, 40, 40, 40, cv2.BORDER_CONSTANT, value=0)


def photo_and_prepared(args: tuple[np.ndarray, int]) -> tuple[np.ndarray | float, ...]:
    """The digit scaled up and prepared; a photo of it, prepared by digits.photo (its views) and by
    the notebook (plain, inverted); the photo's pen change."""
    digit, seed = args
    photo, pen_change = make_photo(digit, np.random.default_rng(seed))
    return (prepare_or_refuse(scaled_up(digit)), prepare_or_refuse(photo, views=True),
            notebook_recipe(photo, False), notebook_recipe(photo, True), pen_change)


def write_steps_figure(photo: Path, figure_path: Path) -> None:
    """docs/reading.md's before/after figure: every step digits.photo takes on one photo."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    steps = {}
    prepare_digit(photo, lambda step, picture: steps.__setitem__(step, picture))
    figure, axes_row = plt.subplots(1, len(steps) + 1, figsize=(2.2 * (len(steps) + 1), 2.6))
    pictures = {"0-photo": cv2.cvtColor(cv2.imread(str(photo)), cv2.COLOR_BGR2RGB), **steps}
    for axes, (step, picture) in zip(axes_row, pictures.items()):
        axes.imshow(picture, cmap="gray")
        axes.set_title(step.split("-", 1)[1], fontsize=10)
        axes.axis("off")
    figure.tight_layout()
    figure_path.parent.mkdir(exist_ok=True)
    figure.savefig(figure_path, dpi=80)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=10000, help="test digits to photograph")
    parser.add_argument("--model", default=str(ROOT / "models/model.tflite"))
    parser.add_argument("--write-samples", metavar="DIR", help="only write sample photos into DIR")
    args = parser.parse_args()
    images, labels = load_split(ROOT / "data/prepared/test.npz")

    if args.write_samples:
        rng = np.random.default_rng(7)
        out = Path(args.write_samples)
        cv2.imwrite(str(out / "digit.jpg"), make_photo(images[0], rng)[0])
        row = np.hstack([images[i] for i in (1, 3, 1, 4)])  # 2, 0, 2, 4 in the test set
        cv2.imwrite(str(out / "number.jpg"), make_photo(cv2.copyMakeBorder(row, 8, 8, 0, 0, cv2.BORDER_CONSTANT), rng)[0])
        write_steps_figure(out / "digit.jpg", ROOT / "docs/preprocessing.png")
        return

    images, labels = images[: args.count], labels[: args.count]
    predict = load_predictor(args.model)
    start = time.perf_counter()
    with ProcessPoolExecutor() as pool:
        relaid, prepared, naive, inverted, pen_changes = map(np.stack, zip(*pool.map(photo_and_prepared, zip(images, range(len(images))), chunksize=64)))
    print(f"made and prepared {len(images)} photos in {time.perf_counter() - start:.1f} s", file=sys.stderr)
    print(f"digits.photo refused {(prepared == REFUSED).all(axis=(1, 2, 3)).sum()} photos and "
          f"{(relaid == REFUSED).all(axis=(1, 2)).sum()} scaled-up digits (counted as wrong)", file=sys.stderr)
    def right(batch: np.ndarray) -> np.ndarray:
        """Which digits the model reads right: (n, 28, 28) alone, or (n, V, 28, 28) averaged over the views."""
        views = batch.reshape(len(batch), -1, 28, 28)
        probabilities = predict(views.reshape(-1, 28, 28)).reshape(len(batch), -1, 10).mean(axis=1)
        return (probabilities.argmax(axis=1) == labels) & ~(views == REFUSED).all(axis=(1, 2, 3))

    correct = {"clean": right(images), "clean_views": right(np.stack([clean_views(digit) for digit in images])), "relaid": right(relaid),
               "photo_centred": right(prepared[:, 0]), "photo": right(prepared), "naive": right(naive),
               "naive_inverted": right(inverted)}
    accuracy = {name: float(np.mean(hits)) for name, hits in correct.items()}

    with tempfile.TemporaryDirectory() as folder:
        rng = np.random.default_rng(1)
        for index in range(1000):
            cv2.imwrite(f"{folder}/{index:04d}.jpg", make_photo(images[index % len(images)], rng)[0])
        digits = [sys.executable, "-m", "digits.cli", "predict", "--model", args.model]
        one = time_process([*digits, f"{folder}/0000.jpg"], repeats=5)
        many = time_process([*digits, "--json", folder], repeats=3)

    print(f"{Path(args.model).name}, {len(images)} MNIST test digits\n")
    print("| digits | read by | accuracy |")
    print("| --- | --- | --- |")
    for digits_name, reader, name in (
        ("clean", "the model", "clean"),
        ("clean", f"the model, averaged over the same {len(VIEW_ANGLES) * len(VIEW_SHIFTS)} views", "clean_views"),
        ("scaled up 8x", "`digits.photo`, the centred digit", "relaid"),
        ("photos", "`digits.photo`, the centred digit", "photo_centred"),
        ("photos", f"`digits.photo`, averaged over its {len(VIEW_ANGLES) * len(VIEW_SHIFTS)} views (`digits predict`)", "photo"),
        ("photos", "notebook recipe", "naive"),
        ("photos", "notebook recipe, inverted", "naive_inverted"),
    ):
        print(f"| {digits_name} | {reader} | {accuracy[name]:.4f} |")
    print(f"\n`digits predict`: one image, whole process {one:.2f} s; a folder of 1000 photos {1000 / many:.0f} images/s")
    print_pen_breakdown(pen_changes, correct["clean"], correct["photo"])


def print_pen_breakdown(pen_changes: np.ndarray, clean: np.ndarray, photo: np.ndarray) -> None:
    """Clean against photo accuracy by the photo's pen change (make_photo): where the points go."""
    print("\n| pen (strokes in MNIST px) | photos | clean | as photos | points lost |")
    print("| --- | --- | --- | --- | --- |")
    for name, low, high in (("thinner: ink to a power 1.9-3.7", -1, -0.3), ("thinner: ink to a power 1-1.9", -0.3, 0),
                            ("unchanged", 0, 0), ("thicker by 0-0.8 px", 0, 0.4), ("thicker by 0.8-1.4 px", 0.4, 0.7),
                            ("thicker by 1.4-1.8 px", 0.7, 1)):
        chosen = (pen_changes == 0) if low == high else (pen_changes > low) & (pen_changes <= high) & (pen_changes != 0)
        if chosen.any():
            print(f"| {name} | {chosen.sum()} | {clean[chosen].mean():.4f} | {photo[chosen].mean():.4f} | "
                  f"{100 * (clean[chosen].mean() - photo[chosen].mean()):.2f} |")


if __name__ == "__main__":
    main()
