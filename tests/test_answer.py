import numpy as np
import pytest

from digits.answer import may_hold_several


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
