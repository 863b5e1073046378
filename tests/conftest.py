"""Shared fixtures: tiny synthetic MNIST-format data, and an in-process CLI runner."""

from __future__ import annotations

import gzip
import hashlib
import json
from pathlib import Path

import cv2
import numpy as np
import pytest

from digits.idx import IMAGES_MAGIC, LABELS_MAGIC, encode_idx

ROOT = Path(__file__).resolve().parent.parent


def draw_digit(digit: int, rng: np.random.Generator, size: int = 28) -> np.ndarray:
    """A white-on-black digit drawn with OpenCV's font, jittered in place, scale and thickness."""
    image = np.zeros((size, size), np.uint8)
    scale = rng.uniform(0.6, 0.9) * size / 28
    thickness = int(rng.integers(1, 3))
    (width, height), _ = cv2.getTextSize(str(digit), cv2.FONT_HERSHEY_SIMPLEX, scale, thickness)
    x = (size - width) // 2 + int(rng.integers(-2, 3))
    y = (size + height) // 2 + int(rng.integers(-2, 3))
    cv2.putText(image, str(digit), (x, y), cv2.FONT_HERSHEY_SIMPLEX, scale, 255, thickness, cv2.LINE_AA)
    return image


def synthetic_mnist(count: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    labels = (np.arange(count) % 10).astype(np.uint8)
    rng.shuffle(labels)
    return np.stack([draw_digit(int(d), rng) for d in labels]), labels


def write_synthetic_mirror(directory: Path, train_count: int = 600, test_count: int = 200) -> Path:
    """Write the four .gz files of a synthetic data set into `directory`, and a spec JSON for them.

    Returns the spec's path (for DIGITS_MNIST_SPEC); the directory serves as DIGITS_MNIST_MIRROR.
    """
    directory.mkdir(parents=True, exist_ok=True)
    spec = {"gz_files": {}, "idx_md5": {}, "label_counts": {}}
    for split, count, seed in (("train", train_count, 1), ("t10k", test_count, 2)):
        images, labels = synthetic_mnist(count, seed)
        spec["label_counts"][split] = np.bincount(labels, minlength=10).tolist()
        for name, data in (
            (f"{split}-images-idx3-ubyte", encode_idx(images, IMAGES_MAGIC)),
            (f"{split}-labels-idx1-ubyte", encode_idx(labels, LABELS_MAGIC)),
        ):
            compressed = gzip.compress(data, mtime=0)
            (directory / f"{name}.gz").write_bytes(compressed)
            spec["gz_files"][name] = [hashlib.md5(compressed).hexdigest(), len(compressed)]
            spec["idx_md5"][name] = hashlib.md5(data).hexdigest()
    spec_path = directory / "spec.json"
    spec_path.write_text(json.dumps(spec))
    return spec_path


@pytest.fixture
def synthetic_mirror(tmp_path: Path) -> tuple[Path, Path]:
    """(mirror directory, spec path) of a small synthetic MNIST-format data set."""
    mirror = tmp_path / "mirror"
    return mirror, write_synthetic_mirror(mirror)


@pytest.fixture
def run_cli(capsys):
    """Run `digits ...` in-process; return (exit status, stdout, stderr)."""
    from digits.cli import main

    def run(*args: str) -> tuple[int, str, str]:
        status = main(list(args))
        captured = capsys.readouterr()
        return status, captured.out, captured.err

    return run
