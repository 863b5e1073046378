import numpy as np
import pytest

from digits.data import DataError, load_split, save_split, split_validation


def test_split_is_disjoint_sized_and_seeded():
    images = np.arange(100, dtype=np.uint8).reshape(100, 1, 1)
    labels = np.arange(100) % 10
    (train_x, _), (val_x, val_y) = split_validation(images, labels, 20, seed=1)
    assert len(train_x) == 80 and len(val_x) == 20
    assert set(train_x.ravel()).isdisjoint(val_x.ravel())
    (_, _), (again, _) = split_validation(images, labels, 20, seed=1)
    (_, _), (other, _) = split_validation(images, labels, 20, seed=2)
    np.testing.assert_array_equal(again, val_x)
    assert not np.array_equal(other, val_x)


@pytest.mark.parametrize("size", [0, 100, 150])
def test_split_must_leave_training_data(size):
    with pytest.raises(DataError, match=f"validation_size is {size}; it must leave training data: 1 to 99"):
        split_validation(np.zeros((100, 28, 28), np.uint8), np.zeros(100, np.uint8), size, seed=0)


def test_round_trip_keeps_uint8(tmp_path):
    images = np.random.default_rng(0).integers(0, 256, (4, 28, 28), dtype=np.uint8)
    save_split(tmp_path / "s.npz", images, np.array([1, 2, 3, 4]))
    loaded_images, loaded_labels = load_split(tmp_path / "s.npz")
    assert loaded_images.dtype == np.uint8 and loaded_labels.dtype == np.uint8
    np.testing.assert_array_equal(loaded_images, images)


def test_damaged_split_is_named(tmp_path):
    save_split(tmp_path / "s.npz", np.zeros((4, 28, 28), np.uint8), np.zeros(4))
    data = (tmp_path / "s.npz").read_bytes()
    (tmp_path / "s.npz").write_bytes(data[: len(data) // 2])
    with pytest.raises(DataError, match="s.npz: damaged"):
        load_split(tmp_path / "s.npz")


def test_missing_split_says_what_to_run(tmp_path):
    with pytest.raises(DataError, match="not found; run `dvc repro`"):
        load_split(tmp_path / "train.npz")


def test_wrong_labels_are_refused(tmp_path):
    np.savez(tmp_path / "s.npz", images=np.zeros((2, 28, 28), np.uint8), labels=np.array([3, 12], np.uint8))
    with pytest.raises(DataError, match="labels must be 2 uint8 digits 0-9"):
        load_split(tmp_path / "s.npz")
