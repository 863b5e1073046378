import numpy as np
import pytest

from digits.answer import as_sentence, describe_all, may_hold_several
from digits.calibration import Calibration, calibrate, digit_mass


def digit_with_ink(height: int, width: int) -> np.ndarray:
    digit = np.zeros((28, 28), np.uint8)
    digit[14 - height // 2 : 14 - height // 2 + height, 14 - width // 2 : 14 - width // 2 + width] = 255
    return digit


@pytest.mark.parametrize("kind, height, width, expected", [
    ("not_a_digit", 6, 20, True),  # a number squeezed into one digit's box: wide and low
    ("unsure", 20, 20, True),
    ("unsure", 20, 12, False),  # as tall as a digit and narrower: a digit
    ("digit", 6, 20, False),  # answered: nothing to hint
])
def test_only_a_doubted_digit_at_least_as_wide_as_tall_may_hold_several(kind, height, width, expected):
    assert may_hold_several({"answer": kind}, digit_with_ink(height, width)) is expected


def test_no_sentence_shows_an_answer_that_can_be_wrong_as_100_per_cent():
    # 0.99996 and 0.996 of a 7: sure (threshold 0.9), and doubted when the threshold is raised to 0.999.
    probabilities = np.array([[0.4e-5] * 7 + [0.99996] + [0.4e-5] * 2, [0.000225, 0.0022] + [0.000225] * 5 + [0.996] + [0.000225] * 2])
    sure = describe_all(probabilities, Calibration(1.0, 0.9, 0.5, "any"))
    assert as_sentence(sure[:1], multi=False) == "The Handwritten Digit is recognised as: 7 (confidence 99.9%)"
    doubted = describe_all(probabilities, Calibration(1.0, 0.999, 0.5, "any"))
    assert as_sentence(doubted[1:], multi=False) == "Not sure: 7 (99%) or 1 (0%)"


def test_not_a_digit_is_judged_before_the_temperature_sharpens():
    # A flattish answer, as outlier exposure teaches for a non-digit: its top two hold 0.4. The
    # temperature 0.25 lifts them above 0.9, past the threshold, which would make it only "unsure".
    calibration = Calibration(0.25, min_confidence=0.99, min_digit_mass=0.6, model_sha256="")
    flattish = np.array([[0.2, 0.2, *[0.075] * 8]])
    assert digit_mass(calibrate(flattish, 0.25))[0] > 0.9
    assert [answer["answer"] for answer in describe_all(flattish, calibration)] == ["not_a_digit"]
