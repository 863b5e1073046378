import re

import numpy as np
import pytest

from digits.pr_comment import COMMENT_LIMIT, MARKER, MAX_POINTS, build_comment, confusion_tables, curve_chart
from tests.conftest import render_markdown


def curves(epochs, final_accuracy):
    decay = np.exp(-np.arange(epochs) / 3)
    return {"train": {"loss": list(0.3 * decay), "accuracy": list(0.99 - 0.1 * decay)},
            "eval": {"loss": list(0.3 * decay + 0.05), "accuracy": list(final_accuracy - 0.1 * decay)}}


def confusions():
    old = np.diag([980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009]) - np.eye(10, dtype=int) * 10
    old[5, 3] = 16
    new = old.copy()
    new[5, 3], new[4, 9] = 10, 3
    return old, new


def comment(base_epochs=10, epochs=12):
    return build_comment("main", ["### Metrics\n\n| Metric | `main` | workspace |\n|---|---:|---:|"],
                         {"base": curves(base_epochs, 0.97), "workspace": curves(epochs, 0.98)}, confusions())


def mermaid_blocks(text):
    return re.findall(r"```mermaid\n(.*?)```", text, re.S)


def test_the_comment_links_no_image_and_starts_with_its_marker():
    text = comment()
    assert text.startswith(MARKER + "\n")
    assert not re.search(r"!\[|<img|\.png\)", text)
    assert len(mermaid_blocks(text)) == 2


def test_long_runs_are_summarised_to_fit():
    text = comment(base_epochs=3000, epochs=5000)
    assert len(text) < 10_000 < COMMENT_LIMIT
    for block in mermaid_blocks(text):
        epochs = re.search(r'x-axis "epoch" \[([^]]*)\]', block).group(1).split(", ")
        assert len(epochs) == MAX_POINTS and epochs[0] == "1" and epochs[-1] == "5000"
        assert "(24 of 5000 epochs shown)" in block
        lines = [line.count(",") + 1 for line in block.splitlines() if line.strip().startswith("line [")]
        # The base ran 3000 epochs: its lines stop at the last shown epoch <= 3000.
        assert lines == [sum(int(e) <= 3000 for e in epochs)] * 2 + [MAX_POINTS] * 2


def test_a_revision_without_curves_gets_no_lines_and_the_legend_says_which_are_shown():
    chart = curve_chart("loss", "main", {"base": {}, "workspace": curves(5, 0.98)})
    assert chart.count("line [") == 2
    assert "this pull request, training" in chart and "`main`" not in chart
    assert curve_chart("loss", "main", {}) == "No loss curves in either revision."


def test_confusion_tables_mark_the_changed_cells():
    old, new = confusions()
    text = confusion_tables("main", old, new)
    difference = text.split("<details>")[0]
    assert "| **5** |  |  |  | -6 |" in difference and "| **4** |  |  |  |  |  |  |  |  |  | +3 |" in difference
    assert "**16**" in text and "**10**" in text and "**3**" in text
    assert confusion_tables("main", old, old) == "No cell of the test confusion matrix changed."
    assert "No test predictions for `main`" in confusion_tables("main", None, new)


@pytest.mark.parametrize("mermaid", ["mermaid", "mermaid11"])
def test_every_chart_renders_in_a_browser(browser, node_modules, tmp_path, mermaid):
    page, svgs = render_markdown(browser, node_modules, comment(base_epochs=8, epochs=60), tmp_path, mermaid)
    assert len(svgs) == 2
    for svg in svgs:
        # Four series (training and validation of both revisions), each a drawn path.
        assert len(re.findall(r'class="line-plot-\d"', svg)) == 4
        assert len(re.findall(r'<path[^>]*\bd="M[^"]+L', svg)) >= 4
    page.close()
