"""Figures for the reports. Each function returns a matplotlib Figure; save_figure writes it."""

from __future__ import annotations

import os

import matplotlib

matplotlib.use("Agg")  # Stages and CI have no display.

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import seaborn as sns  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402

from digits.files import atomic_path  # noqa: E402

DIGITS = list(range(10))


def save_figure(figure: Figure, path: str | os.PathLike) -> None:
    with atomic_path(path) as temporary:
        figure.savefig(temporary, dpi=100, bbox_inches="tight")
    plt.close(figure)


def plot_class_balance(labels_by_split: dict[str, np.ndarray]) -> Figure:
    """Images per digit in each split, as grouped bars."""
    figure, axes = plt.subplots(figsize=(8, 4))
    rows = [
        {"digit": digit, "split": split, "images": int(count)}
        for split, labels in labels_by_split.items()
        for digit, count in enumerate(np.bincount(labels, minlength=10))
    ]
    sns.barplot(
        x=[r["digit"] for r in rows], y=[r["images"] for r in rows], hue=[r["split"] for r in rows], ax=axes
    )
    axes.set(xlabel="Digit", ylabel="Images", title="Class balance")
    sns.move_legend(axes, "upper left", bbox_to_anchor=(1, 1), title="split", frameon=False)
    return figure


def plot_confusion_matrix(counts: np.ndarray) -> Figure:
    """The errors as a heatmap: true digit down, predicted across, each cell's share of its true digit.

    The diagonal (the notebook's heatmap spends its whole colour scale there) is greyed out and shows
    each digit's recall, so that the colours go to the mistakes: the darker, the more of that digit lost.
    """
    counts = np.asarray(counts)
    shares = 100 * counts / np.maximum(counts.sum(axis=1, keepdims=True), 1)
    diagonal = np.eye(len(counts), dtype=bool)
    errors = np.where(diagonal, 0, shares)
    labels = np.where(
        diagonal, np.char.add(np.round(shares, 1).astype(str), "%"),
        [[f"{n}\n{s:.1f}%" if n else "" for n, s in zip(row_counts, row_shares)] for row_counts, row_shares in zip(counts, shares)],
    )
    figure, axes = plt.subplots(figsize=(8.5, 7))
    axes.set_facecolor("#ececec")  # the masked diagonal
    sns.heatmap(errors, mask=diagonal, annot=labels, fmt="", cmap="Reds", vmin=0, vmax=max(errors.max(), 1),
                linewidths=0.5, linecolor="white", annot_kws={"fontsize": 8}, ax=axes,
                cbar_kws={"label": "share of the true digit's test images (%)"},
                xticklabels=DIGITS, yticklabels=DIGITS)
    for digit in range(len(counts)):  # seaborn leaves masked cells unannotated
        axes.text(digit + 0.5, digit + 0.5, labels[digit, digit], ha="center", va="center", fontsize=8, color="#555555")
    wrong = counts.sum() - np.trace(counts)
    axes.set(xlabel="Predicted", ylabel="True digit",
             title=f"Test errors: {wrong:,} of {counts.sum():,} images ({wrong / max(counts.sum(), 1):.2%})\n"
                   "cells: count and share of the row; grey diagonal: recall")
    axes.tick_params(length=0)
    return figure


def plot_misclassified(images: np.ndarray, labels: np.ndarray, probabilities: np.ndarray, count: int) -> Figure:
    """The `count` most confident mistakes, each titled 'true → predicted confidence'.

    Confident mistakes come first: they are where the model is most misleading (and where a test
    label may itself be wrong).
    """
    predictions = probabilities.argmax(axis=1)
    confidence = probabilities.max(axis=1)
    wrong = np.flatnonzero(labels != predictions)
    shown = wrong[np.argsort(-confidence[wrong], kind="stable")][:count]
    columns = min(max(len(shown), 1), 6)
    rows = max(1, -(-len(shown) // columns))
    figure, axes_grid = plt.subplots(rows, columns, figsize=(1.6 * columns, 1.8 * rows + 0.4), squeeze=False)
    for axes in axes_grid.flat:
        axes.axis("off")
    for axes, index in zip(axes_grid.flat, shown):
        axes.imshow(images[index], cmap="gray_r")
        # Rounded down, so that a mistake never reads "100%".
        axes.set_title(f"{labels[index]} → {predictions[index]}  {np.floor(confidence[index] * 1000) / 10:.1f}%", fontsize=10)
    figure.suptitle(f"Misclassified test digits, most confident first: {len(shown)} of {len(wrong)}\n"
                    "true → predicted  confidence", fontsize=11)
    figure.tight_layout()
    return figure


def plot_training_curves(history: dict[str, dict[str, list[float]]]) -> Figure:
    """Loss and accuracy per epoch, train against validation: history[metric][split] = values."""
    figure, axes_row = plt.subplots(1, len(history), figsize=(5 * len(history), 3.5), squeeze=False)
    for axes, (metric, splits) in zip(axes_row[0], history.items()):
        for split, values in splits.items():
            axes.plot(range(1, len(values) + 1), values, marker="o", label=split)
        axes.set(xlabel="Epoch", ylabel=metric, title=metric.capitalize())
        axes.legend()
    figure.tight_layout()
    return figure


def plot_calibration(table: list[dict], coverage: np.ndarray, accuracy: np.ndarray, accuracy_at_95: float) -> Figure:
    """Reliability diagram (accuracy against confidence per bin, the image count in each bar) beside the
    risk-coverage curve, marked at 95 % coverage."""
    figure, (left, right) = plt.subplots(1, 2, figsize=(10, 4.2))
    filled = [row for row in table if row["count"]]
    width = table[0]["high"] - table[0]["low"]
    left.bar([row["low"] for row in filled], [row["accuracy"] for row in filled], width=width, align="edge",
             color="#4c72b0", edgecolor="white", label="accuracy in the bin")
    left.plot([0, 1], [0, 1], color="grey", linestyle="--", linewidth=1, label="perfect calibration")
    # A dot above its bar: the model was surer than right in that bin; below: less sure than right.
    left.plot([row["low"] + width / 2 for row in filled], [row["confidence"] for row in filled], "o", color="#dd8452",
              markersize=4, label="mean confidence in the bin")
    for row in filled:
        # Inside the bar, or above the axis where the bar is too short to hold it (no digit right).
        left.annotate(f"{row['count']}", (row["low"] + width / 2, 0.01), ha="center", va="bottom", fontsize=7,
                      color="white" if row["accuracy"] > 0.1 else "black", rotation=90)
    # Headroom above 1 for the legend, clear of the bars and dots.
    left.set(xlim=(0, 1), ylim=(0, 1.32), yticks=np.linspace(0, 1, 6), xlabel="Calibrated confidence", ylabel="Accuracy",
             title="Reliability (test digits per bin in the bars)")
    left.legend(loc="upper left", fontsize=8, frameon=False, ncols=2)
    right.plot(coverage, 100 * accuracy, color="#4c72b0")
    right.axvline(0.95, color="grey", linestyle="--", linewidth=1)
    right.annotate(f"{accuracy_at_95:.2%} at 95 % coverage", (0.95, 100 * accuracy_at_95), xytext=(-10, -25), textcoords="offset points",
                   ha="right", fontsize=8, arrowprops={"arrowstyle": "-", "color": "grey"})
    right.set(xlim=(0, 1.01), ylim=(max(90.0, 100 * accuracy.min() - 0.5), 100.05),
              xlabel="Coverage (share answered, surest first)", ylabel="Accuracy of the answered (%)", title="Risk-coverage")
    figure.tight_layout()
    return figure
