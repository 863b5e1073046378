"""Benchmark: the notebook's code against each preset trained through the project's train stage.

Usage: python benchmarks/train_presets.py [--presets NAME ...] [--pairs 3] [--once best] [--skip-notebook]
                                          [--set KEY=VALUE ...] [--chart PNG]
(--set adds a row "custom": the params.yaml defaults with those dotted keys changed, as `dvc exp run -S`).
Needs data/raw and data/prepared (run `dvc repro` first). Runs go in rounds, alternating on the same
machine: the notebook, then each preset; --pairs rounds, the --once presets (long ones) in the first
only. Prints a markdown table: test accuracy, whole-process training wall time (median and range),
its ratio to the notebook's process in the same round (median), time to first reach 99.0 % validation
accuracy, parameter count and inference throughput; and draws validation accuracy against
wall-clock seconds for each preset's first run, the notebook as a point (--chart).
"""

import argparse
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import yaml

ROOT = Path(__file__).resolve().parent.parent
VAL_ACCURACY = re.compile(r"val_accuracy: ([0-9.]+)")
TARGET = 0.99
NOTEBOOK = "notebook (reference copy)"
MADE_INPUTS = ("non_digits", "font_digits")  # params sections whose stage draws images the train stage reads, in its order


def run_timed(command: list[str], cwd: Path) -> tuple[float, list[tuple[float, float]], str]:
    """Run a process; return its wall time, (seconds since its start, val_accuracy) at each epoch's end, and its output."""
    start = time.perf_counter()
    process = subprocess.Popen(command, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                               env={**os.environ, "PYTHONUNBUFFERED": "1"})
    curve, lines = [], []
    for line in process.stdout:
        lines.append(line)
        if match := VAL_ACCURACY.search(line):
            curve.append((time.perf_counter() - start, float(match.group(1))))
    if process.wait() != 0:
        sys.exit(f"{' '.join(command)} failed:\n{''.join(lines[-20:])}")
    return time.perf_counter() - start, curve, "".join(lines)


def first_reaching(curve: list[tuple[float, float]], accuracy: float) -> float | None:
    return next((seconds for seconds, value in curve if value >= accuracy), None)


def preset_params(overrides: dict) -> dict:
    params = yaml.safe_load((ROOT / "params.yaml").read_text())
    for dotted, value in overrides.items():
        section, key = dotted.split(".")
        params[section][key] = value
    return params


def measure_model(model_path: Path) -> tuple[float, int, float]:
    """Test accuracy, parameter count and inference images/s (batches of 1024, after a warm-up batch)."""
    from digits.data import load_split
    from digits.models import load_model

    model = load_model(model_path)
    images, labels = load_split(ROOT / "data/prepared/test.npz")
    model.predict(images[:1024], batch_size=1024, verbose=0)
    start = time.perf_counter()
    predictions = model.predict(images, batch_size=1024, verbose=0).argmax(axis=1)
    throughput = len(images) / (time.perf_counter() - start)
    return float(np.mean(predictions == labels)), model.count_params(), throughput


def run_notebook() -> dict:
    wall, _, output = run_timed([sys.executable, str(ROOT / "benchmarks/notebook_reference.py"), str(ROOT / "data/raw")], ROOT)
    return {"accuracy": float(re.search(r"notebook test accuracy: ([0-9.]+)", output).group(1)), "wall": wall, "curve": [],
            "parameters": int(re.search(r"notebook parameters: (\d+)", output).group(1)), "throughput": None}


def run_preset(overrides: dict) -> dict:
    with tempfile.TemporaryDirectory() as work:
        work = Path(work)
        params = preset_params(overrides)
        (work / "params.yaml").write_text(yaml.safe_dump(params))
        defaults, drawn = preset_params({}), {}
        for section in MADE_INPUTS:
            drawn[section] = ROOT / f"data/prepared/{section}.npz"
            if params[section] != defaults[section]:
                # The preset's own images, drawn by their stage first (as `dvc exp run` would; not timed).
                drawn[section] = work / f"{section}.npz"
                subprocess.run([sys.executable, str(ROOT / f"stages/{section}.py"), str(drawn[section])], cwd=work,
                               check=True, capture_output=True)
        command = [sys.executable, str(ROOT / "stages/train.py"), str(ROOT / "data/prepared/train.npz"),
                   str(ROOT / "data/prepared/validation.npz"), *map(str, drawn.values()), str(work / "model.keras"),
                   str(work / "live")]
        wall, curve, _ = run_timed(command, work)
        accuracy, parameters, throughput = measure_model(work / "model.keras")
    return {"accuracy": accuracy, "wall": wall, "curve": curve, "parameters": parameters, "throughput": throughput}


def draw_chart(runs: dict[str, list[dict]], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    figure, axes = plt.subplots(figsize=(8, 4.8))
    for name, results in runs.items():
        if name == NOTEBOOK:
            point = statistics.median(r["wall"] for r in results), statistics.median(r["accuracy"] for r in results)
            axes.plot(*point, "ks", markersize=8)
            axes.annotate("notebook (test accuracy, whole process)", point, textcoords="offset points", xytext=(8, -14), fontsize=10)
        else:
            seconds, accuracy = zip(*results[0]["curve"])
            axes.plot(seconds, accuracy, "o-", markersize=3, label=name)
    axes.set_xscale("log")
    axes.set_ylim(0.95, 1.0)
    axes.set_xlabel("seconds since the process started (log scale)")
    axes.set_ylabel("validation accuracy at each epoch's end")
    axes.set_title("Time to accuracy on this machine (2 CPU cores)")
    axes.grid(True, which="both", alpha=0.3)
    axes.legend(loc="lower right")
    figure.tight_layout()
    figure.savefig(path, dpi=100)


def main() -> None:
    presets = yaml.safe_load((Path(__file__).parent / "presets.yaml").read_text())
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--presets", nargs="*", default=list(presets), choices=list(presets))
    parser.add_argument("--pairs", type=int, default=3, help="rounds of alternating runs (default 3)")
    parser.add_argument("--once", nargs="*", default=["best"], help="presets run in the first round only (default: best)")
    parser.add_argument("--skip-notebook", action="store_true")
    parser.add_argument("--set", action="append", default=[], metavar="KEY=VALUE", help="add a 'custom' row")
    parser.add_argument("--chart", default=str(ROOT / "docs/time_to_accuracy.png"), help="where to draw the chart")
    args = parser.parse_args()
    overrides = {name: presets[name] or {} for name in args.presets}
    if args.set:
        overrides["custom " + " ".join(args.set)] = {key: yaml.safe_load(value) for key, value in (s.split("=", 1) for s in args.set)}

    runs: dict[str, list[dict]] = {NOTEBOOK: []} if not args.skip_notebook else {}
    runs |= {name: [] for name in overrides}
    for round_ in range(args.pairs):
        if not args.skip_notebook:
            runs[NOTEBOOK].append(run_notebook())
        for name, changed in overrides.items():
            if round_ == 0 or name not in args.once:
                runs[name].append(run_preset(changed))

    print(f"| run | test accuracy | train process wall time | ratio to the notebook | time to {TARGET:.1%} val. accuracy "
          "| parameters | inference images/s |")
    print("| --- | --- | --- | --- | --- | --- | --- |")
    for name, results in runs.items():
        walls = [r["wall"] for r in results]
        spread = f" ({min(walls):.1f}–{max(walls):.1f}, {len(walls)} runs)" if len(walls) > 1 else ""
        ratios = [r["wall"] / n["wall"] for r, n in zip(results, runs.get(NOTEBOOK, []))] if name != NOTEBOOK else []
        reached = [first_reaching(r["curve"], TARGET) for r in results]
        reached = statistics.median(reached) if reached and None not in reached else None
        throughput = results[0]["throughput"]
        print(f"| {name} | {statistics.median(r['accuracy'] for r in results):.4f} | {statistics.median(walls):.1f} s{spread} | "
              f"{f'{statistics.median(ratios):.2f}' if ratios else '—'} | {f'{reached:.1f} s' if reached else '—'} | "
              f"{results[0]['parameters']:,} | {f'{throughput:,.0f}' if throughput else '—'} |")
    if args.chart:
        draw_chart(runs, Path(args.chart))
        print(f"\nchart: {args.chart}")


if __name__ == "__main__":
    main()
