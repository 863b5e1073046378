"""Read and write IDX files, the format MNIST is published in.

An IDX file is a big-endian header (magic number, then one int32 per dimension) followed by
the raw unsigned bytes. MNIST uses magic 2051 for (count, 28, 28) images and 2049 for
(count,) labels.
"""

from __future__ import annotations

import os
import struct
from pathlib import Path

import numpy as np

from digits.errors import DigitsError
from digits.files import write_bytes_atomic

IMAGES_MAGIC = 2051
LABELS_MAGIC = 2049
IMAGE_SIZE = 28
NUM_CLASSES = 10


class IdxError(DigitsError):
    """A file is not a well-formed MNIST IDX file."""


def decode_idx(data: bytes, expected_magic: int, name: str) -> np.ndarray:
    """Parse IDX bytes into a uint8 array, checking the magic number and the exact length."""
    if len(data) < 4:
        raise IdxError(f"{name}: too short to be an IDX file ({len(data)} bytes)")
    (magic,) = struct.unpack(">i", data[:4])
    if magic != expected_magic:
        raise IdxError(f"{name}: wrong IDX magic number {magic}, expected {expected_magic}")
    # The low byte of the magic number is the number of dimensions.
    ndim = magic & 0xFF
    header_size = 4 + 4 * ndim
    if len(data) < header_size:
        raise IdxError(f"{name}: truncated IDX header")
    shape = struct.unpack(f">{ndim}i", data[4:header_size])
    expected_size = header_size + int(np.prod(shape, dtype=np.int64))
    if len(data) != expected_size:
        raise IdxError(
            f"{name}: {len(data)} bytes, but its header {tuple(shape)} needs {expected_size}"
            + (" (truncated)" if len(data) < expected_size else " (trailing data)")
        )
    return np.frombuffer(data, dtype=np.uint8, offset=header_size).reshape(shape)


def encode_idx(array: np.ndarray, magic: int) -> bytes:
    """Serialise a uint8 array as IDX bytes."""
    if array.dtype != np.uint8:
        raise ValueError(f"IDX arrays must be uint8, got {array.dtype}")
    if array.ndim != magic & 0xFF:
        raise ValueError(f"magic {magic} needs {magic & 0xFF} dimensions, got {array.ndim}")
    header = struct.pack(f">i{array.ndim}i", magic, *array.shape)
    return header + np.ascontiguousarray(array).tobytes()


def parse_images(data: bytes, name: str) -> np.ndarray:
    images = decode_idx(data, IMAGES_MAGIC, name)
    if images.shape[1:] != (IMAGE_SIZE, IMAGE_SIZE):
        raise IdxError(f"{name}: images are {images.shape[1]}x{images.shape[2]}, expected 28x28")
    return images


def parse_labels(data: bytes, name: str) -> np.ndarray:
    labels = decode_idx(data, LABELS_MAGIC, name)
    if labels.size and labels.max() >= NUM_CLASSES:
        raise IdxError(f"{name}: label {labels.max()} is outside 0-9")
    return labels


def read_idx_images(path: str | os.PathLike) -> np.ndarray:
    """Read an MNIST image file as a (count, 28, 28) uint8 array."""
    return parse_images(_read(path), str(path))


def read_idx_labels(path: str | os.PathLike) -> np.ndarray:
    """Read an MNIST label file as a (count,) uint8 array of digits 0-9."""
    return parse_labels(_read(path), str(path))


def read_idx_pair(images_path: str | os.PathLike, labels_path: str | os.PathLike) -> tuple[np.ndarray, np.ndarray]:
    """Read matching image and label files, refusing a count mismatch."""
    images, labels = read_idx_images(images_path), read_idx_labels(labels_path)
    if len(images) != len(labels):
        raise IdxError(f"{images_path} has {len(images)} images but {labels_path} has {len(labels)} labels")
    return images, labels


def write_idx_images(path: str | os.PathLike, images: np.ndarray) -> None:
    write_bytes_atomic(path, encode_idx(images, IMAGES_MAGIC))


def write_idx_labels(path: str | os.PathLike, labels: np.ndarray) -> None:
    write_bytes_atomic(path, encode_idx(labels, LABELS_MAGIC))


def _read(path: str | os.PathLike) -> bytes:
    try:
        return Path(path).read_bytes()
    except FileNotFoundError:
        raise IdxError(f"{path}: file not found") from None
