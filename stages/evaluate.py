"""Evaluate the trained model on the test split: metrics, per-image predictions, calibration, figures.

dvc.yaml: python stages/evaluate.py models/model.keras models/model.tflite data/prepared/test.npz reports/metrics.json
          reports/predictions.csv reports/confusion_matrix.png reports/misclassified.png reports/calibration
          reports/calibration.png
"""

import argparse
import json
import sys
from pathlib import Path

import numpy as np

from digits.answer import load_reader
from digits.calibration import answer_kinds, calibrate, views_of_mnist_digits
from digits.data import load_split
from digits.errors import run_main
from digits.evaluation import (calibration_metrics, classification_metrics, confusion_matrix, cross_entropy,
                               reliability, risk_coverage, write_predictions, write_rows)
from digits.files import write_text_atomic
from digits.models import load_model
from digits.params import load_params
from digits.plots import plot_calibration, plot_confusion_matrix, plot_misclassified, save_figure
from digits.predictor import read_views

CURVE_POINTS = 200  # the risk-coverage curve's points in the DVC plot


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    for name in ("model_path", "litert_path", "test_split", "metrics", "predictions", "confusion_figure",
                 "misclassified_figure", "calibration_dir", "calibration_figure"):
        parser.add_argument(name, type=Path)
    args = parser.parse_args(argv)
    params = load_params("evaluate")

    # Predict every test image once; the test set serves nothing else.
    model = load_model(args.model_path)
    images, labels = load_split(args.test_split)
    probabilities = model.predict(images, batch_size=1024, verbose=0)
    predictions = probabilities.argmax(axis=1)

    # Confidence as `digits predict` reports it: the LiteRT model, views averaged, calibrated.
    predict, calibration = load_reader(args.litert_path)
    averaged = read_views(predict, views_of_mnist_digits(images))
    calibrated = calibrate(averaged, calibration.temperature)
    answered = np.array(answer_kinds(averaged, calibration)) == "digit"

    # Metrics for `dvc metrics diff`, per-image rows for DVC's confusion template.
    metrics = classification_metrics(labels, predictions)
    metrics["loss"] = cross_entropy(labels, probabilities)
    metrics.update(calibration_metrics(labels, calibrated))
    metrics["answered_digit"] = float(answered.mean())
    metrics["answered_digit_accuracy"] = float((calibrated.argmax(axis=1) == labels)[answered].mean()) if answered.any() else 0.0
    write_text_atomic(args.metrics, json.dumps({"test": metrics}, indent=2) + "\n")
    write_predictions(args.predictions, labels, predictions)

    # Reliability and risk-coverage, as DVC plot data and as one figure.
    table = reliability(labels, calibrated)
    coverage, accuracy = risk_coverage(labels, calibrated)
    points = np.unique(np.linspace(0, len(coverage) - 1, CURVE_POINTS).round().astype(int))
    write_rows(args.calibration_dir / "reliability.csv", [row for row in table if row["count"]])
    write_rows(args.calibration_dir / "risk_coverage.csv",
               [{"coverage": float(coverage[i]), "accuracy": float(accuracy[i])} for i in points])
    save_figure(plot_calibration(table, coverage, accuracy, metrics["accuracy_at_95_coverage"]), args.calibration_figure)

    # Where the errors are, and the digits the model gets wrong, most confident first.
    save_figure(plot_confusion_matrix(confusion_matrix(labels, predictions)), args.confusion_figure)
    save_figure(plot_misclassified(images, labels, probabilities, params.misclassified_shown), args.misclassified_figure)
    print(f"evaluate: test accuracy {metrics['accuracy']:.4f}, loss {metrics['loss']:.4f}, "
          f"ECE {metrics['ece']:.4f} (calibrated, views averaged) -> {args.metrics}")
    return 0


if __name__ == "__main__":
    sys.exit(run_main("evaluate", main))
