"""Write reports/report.md and its training-curves figure; needs no TensorFlow.

dvc.yaml: python stages/report.py params.yaml reports/metrics.json reports/train/plots
          reports/predictions.csv reports/training_curves.png reports/report.md
"""

import argparse
import json
import os
import sys
from pathlib import Path

from digits.errors import DigitsError, run_main
from digits.evaluation import read_predictions, top_confusions
from digits.files import write_text_atomic
from digits.params import load_params, read_params_file
from digits.plots import plot_training_curves, save_figure
from digits.report import read_training_history, render_report

# Figures made by earlier stages, linked from the report by their names beside it.
LINKED_FIGURES = {"confusion": "confusion_matrix.png", "misclassified": "misclassified.png", "calibration": "calibration.png",
                  "balance": "class_balance.png"}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    for name in ("params_file", "metrics", "training_plots", "predictions", "curves_figure", "report"):
        parser.add_argument(name, type=Path)
    args = parser.parse_args(argv)
    params = load_params("report", args.params_file)

    # Gather what earlier stages measured.
    try:
        test_metrics = json.loads(args.metrics.read_text())["test"]
    except (OSError, ValueError, KeyError) as error:
        raise DigitsError(f"{args.metrics}: cannot read test metrics ({error}); run `dvc repro`") from None
    history = read_training_history(args.training_plots)
    confusions = top_confusions(*read_predictions(args.predictions), params.top_confusions)

    # Draw the curves and write the markdown that links every figure.
    save_figure(plot_training_curves(history), args.curves_figure)
    figures = {"curves": os.path.relpath(args.curves_figure, args.report.parent), **LINKED_FIGURES}
    text = render_report(read_params_file(args.params_file), test_metrics, history, confusions, figures)
    write_text_atomic(args.report, text)
    print(f"report: test accuracy {test_metrics['accuracy']:.4f} -> {args.report}")
    return 0


if __name__ == "__main__":
    sys.exit(run_main("report", main))
