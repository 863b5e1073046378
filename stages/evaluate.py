"""Evaluate the trained model on the test split: metrics, per-image predictions, figures.

dvc.yaml: python stages/evaluate.py models/model.keras data/prepared/test.npz reports/metrics.json
          reports/predictions.csv reports/confusion_matrix.png reports/misclassified.png
"""

import argparse
import json
import sys
from pathlib import Path

from digits.data import load_split
from digits.errors import run_main
from digits.evaluation import classification_metrics, confusion_matrix, cross_entropy, write_predictions
from digits.files import write_text_atomic
from digits.models import load_model
from digits.params import load_params
from digits.plots import plot_confusion_matrix, plot_misclassified, save_figure


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    for name in ("model_path", "test_split", "metrics", "predictions", "confusion_figure", "misclassified_figure"):
        parser.add_argument(name, type=Path)
    args = parser.parse_args(argv)
    params = load_params("evaluate")

    # Predict every test image once; the test set serves nothing else.
    model = load_model(args.model_path)
    images, labels = load_split(args.test_split)
    probabilities = model.predict(images, batch_size=1024, verbose=0)
    predictions = probabilities.argmax(axis=1)

    # Metrics for `dvc metrics diff`, per-image rows for DVC's confusion template.
    metrics = classification_metrics(labels, predictions)
    metrics["loss"] = cross_entropy(labels, probabilities)
    write_text_atomic(args.metrics, json.dumps({"test": metrics}, indent=2) + "\n")
    write_predictions(args.predictions, labels, predictions)

    # Where the errors are, and the digits the model gets wrong, most confident first.
    save_figure(plot_confusion_matrix(confusion_matrix(labels, predictions)), args.confusion_figure)
    save_figure(plot_misclassified(images, labels, probabilities, params.misclassified_shown), args.misclassified_figure)
    print(f"evaluate: test accuracy {metrics['accuracy']:.4f}, loss {metrics['loss']:.4f} -> {args.metrics}")
    return 0


if __name__ == "__main__":
    sys.exit(run_main("evaluate", main))
