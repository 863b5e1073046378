import dataclasses

import numpy as np
import pytest
import tensorflow as tf

from digits.augment import random_augmentation
from digits.training import make_dataset
from tests.conftest import synthetic_mnist
from tests.test_models import params_with

SEED = tf.constant([3, 4], tf.int64)


def bar(horizontal: bool) -> np.ndarray:
    """A 28x28 image of one bright bar through the centre."""
    image = np.zeros((28, 28), np.uint8)
    if horizontal:
        image[13:15, 4:24] = 255
    else:
        image[4:24, 13:15] = 255
    return image


def centre_of_mass(image: np.ndarray) -> np.ndarray:
    rows, cols = np.nonzero(image)
    weights = image[rows, cols].astype(float)
    return np.array([np.average(rows, weights=weights), np.average(cols, weights=weights)])


def augmented(images: np.ndarray, **params) -> np.ndarray:
    transform = random_augmentation(params_with(model="cnn", **params))
    return transform(tf.constant(images), SEED).numpy()


def test_no_augmentation_params_means_no_transform():
    assert random_augmentation(params_with(augment_shift=0.0, augment_rotation=0.0, augment_zoom=0.0)) is None


def test_shift_moves_the_digit_within_its_range_and_keeps_its_shape():
    images = np.stack([bar(horizontal=True)] * 64)
    out = augmented(images, augment_shift=0.1)
    assert out.dtype == np.uint8 and out.shape == images.shape
    moves = np.array([centre_of_mass(image) for image in out]) - centre_of_mass(images[0])
    assert np.abs(moves).max() <= 0.1 * 28 + 0.5
    assert np.abs(moves).max() > 1  # images do move, by different amounts
    assert len({tuple(np.round(move, 2)) for move in moves}) > 32
    # A shift neither rotates nor scales: the bar stays a 2-pixel-high horizontal bar.
    assert all(np.count_nonzero(image.any(axis=1)) <= 4 for image in out)


def test_rotation_turns_the_digit_about_the_centre_by_at_most_the_angle():
    images = np.stack([bar(horizontal=True)] * 64)
    out = augmented(images, augment_rotation=30)
    # A 20-pixel bar turned by angle a spans about 20*sin(a) rows.
    heights = np.array([np.count_nonzero(image.any(axis=1)) for image in out])
    assert heights.max() <= 20 * np.sin(np.radians(30)) + 4 and heights.max() >= 6
    assert all(np.abs(centre_of_mass(image) - 13.5).max() < 0.5 for image in out)


def test_zoom_scales_the_digit_by_at_most_the_factor():
    images = np.stack([bar(horizontal=False)] * 64)
    out = augmented(images, augment_zoom=0.2)
    lengths = np.array([np.count_nonzero(image.any(axis=1)) for image in out])
    assert lengths.min() >= 20 / 1.2 - 2 and lengths.max() <= 20 / 0.8 + 2
    assert lengths.max() - lengths.min() >= 4


def test_only_the_training_batches_are_augmented():
    images, labels = synthetic_mnist(64, seed=1)
    params = params_with(model="cnn", augment_shift=0.1, augment_rotation=10, augment_zoom=0.1)
    train = make_dataset(images, labels, 64, augment=random_augmentation(params))
    validation = make_dataset(images, labels, 64)
    assert not np.array_equal(next(iter(train))[0].numpy(), images)
    np.testing.assert_array_equal(next(iter(validation))[0].numpy(), images)


def test_augmentation_is_new_each_epoch_and_repeats_with_the_seed():
    images, labels = synthetic_mnist(64, seed=1)
    augment = random_augmentation(params_with(model="cnn", augment_rotation=15))

    def epochs(seed):
        dataset = make_dataset(images, labels, 64, shuffle_seed=seed, augment=augment)
        return [next(iter(dataset))[0].numpy() for _ in range(2)]

    first, second = epochs(seed=7)
    assert not np.array_equal(first, second)
    np.testing.assert_array_equal(epochs(seed=7)[0], first)


@pytest.mark.parametrize("name", ["augment_shift", "augment_rotation", "augment_zoom", "augment_elastic", "augment_pen", "augment_blur"])
def test_each_param_alone_turns_augmentation_on(name):
    params = dataclasses.replace(params_with(), **{name: 0.1})
    assert random_augmentation(params) is not None


def stroke_width(image: np.ndarray) -> float:
    """Mean stroke width of a bright-on-dark image, px: its ink (in units of full-brightness pixels) per unit of length."""
    return image.sum() / 255 / max(1, np.count_nonzero(image.any(axis=0)))


def test_pen_makes_strokes_thicker_and_thinner_by_at_most_its_width():
    image = np.zeros((28, 28), np.uint8)
    image[12:16, 4:24] = 255  # a horizontal bar, 4 px thick
    out = augmented(np.stack([image] * 64), augment_pen=2.0)
    widths = np.array([stroke_width(picture) for picture in out])
    assert widths.min() >= 4 - 2 - 0.1 and widths.max() <= 4 + 2 + 0.1
    assert widths.min() < 3.2 and widths.max() > 4.8  # both ways, by different amounts
    # Thinner or thicker, the bar stays where it was.
    assert all(abs(centre_of_mass(picture)[0] - 13.5) < 0.3 for picture in out)


def test_elastic_distortion_bends_strokes_smoothly_and_keeps_the_digit():
    images = np.stack([bar(horizontal=False)] * 32)
    out = augmented(images, augment_elastic=2.0)
    assert not (out == images).all(axis=(1, 2)).any()  # every image is distorted
    for picture in out:
        # Each row of the bar moves a little, and neighbouring rows move alike (a smooth field).
        rows = [r for r in range(6, 22) if picture[r].sum() > 0]
        centres = np.array([np.average(np.arange(28), weights=picture[r].astype(float)) for r in rows])
        assert np.abs(centres - 13.5).max() < 6 and np.abs(np.diff(centres)).max() < 1.5
        # Stretched or squeezed here and there, never torn apart or wiped out.
        assert 0.5 < picture.astype(int).sum() / images[0].astype(int).sum() < 1.5


def test_blur_softens_edges_and_keeps_the_ink_bright():
    images = np.stack([bar(horizontal=True)] * 64)
    out = augmented(images, augment_blur=1.5)
    grey = ((out > 20) & (out < 235)).sum(axis=(1, 2))
    assert grey.max() > 20 and grey.min() >= 0  # some images blurred a lot
    assert (out.max(axis=(1, 2)) >= 250).all()  # stretched back to full brightness
    assert all(abs(centre_of_mass(picture)[0] - 13.5) < 0.3 for picture in out)


def test_per_pixel_sampling_matches_the_projective_transform_op():
    # With elastic distortion on, the affine part is sampled pixel by pixel (resample); with a
    # vanishing elastic field it must give the projective-transform op's images.
    images, _ = synthetic_mnist(32, seed=2)
    affine = {"augment_shift": 0.1, "augment_rotation": 20, "augment_zoom": 0.2}
    by_op = augmented(images, **affine)
    by_pixel = augmented(images, **affine, augment_elastic=1e-6)
    assert np.abs(by_op.astype(int) - by_pixel.astype(int)).max() <= 1
