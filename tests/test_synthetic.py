import cv2
import numpy as np
import pytest

from digits.errors import DigitsError
from digits.photo import mass_centring_shift, prepare_digit
from digits.synthetic import NON_DIGIT_KINDS, PLAIN_FACES, font_digits, non_digits, photographed_digit, require_hershey_faces
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


def test_font_digits_are_each_digit_in_turn_in_mnists_form_and_reproducible():
    images, labels = font_digits(40, seed=3)
    assert images.shape == (40, 28, 28) and images.dtype == np.uint8 and labels.dtype == np.uint8
    assert (np.bincount(labels, minlength=10) == 4).all()
    assert (font_digits(40, seed=3)[0] == images).all() and not (font_digits(40, seed=4)[0] == images).all()
    for image in images:
        assert image.max() == 255 and mass_centring_shift(image) == (0, 0)
    ink = [images[labels == digit].astype(float).sum() for digit in range(10)]
    assert ink[1] < min(ink[8], ink[0])  # a 1 is drawn with less ink than an 8 or a 0: the label is the digit drawn
    assert font_digits(0, seed=3)[0].shape == (0, 28, 28)


def test_text_is_drawn_only_by_an_opencv_with_hershey_faces(monkeypatch):
    require_hershey_faces()  # the installed OpenCV (pyproject.toml's range) has them
    monkeypatch.setattr(cv2, "__version__", "5.0.0")
    for make in (non_digits, font_digits):
        with pytest.raises(DigitsError, match=r"OpenCV 5\.0\.0 draws no Hershey faces; install opencv-python-headless<5"):
            make(4, seed=3)
    assert font_digits(0, seed=3)[0].shape == (0, 28, 28)  # no text drawn, nothing to refuse


def test_the_benchmarks_script_faces_stay_unseen():
    assert not {cv2.FONT_HERSHEY_SCRIPT_SIMPLEX, cv2.FONT_HERSHEY_SCRIPT_COMPLEX} & {face & ~cv2.FONT_ITALIC for face in PLAIN_FACES}


def test_a_photographed_digit_is_a_photo_digits_photo_reads_back():
    digit = draw_digit(4, np.random.default_rng(0))
    photo = photographed_digit(digit, np.random.default_rng(1))
    assert photo.ndim == 2 and photo.shape[0] > 3 * 28  # enlarged, grey
    assert np.ptp(photo) > 40  # ink and paper differ
    assert prepare_digit(photo).shape == (28, 28)
