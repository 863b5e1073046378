"""Read image files safely: one clear error for every kind of bad input, before any large decode."""

from __future__ import annotations

import io
import os
import warnings
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np
from PIL import Image, UnidentifiedImageError

from digits.errors import DigitsError

IMAGE_EXTENSIONS = {".png", ".jpg", ".jpeg", ".bmp", ".tif", ".tiff", ".webp"}
MAX_PIXELS = 100_000_000  # larger than any phone camera's default photo; refuses decompression bombs
MIN_SIDE = 8  # px: anything smaller cannot hold a legible digit


class ImageError(DigitsError):
    """A file is not a readable image of a usable size, or holds no digit."""


class NotAnImageError(ImageError):
    """The bytes are no image format that can be decoded."""


class TooManyPixelsError(ImageError):
    """The image is larger than MAX_PIXELS (refused from its header)."""


class NoDigitError(ImageError):
    """The image decodes, but no digit stands out in it."""


@dataclass(frozen=True)
class Upload:
    """An image received over the network: its bytes, kept in memory, and a name for messages."""

    data: bytes
    name: str = "upload"


def read_grayscale(source: str | os.PathLike | Upload, min_side: int | None = None) -> np.ndarray:
    """Decode an image file, or an upload held in memory, as a 2-D uint8 array (colour or grey, any
    supported format; transparent parts laid on paper, see on_paper).

    The header is read first (Pillow reads it without decoding the pixels), so an enormous
    image is refused before any memory is spent on it. With `min_side`, a large image is decoded
    at 1/2, 1/4 or 1/8 size (JPEG decoders do this almost for free) while its longer side stays
    at least `min_side` and its shorter side at least MIN_SIDE.
    """
    path = source.name if isinstance(source, Upload) else Path(source)
    try:
        size = len(source.data) if isinstance(source, Upload) else path.stat().st_size
    except FileNotFoundError:
        raise ImageError(f"{path}: file not found") from None
    except OSError as error:
        raise ImageError(f"{path}: cannot read ({error.strerror})") from None
    if size == 0:
        raise ImageError(f"{path}: empty file")
    try:
        # Pillow warns about large images; the limit here is MAX_PIXELS, checked just below.
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(source.data) if isinstance(source, Upload) else path) as header:
                width, height = header.size
                # Not Pillow's has_transparency_data, which asserts on a palette image without a palette.
                transparent = header.mode in ("LA", "La", "PA", "RGBA", "RGBa") or "transparency" in header.info
    except (UnidentifiedImageError, OSError, ValueError):
        raise NotAnImageError(f"{path}: not an image (PNG, JPEG, BMP, TIFF or WebP expected)") from None
    except Image.DecompressionBombError:  # past Pillow's own, higher limit
        raise TooManyPixelsError(f"{path}: more than the {MAX_PIXELS // 1_000_000} megapixels allowed") from None
    if width * height > MAX_PIXELS:
        raise TooManyPixelsError(f"{path}: {width}x{height} pixels, more than the {MAX_PIXELS // 1_000_000} megapixels allowed")
    if min(width, height) < MIN_SIDE:
        raise ImageError(f"{path}: {width}x{height} pixels is too small to hold a digit (at least {MIN_SIDE}x{MIN_SIDE})")
    try:
        data = source.data if isinstance(source, Upload) else path.read_bytes()
    except OSError as error:
        raise ImageError(f"{path}: cannot read ({error.strerror})") from None
    # Reduced decoding is JPEG's, and JPEGs have no transparency; an image with an alpha channel is decoded whole.
    flag = cv2.IMREAD_UNCHANGED if transparent else cv2.IMREAD_GRAYSCALE
    for factor, reduced in ((8, cv2.IMREAD_REDUCED_GRAYSCALE_8), (4, cv2.IMREAD_REDUCED_GRAYSCALE_4), (2, cv2.IMREAD_REDUCED_GRAYSCALE_2)):
        if min_side and not transparent and max(width, height) // factor >= min_side and min(width, height) // factor >= MIN_SIDE:
            flag = reduced
            break
    image = cv2.imdecode(np.frombuffer(data, dtype=np.uint8), flag)
    if image is None:
        raise ImageError(f"{path}: corrupt or truncated image")
    # IMREAD_UNCHANGED keeps a 16-bit image's depth and an image's colour: reduce both as IMREAD_GRAYSCALE does.
    if image.dtype == np.uint16:
        image = (image >> 8).astype(np.uint8)
    if image.ndim == 3:
        return on_paper(image) if image.shape[2] == 4 else cv2.cvtColor(image, cv2.COLOR_BGR2GRAY)
    return image


def on_paper(image: np.ndarray) -> np.ndarray:
    """A uint8 BGRA image as grey, laid on paper where it is transparent.

    A drawing app's PNG often holds strokes on nothing at all. Read without its alpha channel the
    strokes vanish (transparent pixels are stored black, as black strokes are) and the image looks
    blank, although any viewer shows the digit. What is drawn on less than half of the image is
    ink, and the paper is what it stands out from: white under dark strokes, black under light
    ones. What covers most of the image is a picture with its own paper (a scan with a transparent
    margin), and the margin takes that picture's middle grey.
    """
    grey = cv2.cvtColor(image[..., :3], cv2.COLOR_BGR2GRAY).astype(np.float32)
    alpha = image[..., 3].astype(np.float32) / 255
    if not alpha.any():
        return np.full(grey.shape, 255, np.uint8)  # nothing drawn: a blank page
    visible = alpha >= alpha.max() / 2  # relative: a half-transparent brush still draws
    shade = float(np.median(grey[visible]))
    paper = shade if visible.mean() >= 0.5 else 255.0 if shade < 128 else 0.0
    return np.round(grey * alpha + paper * (1 - alpha)).astype(np.uint8)


def list_images(paths: list[str]) -> list[str]:
    """Expand folders into their image files (sorted by name); keep files as given."""
    found = []
    for path in paths:
        if os.path.isdir(path):
            found += sorted(str(p) for p in Path(path).iterdir() if p.suffix.lower() in IMAGE_EXTENSIONS and p.is_file())
        else:
            found.append(path)
    return found
