import os
import re
import subprocess
import sys
from pathlib import Path

import cv2
import pytest
import yaml

from digits.pr_report import HIGHER, LOWER, difference, digits_section, metrics_section, params_section
from digits.pr_comment import MARKER
from tests.conftest import clone_project, dvc, git, render_markdown, set_param


@pytest.fixture(scope="module")
def two_runs(project, tmp_path_factory):
    """A clone of the trained project with a second committed run: 2 epochs instead of params.yaml's."""
    clone = clone_project(project, tmp_path_factory.mktemp("pr") / "repo")
    clone["base_epochs"] = yaml.safe_load((clone["dir"] / "params.yaml").read_text())["train"]["epochs"]
    set_param(clone, "train", "epochs", 2)
    dvc("repro", project=clone)
    git("commit", "-qam", "two epochs", project=clone)
    return clone


def pr_report(clone, *args):
    return subprocess.run([sys.executable, "-m", "digits.cli", "pr-report", *args], cwd=clone["dir"], env=clone["env"],
                          capture_output=True, text=True)


def test_report_compares_two_committed_runs_with_rendered_plots_of_both(two_runs):
    result = pr_report(two_runs, "--base", "HEAD~1", "--out", "pr")
    assert result.returncode == 0, result.stderr
    out = two_runs["dir"] / "pr"
    report = (out / "report.md").read_text()
    assert result.stdout.strip() == "pr/report.md"
    assert re.search(r"\| Test accuracy \| [0-9.]+% \| [0-9.]+% \|", report)
    assert f"| `train.epochs` | {two_runs['base_epochs']} | 2 |" in report
    images = re.findall(r"!\[[^]]*\]\(([^)]+)\)", report)
    # Loss, accuracy and the confusion matrix rendered from DVC's Vega-Lite specs (both runs in each);
    # the pipeline's own PNGs side by side, one per revision.
    for name in ("plots/loss.png", "plots/accuracy.png", "plots/confusion_matrix.png",
                 "plots/reports_confusion_matrix_png-base.png", "plots/reports_confusion_matrix_png-workspace.png",
                 "plots/reports_misclassified_png-base.png", "plots/reports_misclassified_png-workspace.png"):
        assert name in images
    for name in images:
        picture = cv2.imread(str(out / name))
        assert picture is not None and min(picture.shape[:2]) > 100, name


def test_comment_md_compares_two_committed_runs_and_renders_in_a_browser(two_runs, browser, node_modules, tmp_path):
    result = pr_report(two_runs, "--base", "HEAD~1", "--out", "pr", "--pull-request", "7")
    assert result.returncode == 0, result.stderr
    comment = (two_runs["dir"] / "pr/comment.md").read_text()
    assert (two_runs["dir"] / "pr/pull-request").read_text() == "7\n"
    assert comment.startswith(MARKER) and not re.search(r"!\[|<img", comment)
    assert f"| `train.epochs` | {two_runs['base_epochs']} | 2 |" in comment
    assert re.search(r"\| Test accuracy \| [0-9.]+% \| [0-9.]+% \|", comment)
    # Calibration error beside accuracy: both runs' evaluate stages wrote test.ece.
    assert re.search(r"\| Test calibration error \(ECE, 15 bins\) \| 0\.[0-9]{4} \| 0\.[0-9]{4} \|", comment)
    page, svgs = render_markdown(browser, node_modules, comment, tmp_path)
    # Loss and accuracy: training and validation of both runs, each drawn.
    assert len(svgs) == 2 and all(len(re.findall(r'class="line-plot-\d"', svg)) == 4 for svg in svgs)
    # README's picture of a PR comment is this page: DIGITS_SCREENSHOTS=docs pytest ... writes it there
    # (with Debian's fonts-noto-color-emoji installed; without it Chromium draws the marks as boxes).
    page.screenshot(path=str(tmp_path / "pr-comment.png"), full_page=True)
    if os.environ.get("DIGITS_SCREENSHOTS"):
        page.screenshot(path=str(Path(os.environ["DIGITS_SCREENSHOTS"]) / "pr-comment.png"), full_page=True)
    page.close()


def test_an_unknown_base_is_one_line_naming_it(two_runs):
    result = pr_report(two_runs, "--base", "no-such-branch")
    assert result.returncode == 1
    assert result.stderr.splitlines() == [
        f"digits: error: base revision 'no-such-branch' not found in {two_runs['dir']} "
        "(in CI, check out with enough history, e.g. fetch-depth: 0)"]
    assert not (two_runs["dir"] / "pr-report").exists()


def test_digits_section_lists_changes_that_matter_biggest_first():
    metrics = {
        "test.per_class.3.recall": {"old": 0.95, "new": 0.97}, "test.per_class.3.support": {"old": 1000, "new": 1000},
        "test.per_class.5.recall": {"old": 0.99, "new": 0.95}, "test.per_class.5.support": {"old": 900, "new": 900},
        "test.per_class.7.recall": {"old": 0.98, "new": 0.981}, "test.per_class.7.support": {"old": 1000, "new": 1000},
    }
    rows = [line for line in digits_section(metrics, "main").splitlines() if re.match(r"\| \d ", line)]
    assert rows == ["| 5 | 9 | 45 | 99.00% | 95.00% | -4.00 pt ❌ |", "| 3 | 50 | 30 | 95.00% | 97.00% | +2.00 pt ✅ |"]


def test_unchanged_params_and_metrics_say_so():
    assert params_section({}, "main").endswith("No params changed.")
    assert digits_section({}, "main").endswith("No digit's recall changed that much.")
    assert difference(0.5, 0.5, "test.accuracy", HIGHER) == "0"
    assert difference(0.10, 0.08, "test.loss", LOWER) == "-0.0200 ✅"


def test_training_accuracy_and_the_gap_are_reported_but_not_judged():
    # Overfitting: training accuracy up, validation down. Only the validation change is a regression.
    train = {"train.accuracy": {"old": 0.980, "new": 0.999}, "eval.accuracy": {"old": 0.975, "new": 0.970}}
    rows = metrics_section({}, train, "main").splitlines()
    assert "| Validation accuracy (last epoch) | 97.50% | 97.00% | -0.50 pt ❌ |" in rows
    assert "| Training accuracy (last epoch) | 98.00% | 99.90% | +1.90 pt |" in rows
    assert "| Training − validation accuracy gap | 0.50% | 2.90% | +2.40 pt |" in rows
