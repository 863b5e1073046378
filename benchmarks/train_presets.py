"""Benchmark: the notebook's code against each preset trained through the project's train stage.

Usage: python benchmarks/train_presets.py [--presets NAME ...] [--skip-notebook] [--set KEY=VALUE ...]
(--set adds a row "custom": the params.yaml defaults with those dotted keys changed, as `dvc exp run -S`).
Needs data/raw and data/prepared (run `dvc repro` first). Prints a markdown table: test accuracy,
whole-process training wall time, time to first reach 99.0 % validation accuracy, parameter count,
and inference throughput. Every run uses the same machine, one after another.
"""

import argparse
import os
import re
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


def run_timed(command: list[str], cwd: Path) -> tuple[float, float | None, str]:
    """Run a process; return its wall time, the time its output first showed val_accuracy >= 0.99, and its output."""
    start = time.perf_counter()
    process = subprocess.Popen(command, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                               env={**os.environ, "PYTHONUNBUFFERED": "1"})
    reached, lines = None, []
    for line in process.stdout:
        lines.append(line)
        match = VAL_ACCURACY.search(line)
        if reached is None and match and float(match.group(1)) >= TARGET:
            reached = time.perf_counter() - start
    if process.wait() != 0:
        sys.exit(f"{' '.join(command)} failed:\n{''.join(lines[-20:])}")
    return time.perf_counter() - start, reached, "".join(lines)


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


def main() -> None:
    presets = yaml.safe_load((Path(__file__).parent / "presets.yaml").read_text())
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--presets", nargs="*", default=list(presets), choices=list(presets))
    parser.add_argument("--skip-notebook", action="store_true")
    parser.add_argument("--set", action="append", default=[], metavar="KEY=VALUE", help="add a 'custom' row")
    args = parser.parse_args()
    runs = {name: presets[name] or {} for name in args.presets}
    if args.set:
        runs["custom " + " ".join(args.set)] = {key: yaml.safe_load(value) for key, value in (s.split("=", 1) for s in args.set)}

    rows = []
    if not args.skip_notebook:
        wall, _, output = run_timed([sys.executable, str(ROOT / "benchmarks/notebook_reference.py"), str(ROOT / "data/raw")], ROOT)
        accuracy = float(re.search(r"notebook test accuracy: ([0-9.]+)", output).group(1))
        parameters = int(re.search(r"notebook parameters: (\d+)", output).group(1))
        rows.append(("notebook (reference copy)", accuracy, wall, None, parameters, None))
    for name, overrides in runs.items():
        with tempfile.TemporaryDirectory() as work:
            work = Path(work)
            (work / "params.yaml").write_text(yaml.safe_dump(preset_params(overrides)))
            command = [sys.executable, str(ROOT / "stages/train.py"), str(ROOT / "data/prepared/train.npz"),
                       str(ROOT / "data/prepared/validation.npz"), str(ROOT / "data/prepared/non_digits.npz"),
                       str(work / "model.keras"), str(work / "live")]
            wall, reached, _ = run_timed(command, work)
            accuracy, parameters, throughput = measure_model(work / "model.keras")
            rows.append((name, accuracy, wall, reached, parameters, throughput))

    print(f"| run | test accuracy | train process wall time | time to {TARGET:.1%} val. accuracy | parameters | inference images/s |")
    print("| --- | --- | --- | --- | --- | --- |")
    for name, accuracy, wall, reached, parameters, throughput in rows:
        print(f"| {name} | {accuracy:.4f} | {wall:.1f} s | {f'{reached:.1f} s' if reached else '—'} | {parameters:,} | "
              f"{f'{throughput:,.0f}' if throughput else '—'} |")


if __name__ == "__main__":
    main()
