"""A pull-request report: the workspace against a base revision, as markdown with PNG plots, and
as a comment GitHub draws by itself (digits.pr_comment).

DVC computes every difference (`dvc params/metrics/plots diff --json`); this module only lays
them out for a PR page. DVC's Vega-Lite plots are rendered to PNG with vl-convert, which
needs neither node nor a network, so the report can be made in any CI job. The comment's curves
and confusion matrices are read from the files DVC keeps in git (`cache: false`) at both revisions.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import vl_convert

from digits.errors import DigitsError
from digits.evaluation import confusion_matrix, parse_predictions
from digits.files import write_bytes_atomic, write_text_atomic
from digits.pr_comment import SPLITS, Curves, build_comment

WORKSPACE = "workspace"  # DVC's name for the uncommitted state of the repository
RECALL_CHANGE_SHOWN = 0.002  # per-digit recall changes smaller than 0.2 points are noise on 1,000 images
HIGHER, LOWER, NEUTRAL = "higher", "lower", None  # which way a metric is better; NEUTRAL gets no ✅/❌
HEADLINE = [  # (metrics file, key, label, better)
    ("reports/metrics.json", "test.accuracy", "Test accuracy", HIGHER),
    ("reports/metrics.json", "test.ece", "Test calibration error (ECE, 15 bins)", LOWER),
    ("reports/metrics.json", "test.macro_f1", "Test macro F1", HIGHER),
    ("reports/metrics.json", "test.loss", "Test loss", LOWER),
    ("reports/train/metrics.json", "eval.accuracy", "Validation accuracy (last epoch)", HIGHER),
    # A higher training accuracy is as often overfitting as progress: reported, never judged.
    ("reports/train/metrics.json", "train.accuracy", "Training accuracy (last epoch)", NEUTRAL),
]


CURVE_FILE = "reports/train/plots/metrics/{split}/{metric}.tsv"  # dvclive's per-epoch values
PREDICTIONS = "reports/predictions.csv"


def write_pr_report(base: str, out_dir: str | Path, repo: str | Path = ".", pull_request: int | None = None) -> Path:
    """Write out_dir/report.md with out_dir/plots/*.png, and out_dir/comment.md, comparing the workspace with `base`.

    With `pull_request`, also out_dir/pull-request (its number), for the workflow that posts the comment.
    """
    repo, out_dir = Path(repo), Path(out_dir)
    check_revision(base, repo)
    params = dvc_json(repo, "params", "diff", base)
    metrics = dvc_json(repo, "metrics", "diff", base, "--all")
    plots_dir = out_dir / "plots"
    shutil.rmtree(plots_dir, ignore_errors=True)  # plots of an earlier report would be stale
    plots = dvc_json(repo, "plots", "diff", base, "--out", str(plots_dir.resolve()))["data"]
    sections = [
        f"## Model report: {WORKSPACE} vs `{base}`",
        metrics_section(metrics.get("reports/metrics.json", {}), metrics.get("reports/train/metrics.json", {}), base),
        digits_section(metrics.get("reports/metrics.json", {}), base),
        params_section(params.get("params.yaml", {}), base),
    ]
    report = out_dir / "report.md"
    write_text_atomic(report, "\n\n".join([*sections, plots_section(plots, base, out_dir)]) + "\n")
    curves = {"base": read_curves(repo, base), "workspace": read_curves(repo, WORKSPACE)}
    confusions = (read_confusion(repo, base), read_confusion(repo, WORKSPACE))
    write_text_atomic(out_dir / "comment.md", build_comment(base, sections, curves, confusions))
    if pull_request is not None:
        write_text_atomic(out_dir / "pull-request", f"{pull_request}\n")
    return report


def file_at(repo: Path, revision: str, path: str) -> str | None:
    """A file's text in the workspace or at a git revision; None where it does not exist."""
    if revision == WORKSPACE:
        return (repo / path).read_text() if (repo / path).is_file() else None
    shown = subprocess.run(["git", "show", f"{revision}:{path}"], cwd=repo, capture_output=True, text=True)
    return shown.stdout if shown.returncode == 0 else None


def read_curves(repo: Path, revision: str) -> Curves:
    curves: Curves = {}
    for split in SPLITS:
        for metric in ("loss", "accuracy"):
            text = file_at(repo, revision, CURVE_FILE.format(split=split, metric=metric))
            if text:  # a TSV with a header, the value in the last column
                curves.setdefault(split, {})[metric] = [float(line.split("\t")[-1]) for line in text.splitlines()[1:] if line]
    return curves


def read_confusion(repo: Path, revision: str):
    text = file_at(repo, revision, PREDICTIONS)
    return None if text is None else confusion_matrix(*parse_predictions(text, f"{PREDICTIONS} at {revision}"))


def check_revision(base: str, repo: Path) -> None:
    """Refuse a revision git does not know, with the usual cause in CI (a shallow clone)."""
    found = subprocess.run(["git", "rev-parse", "--verify", "--quiet", f"{base}^{{commit}}"], cwd=repo,
                           capture_output=True, text=True)
    if found.returncode != 0:
        raise DigitsError(f"base revision {base!r} not found in {repo.resolve()} "
                          "(in CI, check out with enough history, e.g. fetch-depth: 0)")


def dvc_json(repo: Path, *args: str) -> dict:
    """Run a `dvc ... --json` command in repo and return its parsed output."""
    result = subprocess.run([sys.executable, "-m", "dvc", *args, "--json"], cwd=repo, capture_output=True, text=True)
    errors = [line for line in result.stderr.splitlines() if line.startswith("ERROR")]
    if result.returncode != 0 or errors:
        reason = errors[0].removeprefix("ERROR: ") if errors else result.stderr.strip().splitlines()[-1:]
        raise DigitsError(f"dvc {args[0]} {args[1]} failed: {reason}")
    return json.loads(result.stdout or "{}")


def metrics_section(test: dict, train: dict, base: str) -> str:
    rows = [f"| Metric | `{base}` | {WORKSPACE} | Change |", "|---|---:|---:|---:|"]
    for file, key, label, better in HEADLINE:
        change = (test if file == "reports/metrics.json" else train).get(key)
        if change is None:
            continue
        old, new = change.get("old"), change.get("new")
        rows.append(f"| {label} | {number(old, key)} | {number(new, key)} | {difference(old, new, key, better)} |")
    old, new = (accuracy_gap(train, revision) for revision in ("old", "new"))
    if old is not None or new is not None:
        rows.append(f"| Training − validation accuracy gap | {number(old, 'accuracy')} | {number(new, 'accuracy')} | "
                    f"{difference(old, new, 'accuracy', NEUTRAL)} |")
    return "### Metrics\n\n" + "\n".join(rows)


def accuracy_gap(train: dict, revision: str) -> float | None:
    """Last-epoch training minus validation accuracy: how much the model fits its training images better."""
    training, validation = (train.get(key, {}).get(revision) for key in ("train.accuracy", "eval.accuracy"))
    return None if training is None or validation is None else training - validation


def digits_section(test: dict, base: str) -> str:
    """Digits whose test recall moved by at least RECALL_CHANGE_SHOWN, biggest change first."""
    rows = []
    for digit in range(10):
        recall, support = test.get(f"test.per_class.{digit}.recall", {}), test.get(f"test.per_class.{digit}.support", {})
        old, new = recall.get("old"), recall.get("new")
        if old is None or new is None or abs(new - old) < RECALL_CHANGE_SHOWN:
            continue
        errors_old = round((1 - old) * support["old"])
        errors_new = round((1 - new) * support["new"])
        rows.append((abs(new - old), f"| {digit} | {errors_old} | {errors_new} | {old:.2%} | {new:.2%} | "
                                     f"{difference(old, new, 'recall', HIGHER)} |"))
    title = f"### Digits that changed (test recall, by {RECALL_CHANGE_SHOWN * 100:.1f} points or more)"
    if not rows:
        return f"{title}\n\nNo digit's recall changed that much."
    header = [f"| Digit | Errors `{base}` | Errors {WORKSPACE} | Recall `{base}` | Recall {WORKSPACE} | Change |",
              "|---:|---:|---:|---:|---:|---:|"]
    return f"{title}\n\n" + "\n".join(header + [row for _, row in sorted(rows, reverse=True)])


def params_section(params: dict, base: str) -> str:
    if not params:
        return "### Params\n\nNo params changed."
    rows = [f"| Param | `{base}` | {WORKSPACE} |", "|---|---|---|"]
    rows += [f"| `{key}` | {param_value(value.get('old'))} | {param_value(value.get('new'))} |"
             for key, value in sorted(params.items())]
    return "### Params changed\n\n" + "\n".join(rows)


def plots_section(plots: dict, base: str, out_dir: Path) -> str:
    """Vega-Lite plots (both revisions in one chart) rendered to PNG; image plots side by side."""
    parts = ["### Plots"]
    for title, renders in plots.items():
        images = {}
        for render in renders:
            if render["type"] == "vega":
                path = out_dir / "plots" / f"{slug(title)}.png"
                write_bytes_atomic(path, vl_convert.vegalite_to_png(render["content"], scale=1.5))
                parts.append(f"#### {title}\n\n![{title}]({path.relative_to(out_dir).as_posix()})")
            elif render["type"] == "image":
                # DVC names the file after the revision, which may hold a '/' (origin/main): rename it.
                rev = render["revisions"][0]
                path = out_dir / "plots" / f"{slug(title)}-{'workspace' if rev == WORKSPACE else 'base'}.png"
                Path(render["url"]).replace(path)
                images[rev] = path.relative_to(out_dir).as_posix()
        if images:
            cells = [f"![{title}, {rev}]({images[rev]})" if rev in images else "*(not in this revision's DVC cache)*"
                     for rev in (base, WORKSPACE)]
            parts.append(f"#### `{title}`\n\n| `{base}` | {WORKSPACE} |\n|---|---|\n| {cells[0]} | {cells[1]} |")
    return "\n\n".join(parts)


def number(value: float | None, key: str) -> str:
    if value is None:
        return "–"
    return f"{value:.2%}" if "accuracy" in key or "f1" in key else f"{value:.4f}"


def difference(old: float | None, new: float | None, key: str, better: str | None) -> str:
    """The change, in points for fractions, marked ✅/❌ when it is an improvement/regression (not if NEUTRAL)."""
    if old is None or new is None:
        return "–"
    change = new - old
    if change == 0:
        return "0"
    text = f"{change * 100:+.2f} pt" if "accuracy" in key or "f1" in key or "recall" in key else f"{change:+.4f}"
    if better is NEUTRAL:
        return text
    return f"{text} {'✅' if (change > 0) == (better == HIGHER) else '❌'}"


def param_value(value: object) -> str:
    """A param as written in params.yaml; '–' when the revision does not have it."""
    if value is None:
        return "–"
    return str(value).lower() if isinstance(value, bool) else str(value)


def slug(title: str) -> str:
    return re.sub(r"[^a-z0-9]+", "_", title.lower()).strip("_")
