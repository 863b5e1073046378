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
    """The notebook's seaborn heatmap: true digit down, predicted digit across, counts annotated."""
    figure, axes = plt.subplots(figsize=(8, 7))
    sns.heatmap(counts, annot=True, fmt="d", cmap="Blues", cbar=False, ax=axes, xticklabels=DIGITS, yticklabels=DIGITS)
    axes.set(xlabel="Predicted", ylabel="Truth", title=f"Confusion matrix ({counts.sum()} test images)")
    return figure


def plot_misclassified(images: np.ndarray, labels: np.ndarray, predictions: np.ndarray, count: int) -> Figure:
    """A grid of the first `count` misclassified images, titled 'true -> predicted'."""
    wrong = np.flatnonzero(labels != predictions)[:count]
    columns = min(max(len(wrong), 1), 6)
    rows = max(1, -(-len(wrong) // columns))
    figure, axes_grid = plt.subplots(rows, columns, figsize=(1.6 * columns, 1.8 * rows), squeeze=False)
    for axes in axes_grid.flat:
        axes.axis("off")
    for axes, index in zip(axes_grid.flat, wrong):
        axes.imshow(images[index], cmap="gray_r")
        axes.set_title(f"{labels[index]} → {predictions[index]}", fontsize=10)
    figure.suptitle(f"Misclassified test digits (true → predicted), {len(wrong)} of {np.sum(labels != predictions)}")
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
