import numpy as np

from digits.photo import mass_centring_shift, prepare_digit
from digits.synthetic import NON_DIGIT_KINDS, non_digits, photographed_digit
from tests.conftest import draw_digit


def test_non_digits_are_in_mnists_form_and_reproducible():
    images = non_digits(2 * len(NON_DIGIT_KINDS), seed=3)
    assert images.shape == (8, 28, 28) and images.dtype == np.uint8
    assert (non_digits(8, seed=3) == images).all() and not (non_digits(8, seed=4) == images).all()
    for image in images:
        rows, columns = np.flatnonzero(image.any(axis=1)), np.flatnonzero(image.any(axis=0))
        assert max(rows[-1] - rows[0], columns[-1] - columns[0]) + 1 == 20  # longer side fitted to 20 px, as MNIST
        assert image.max() == 255
        assert mass_centring_shift(image) == (0, 0)  # centred by mass


def test_a_photographed_digit_is_a_photo_digits_photo_reads_back():
    digit = draw_digit(4, np.random.default_rng(0))
    photo = photographed_digit(digit, np.random.default_rng(1))
    assert photo.ndim == 2 and photo.shape[0] > 3 * 28  # enlarged, grey
    assert np.ptp(photo) > 40  # ink and paper differ
    assert prepare_digit(photo).shape == (28, 28)
