"""Render reports/report.md: params, metrics and figures, for a reviewer reading a pull request."""

from __future__ import annotations

import csv
import os
from pathlib import Path

import yaml

from digits.errors import DigitsError

CURVE_METRICS = ("loss", "accuracy")
SPLITS = {"train": "train", "eval": "validation"}  # dvclive's split folders -> names in the report


def read_training_history(plots_dir: str | os.PathLike) -> dict[str, dict[str, list[float]]]:
    """Read dvclive's per-epoch TSV files into history[metric][split] = values."""
    history: dict[str, dict[str, list[float]]] = {}
    for metric in CURVE_METRICS:
        for folder, split in SPLITS.items():
            path = Path(plots_dir) / "metrics" / folder / f"{metric}.tsv"
            try:
                with path.open(newline="") as handle:
                    values = [float(row[metric]) for row in csv.DictReader(handle, delimiter="\t")]
            except FileNotFoundError:
                raise DigitsError(f"{path}: not found; run `dvc repro` to train first") from None
            except (KeyError, ValueError, TypeError) as error:
                raise DigitsError(f"{path}: damaged ({error})") from None
            history.setdefault(metric, {})[split] = values
    return history


def render_report(
    params: dict,
    test_metrics: dict,
    history: dict[str, dict[str, list[float]]],
    confusions: list[tuple[int, int, int]],
    figures: dict[str, str],
) -> str:
    """Markdown with relative links to the figures, which live beside the report."""
    train = params["train"]
    lines = [
        "# Digit classifier report",
        "",
        f"Model `{train['model']}`, {train['epochs']} epochs, batch {train['batch_size']}, "
        f"learning rate {train['learning_rate']}, seed {train['seed']}.",
        "",
        "## Test set",
        "",
        "| metric | value |",
        "| --- | --- |",
        f"| accuracy | {test_metrics['accuracy']:.4f} |",
        f"| loss | {test_metrics['loss']:.4f} |",
        f"| macro F1 | {test_metrics['macro_f1']:.4f} |",
        "",
        "## Confidence",
        "",
        "As `digits predict` reports it: the LiteRT model, each digit's views averaged, calibrated on validation digits.",
        "",
        "| metric | value |",
        "| --- | --- |",
        f"| expected calibration error (15 bins) | {test_metrics['ece']:.4f} |",
        f"| log loss | {test_metrics['nll']:.4f} |",
        f"| Brier score | {test_metrics['brier']:.4f} |",
        f"| accuracy on the 95 % surest | {test_metrics['accuracy_at_95_coverage']:.4f} |",
        f"| answered as a digit (not \"not sure\") | {test_metrics['answered_digit']:.2%}, "
        f"{test_metrics['answered_digit_accuracy']:.2%} of them right |",
        "",
        f"![Reliability and risk-coverage]({figures['calibration']})",
        "",
        "## Training",
        "",
        "| after the last epoch | train | validation |",
        "| --- | --- | --- |",
    ]
    for metric in CURVE_METRICS:
        values = history[metric]
        lines.append(f"| {metric} | {values['train'][-1]:.4f} | {values['validation'][-1]:.4f} |")
    lines += ["", f"![Training curves]({figures['curves']})", "", "## Per digit", ""]
    lines += ["| digit | precision | recall | F1 | test images |", "| --- | --- | --- | --- | --- |"]
    for digit, scores in test_metrics["per_class"].items():
        lines.append(f"| {digit} | {scores['precision']:.4f} | {scores['recall']:.4f} | {scores['f1']:.4f} | {scores['support']} |")
    if confusions:
        lines += ["", "## Most frequent mistakes", "", "| true | predicted | times |", "| --- | --- | --- |"]
        lines += [f"| {true} | {predicted} | {times} |" for true, predicted, times in confusions]
    lines += [
        "",
        f"![Confusion matrix]({figures['confusion']})",
        "",
        f"![Misclassified test digits]({figures['misclassified']})",
        "",
        "## Data",
        "",
        f"![Class balance]({figures['balance']})",
        "",
        "## Params",
        "",
        "```yaml",
        yaml.safe_dump(params, sort_keys=False, default_flow_style=None).rstrip(),
        "```",
        "",
    ]
    return "\n".join(lines)
