"""The pull-request comment: the report as markdown GitHub draws by itself, with no image files.

Curves are Mermaid `xychart-beta` charts (GitHub renders Mermaid code blocks in comments; the XY
chart exists since Mermaid 10.5), confusion matrices are tables. Every number is also written as
text, so a plain-text email notification still says what changed.
"""

from __future__ import annotations

import numpy as np

from digits.errors import DigitsError

MARKER = "<!-- digits-pr-report -->"  # finds the comment to update; invisible when rendered
COMMENT_LIMIT = 65_536  # characters GitHub accepts in one comment
MAX_POINTS = 24  # epochs per chart (more x-axis labels overlap); longer runs are sampled evenly, the last included
SPLITS = {"train": "training", "eval": "validation"}
# Light for training, dark for validation; blue for the base revision, orange for the workspace.
COLOURS = {("base", "train"): ("#9ecae1", "light blue"), ("base", "eval"): ("#08519c", "dark blue"),
           ("workspace", "train"): ("#fdae6b", "light orange"), ("workspace", "eval"): ("#d94801", "dark orange")}

Curves = dict[str, dict[str, list[float]]]  # curves[split][metric] = one value per epoch


def curve_chart(metric: str, base: str, curves: dict[str, Curves]) -> str:
    """One Mermaid line chart of `metric` per epoch: training and validation of both revisions."""
    series = [(revision, split, curves[revision][split][metric]) for revision in ("base", "workspace")
              for split in SPLITS if curves.get(revision, {}).get(split, {}).get(metric)]
    if not series:
        return f"No {metric} curves in either revision."
    epochs = max(len(values) for _, _, values in series)
    shown = np.unique(np.linspace(0, epochs - 1, min(epochs, MAX_POINTS)).round().astype(int))
    palette = ", ".join(COLOURS[revision, split][0] for revision, split, _ in series)
    lines = [f"  line [{', '.join(f'{values[i]:.4f}' for i in shown if i < len(values))}]" for _, _, values in series]
    low = min(min(values) for _, _, values in series)
    high = max(max(values) for _, _, values in series)
    names = {"base": f"`{base}`", "workspace": "this pull request"}
    legend = "; ".join(f"{COLOURS[revision, split][1]}: {names[revision]}, {SPLITS[split]}" for revision, split, _ in series)
    summary = "" if len(shown) == epochs else f" ({len(shown)} of {epochs} epochs shown)"
    chart = "\n".join([
        "```mermaid",
        f"%%{{init: {{'themeVariables': {{'xyChart': {{'plotColorPalette': '{palette}'}}}}}}}}%%",
        "xychart-beta",
        f'  title "{metric.capitalize()} per epoch{summary}"',
        f"  x-axis \"epoch\" [{', '.join(str(i + 1) for i in shown)}]",
        f'  y-axis "{metric}" {max(low - 0.02 * (high - low), 0):.4f} --> {high + 0.02 * (high - low):.4f}',
        *lines,
        "```",
    ])
    return f"{chart}\n\n{legend}."


def confusion_tables(base: str, old: np.ndarray | None, new: np.ndarray | None) -> str:
    """The change of the test confusion matrix, then both matrices (changed cells in bold), folded."""
    if old is None or new is None:
        missing = f"`{base}`" if old is None else "the workspace"
        return f"No test predictions for {missing}, so no confusion matrices to compare."
    change = new - old
    if not change.any():
        return "No cell of the test confusion matrix changed."
    parts = ["Change in test images per cell, this pull request minus "
             f"`{base}` (off the diagonal, + is more mistakes; blank: unchanged):",
             _matrix_table(change, lambda value, _: f"{value:+d}" if value else "")]
    for title, counts in ((f"`{base}`", old), ("this pull request", new)):
        table = _matrix_table(counts, lambda value, changed: f"**{value}**" if changed else str(value or ""), change != 0)
        parts.append(f"<details><summary>Confusion matrix of {title} (changed cells in bold, zeros blank)</summary>"
                     f"\n\n{table}\n\n</details>")
    return "\n\n".join(parts)


def _matrix_table(values: np.ndarray, cell, changed: np.ndarray | None = None) -> str:
    changed = np.zeros(values.shape, bool) if changed is None else changed
    rows = ["| true ↓ predicted → | " + " | ".join(map(str, range(10))) + " |", "|---:|" + "---:|" * 10]
    rows += [f"| **{true}** | " + " | ".join(cell(int(values[true, p]), changed[true, p]) for p in range(10)) + " |"
             for true in range(10)]
    return "\n".join(rows)


def build_comment(base: str, sections: list[str], curves: dict[str, Curves],
                  confusions: tuple[np.ndarray | None, np.ndarray | None]) -> str:
    """The whole comment: the marker, the report's text sections, the charts and the matrices."""
    parts = [MARKER, *sections, "### Training curves",
             curve_chart("loss", base, curves), curve_chart("accuracy", base, curves),
             "### Confusion matrix (test)", confusion_tables(base, *confusions),
             "<sub>The PNG figures are in the workflow run's `pr-report` artifact (`report.md`).</sub>"]
    comment = "\n\n".join(parts) + "\n"
    if len(comment) > COMMENT_LIMIT:  # refuse rather than have GitHub refuse it
        raise DigitsError(f"the PR comment has {len(comment)} characters, over GitHub's limit of {COMMENT_LIMIT}")
    return comment
