"""REFERENCE COPY of the 30-line textbook MNIST recipe, for benchmarks/reading.py only.

Not part of the project: the baseline `digits predict` must beat on every source. As found in
tutorials: grey -> invert if the median is light -> Otsu threshold -> crop the grey ink to its
box -> fit the longer side into 20 px with INTER_AREA -> paste into 28x28 -> shift the centre of
mass to the centre. For a row of digits, each connected component of the threshold (specks
dropped) is read as one digit, left to right.
"""

import cv2
import numpy as np


def recipe_digits(grey: np.ndarray, multi: bool = False) -> list[np.ndarray]:
    if np.median(grey) > 127:
        grey = 255 - grey
    _, mask = cv2.threshold(grey, 0, 255, cv2.THRESH_BINARY + cv2.THRESH_OTSU)
    if not multi:
        return [recipe_crop(grey, mask)]
    count, labels, stats, _ = cv2.connectedComponentsWithStats(mask)
    areas = stats[1:, cv2.CC_STAT_AREA]
    kept = [i + 1 for i in np.argsort(stats[1:, cv2.CC_STAT_LEFT]) if areas[i] >= 0.1 * areas.max()]
    return [recipe_crop(grey, np.where(labels == i, 255, 0).astype(np.uint8)) for i in kept]


def recipe_crop(grey: np.ndarray, mask: np.ndarray) -> np.ndarray:
    x, y, w, h = cv2.boundingRect(mask)
    digit = np.where(mask[y : y + h, x : x + w] > 0, grey[y : y + h, x : x + w], 0)
    scale = 20 / max(w, h)
    digit = cv2.resize(digit, (max(1, round(w * scale)), max(1, round(h * scale))), interpolation=cv2.INTER_AREA)
    canvas = np.zeros((28, 28), np.uint8)
    top, left = (28 - digit.shape[0]) // 2, (28 - digit.shape[1]) // 2
    canvas[top : top + digit.shape[0], left : left + digit.shape[1]] = digit
    moments = cv2.moments(canvas)
    if moments["m00"] == 0:
        return canvas
    shift_x, shift_y = round(14 - moments["m10"] / moments["m00"]), round(14 - moments["m01"] / moments["m00"])
    return cv2.warpAffine(canvas, np.float32([[1, 0, shift_x], [0, 1, shift_y]]), (28, 28))
