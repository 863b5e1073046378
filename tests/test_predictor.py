import numpy as np

from digits.predictor import digit_probabilities, read_views


def test_read_views_averages_each_digits_views_whatever_the_outputs():
    # A stand-in model: an image of value v is read as v in the first output, the rest in the last.
    def predict(images):
        first = images.reshape(len(images), -1)[:, 0] / 100
        return np.stack([first, *[np.zeros_like(first)] * 9, 1 - first], axis=1)

    digits = [np.full((3, 28, 28), value, np.uint8) for value in (10, 40)]
    digits[1][2] = 70  # the second digit's views read 0.4, 0.4 and 0.7
    averaged = read_views(predict, digits)
    assert averaged.shape == (2, 11)
    np.testing.assert_allclose(averaged[:, 0], [0.1, 0.5])
    assert digit_probabilities(averaged).shape == (2, 10)
    np.testing.assert_allclose(digit_probabilities(averaged)[:, 0], [0.1, 0.5])
