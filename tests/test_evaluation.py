import numpy as np
import pytest

from digits.evaluation import (
    classification_metrics,
    confusion_matrix,
    cross_entropy,
    read_predictions,
    top_confusions,
    write_predictions,
)
from digits.errors import DigitsError

LABELS = np.array([0, 0, 1, 1, 1, 2])
PREDICTIONS = np.array([0, 1, 1, 1, 2, 2])


def test_confusion_matrix_counts_true_by_predicted():
    counts = confusion_matrix(LABELS, PREDICTIONS)
    assert counts[0, 0] == 1 and counts[0, 1] == 1 and counts[1, 2] == 1 and counts.sum() == 6


def test_metrics_by_hand():
    metrics = classification_metrics(LABELS, PREDICTIONS)
    assert metrics["accuracy"] == pytest.approx(4 / 6)
    one = metrics["per_class"]["1"]
    assert one["precision"] == pytest.approx(2 / 3) and one["recall"] == pytest.approx(2 / 3)
    assert metrics["per_class"]["2"]["precision"] == pytest.approx(1 / 2)
    # Digits 3-9 never occur: F1 0, so macro F1 averages the three present ones with seven zeros.
    f1 = [metrics["per_class"][str(d)]["f1"] for d in range(3)]
    assert metrics["macro_f1"] == pytest.approx(sum(f1) / 10)


def test_top_confusions_most_frequent_first():
    labels = np.array([5, 5, 5, 9, 9, 1])
    predictions = np.array([3, 3, 5, 4, 4, 7])
    assert top_confusions(labels, predictions, 2) == [(5, 3, 2), (9, 4, 2)]
    assert top_confusions(labels, predictions, 10) == [(5, 3, 2), (9, 4, 2), (1, 7, 1)]


def test_cross_entropy_clips_like_keras():
    probabilities = np.array([[0.5, 0.5] + [0] * 8, [0.0, 1.0] + [0] * 8])
    assert cross_entropy(np.array([0, 0]), probabilities) == pytest.approx((np.log(2) - np.log(1e-7)) / 2)


def test_predictions_round_trip(tmp_path):
    write_predictions(tmp_path / "p.csv", LABELS, PREDICTIONS)
    assert (tmp_path / "p.csv").read_text().splitlines()[:2] == ["actual,predicted", "0,0"]
    labels, predictions = read_predictions(tmp_path / "p.csv")
    np.testing.assert_array_equal(predictions, PREDICTIONS)


def test_damaged_predictions_are_named(tmp_path):
    (tmp_path / "p.csv").write_text("actual,predicted\n1,x\n")
    with pytest.raises(DigitsError, match="p.csv: damaged"):
        read_predictions(tmp_path / "p.csv")


def test_calibration_metrics_on_a_worked_example():
    from digits.evaluation import accuracy_at_coverage, brier_score, expected_calibration_error, reliability

    # Four images at confidence 0.8 (bin 12 of 15), three right: accuracy 0.75, gap 0.05.
    # Two at 0.95 (bin 14), both right: gap 0.05. ECE = (4 x 0.05 + 2 x 0.05) / 6.
    probabilities = np.full((6, 10), 0.0)
    probabilities[:4, 1], probabilities[:4, 2] = 0.8, 0.2
    probabilities[4:, 1], probabilities[4:, 2] = 0.95, 0.05
    labels = np.array([1, 1, 1, 2, 1, 1])
    assert expected_calibration_error(labels, probabilities) == pytest.approx(0.05)
    filled = [row for row in reliability(labels, probabilities) if row["count"]]
    assert [(row["count"], row["accuracy"]) for row in filled] == [(4, 0.75), (2, 1.0)]
    # Brier: right at 0.8 -> 0.2² + 0.2²; wrong at 0.8 -> 0.8² + 0.8²; right at 0.95 -> 2 x 0.05².
    assert brier_score(labels, probabilities) == pytest.approx((3 * 0.08 + 1.28 + 2 * 0.005) / 6)
    # The surest half (the two at 0.95, then one at 0.8) is all right; all six hold one mistake.
    assert accuracy_at_coverage(labels, probabilities, 0.5) == 1.0
    assert accuracy_at_coverage(labels, probabilities, 1.0) == pytest.approx(5 / 6)
