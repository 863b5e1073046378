"""The prepared data set: compact uint8 arrays for the train, validation and test splits.

Images stay uint8 (28x28, 0-255) on disk and in memory; the model itself scales them to
[0, 1], so training, evaluation and `digits predict` all feed it the same way.
"""

from __future__ import annotations

import os
import zipfile

import numpy as np

from digits.errors import DigitsError
from digits.files import atomic_path


class DataError(DigitsError):
    """A prepared split is missing or damaged, or a split cannot be made."""


def split_validation(
    images: np.ndarray, labels: np.ndarray, validation_size: int, seed: int
) -> tuple[tuple[np.ndarray, np.ndarray], tuple[np.ndarray, np.ndarray]]:
    """Hold out `validation_size` random images; return (train, validation) as (images, labels) pairs."""
    if not 0 < validation_size < len(images):
        raise DataError(
            f"preprocess.validation_size is {validation_size}; it must leave training data: 1 to {len(images) - 1}"
        )
    order = np.random.default_rng(seed).permutation(len(images))
    validation, train = order[:validation_size], order[validation_size:]
    return (images[train], labels[train]), (images[validation], labels[validation])


def save_split(path: str | os.PathLike, images: np.ndarray, labels: np.ndarray) -> None:
    with atomic_path(path) as temporary:
        np.savez(temporary, images=images.astype(np.uint8), labels=labels.astype(np.uint8))


def load_split(path: str | os.PathLike) -> tuple[np.ndarray, np.ndarray]:
    """Read a split written by save_split, checking shapes, types and labels."""
    images, labels = _load_arrays(path, "labels")
    if labels.dtype != np.uint8 or labels.shape != (len(images),) or (labels.size and labels.max() > 9):
        raise DataError(f"{path}: labels must be {len(images)} uint8 digits 0-9")
    return images, labels


def save_images(path: str | os.PathLike, images: np.ndarray) -> None:
    """Images without labels (the non-digits)."""
    with atomic_path(path) as temporary:
        np.savez(temporary, images=images.astype(np.uint8))


def load_images(path: str | os.PathLike) -> np.ndarray:
    return _load_arrays(path)[0]


def _load_arrays(path: str | os.PathLike, *others: str) -> list[np.ndarray]:
    """The archive's uint8 (n, 28, 28) `images` and its `others` arrays, or one clear error."""
    try:
        with np.load(path, allow_pickle=False) as archive:
            arrays = [archive["images"], *(archive[name] for name in others)]
    except FileNotFoundError:
        raise DataError(f"{path}: not found; run `dvc repro` to create it") from None
    except (OSError, ValueError, KeyError, zipfile.BadZipFile, EOFError) as error:
        raise DataError(f"{path}: damaged ({error}); run `dvc repro` to recreate it") from None
    images = arrays[0]
    if images.dtype != np.uint8 or images.ndim != 3 or images.shape[1:] != (28, 28):
        raise DataError(f"{path}: images are {images.dtype} {images.shape}, expected uint8 (n, 28, 28)")
    return arrays
