"""Turn a picture of one handwritten digit into a 28x28 uint8 image laid out as MNIST's are.

MNIST digits are white on black, their longer side scaled to 20 px with grey edges kept,
and pasted into 28x28 so that their centre of mass sits at the centre.
"""

from __future__ import annotations

import os
from pathlib import Path

import cv2
import numpy as np

from digits.errors import DigitsError

IMAGE_EXTENSIONS = {".png", ".jpg", ".jpeg", ".bmp", ".tif", ".tiff", ".webp"}
DIGIT_BOX = 20  # px: MNIST fits each digit's longer side into 20 px ...
CANVAS = 28  # px: ... inside a 28x28 image


class ImageError(DigitsError):
    """A file is not a readable image, or holds no digit."""


def read_grayscale(path: str | os.PathLike) -> np.ndarray:
    """Decode an image file (colour or grey) as a 2-D uint8 array."""
    try:
        data = Path(path).read_bytes()
    except FileNotFoundError:
        raise ImageError(f"{path}: file not found") from None
    except OSError as error:
        raise ImageError(f"{path}: cannot read ({error.strerror})") from None
    if not data:
        raise ImageError(f"{path}: empty file")
    image = cv2.imdecode(np.frombuffer(data, dtype=np.uint8), cv2.IMREAD_GRAYSCALE)
    if image is None:
        raise ImageError(f"{path}: not an image OpenCV can decode")
    return image


def to_mnist(gray: np.ndarray, name: str = "image") -> np.ndarray:
    """Lay out a grey image of one digit as MNIST does (see the module docstring)."""
    # Light paper means dark ink: invert so that ink is bright, as in MNIST.
    border = np.concatenate([gray[0], gray[-1], gray[:, 0], gray[:, -1]])
    ink = 255 - gray if np.median(border) > 127 else gray.copy()
    threshold, mask = cv2.threshold(ink, 0, 255, cv2.THRESH_BINARY + cv2.THRESH_OTSU)
    if ink.max() - ink.min() < 32 or not mask.any():
        raise ImageError(f"{name}: no digit found (the image is blank)")
    # Drop the background below Otsu's threshold, keep the grey stroke edges above it.
    ink[ink < threshold] = 0
    rows, columns = np.nonzero(ink)
    digit = ink[rows.min() : rows.max() + 1, columns.min() : columns.max() + 1]
    scale = DIGIT_BOX / max(digit.shape)
    size = (max(1, round(digit.shape[1] * scale)), max(1, round(digit.shape[0] * scale)))
    digit = cv2.resize(digit, size, interpolation=cv2.INTER_AREA if scale < 1 else cv2.INTER_LINEAR)
    return center_by_mass(digit)


def center_by_mass(digit: np.ndarray) -> np.ndarray:
    """Paste `digit` (at most 20x20) into a 28x28 canvas with its centre of mass at the centre.

    The shift is rounded to whole pixels, as MNIST's was, so the strokes are not blurred again.
    """
    moments = cv2.moments(digit.astype(np.float32))
    if moments["m00"] == 0:
        raise ImageError("no ink to centre")
    # Pixel i has its centre at coordinate i, so the canvas centre is at (28 - 1) / 2.
    shift_x = round((CANVAS - 1) / 2 - moments["m10"] / moments["m00"])
    shift_y = round((CANVAS - 1) / 2 - moments["m01"] / moments["m00"])
    translation = np.float32([[1, 0, shift_x], [0, 1, shift_y]])
    return cv2.warpAffine(digit, translation, (CANVAS, CANVAS), flags=cv2.INTER_NEAREST, borderValue=0)


def list_images(paths: list[str]) -> list[str]:
    """Expand folders into their image files (sorted); keep files as given."""
    found = []
    for path in paths:
        if os.path.isdir(path):
            found += sorted(str(p) for p in Path(path).iterdir() if p.suffix.lower() in IMAGE_EXTENSIONS)
        else:
            found.append(path)
    return found
