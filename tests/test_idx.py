import struct

import numpy as np
import pytest

from digits.idx import (
    IMAGES_MAGIC,
    LABELS_MAGIC,
    IdxError,
    encode_idx,
    read_idx_images,
    read_idx_labels,
    read_idx_pair,
    write_idx_images,
    write_idx_labels,
)


@pytest.fixture
def pair(tmp_path):
    rng = np.random.default_rng(0)
    images = rng.integers(0, 256, (5, 28, 28), dtype=np.uint8)
    labels = np.array([0, 3, 9, 1, 7], np.uint8)
    write_idx_images(tmp_path / "images", images)
    write_idx_labels(tmp_path / "labels", labels)
    return tmp_path / "images", tmp_path / "labels", images, labels


def test_round_trip(pair):
    images_path, labels_path, images, labels = pair
    read_images, read_labels = read_idx_pair(images_path, labels_path)
    np.testing.assert_array_equal(read_images, images)
    np.testing.assert_array_equal(read_labels, labels)
    assert images_path.read_bytes()[:16] == struct.pack(">iiii", 2051, 5, 28, 28)


def test_wrong_magic_is_refused(pair):
    images_path, labels_path, *_ = pair
    with pytest.raises(IdxError, match="wrong IDX magic number 2049, expected 2051"):
        read_idx_images(labels_path)


@pytest.mark.parametrize("cut, message", [(1, "truncated"), (-1, "trailing data")])
def test_wrong_length_is_refused(pair, cut, message):
    images_path, *_ = pair
    data = images_path.read_bytes()
    images_path.write_bytes(data[:-cut] if cut > 0 else data + b"\0")
    with pytest.raises(IdxError, match=message):
        read_idx_images(images_path)


def test_truncated_header_is_refused(tmp_path):
    (tmp_path / "short").write_bytes(struct.pack(">ii", IMAGES_MAGIC, 5))
    with pytest.raises(IdxError, match="truncated IDX header"):
        read_idx_images(tmp_path / "short")


def test_count_mismatch_is_refused(pair, tmp_path):
    images_path, _, _, labels = pair
    write_idx_labels(tmp_path / "fewer", labels[:4])
    with pytest.raises(IdxError, match="has 5 images but .* has 4 labels"):
        read_idx_pair(images_path, tmp_path / "fewer")


def test_wrong_image_size_is_refused(tmp_path):
    (tmp_path / "images").write_bytes(encode_idx(np.zeros((2, 32, 32), np.uint8), IMAGES_MAGIC))
    with pytest.raises(IdxError, match="32x32, expected 28x28"):
        read_idx_images(tmp_path / "images")


def test_label_outside_0_9_is_refused(tmp_path):
    (tmp_path / "labels").write_bytes(encode_idx(np.array([1, 10], np.uint8), LABELS_MAGIC))
    with pytest.raises(IdxError, match="label 10 is outside 0-9"):
        read_idx_labels(tmp_path / "labels")


def test_missing_file_is_named(tmp_path):
    with pytest.raises(IdxError, match="nowhere: file not found"):
        read_idx_labels(tmp_path / "nowhere")
