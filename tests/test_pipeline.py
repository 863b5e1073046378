"""End to end: the real `dvc repro` on a copy of the project, fed a small synthetic data set from a local mirror."""

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import cv2
import pytest
import yaml

from tests.conftest import ROOT, write_synthetic_mirror
from tests.test_photo import photo_of_digit

STAGES = {"download", "preprocess", "train", "export", "evaluate", "report"}


def run(args, cwd, env):
    result = subprocess.run(args, cwd=cwd, env=env, capture_output=True, text=True)
    assert result.returncode == 0, f"{' '.join(args)} failed:\n{result.stdout}\n{result.stderr}"
    return result.stdout + result.stderr


def dvc(*args, project):
    return run([sys.executable, "-m", "dvc", *args], project["dir"], project["env"])


def stages_run(output):
    return re.findall(r"Running stage '(\w+)'", output)


def set_param(project, section, key, value):
    path = project["dir"] / "params.yaml"
    params = yaml.safe_load(path.read_text())
    params[section][key] = value
    path.write_text(yaml.safe_dump(params, sort_keys=False))


@pytest.fixture(scope="module")
def project(tmp_path_factory):
    """A copy of the repository's files in a fresh git repo, set to read the synthetic mirror."""
    base = tmp_path_factory.mktemp("e2e")
    directory = base / "project"
    listed = subprocess.run(["git", "ls-files", "--cached", "--others", "--exclude-standard"], cwd=ROOT,
                            capture_output=True, text=True, check=True).stdout.split("\n")
    for name in filter(None, listed):
        if (ROOT / name).is_file() and not name.startswith("tests/"):
            (directory / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(ROOT / name, directory / name)
    spec = write_synthetic_mirror(base / "mirror")
    env = {
        **os.environ,
        "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}",
        "DIGITS_MNIST_MIRROR": str(base / "mirror"),
        "DIGITS_MNIST_SPEC": str(spec),
        "DIGITS_CACHE_DIR": str(base / "cache"),
    }
    project = {"dir": directory, "env": env}
    set_param(project, "preprocess", "validation_size", 100)
    for command in (["init", "-q"], ["add", "-A"], ["-c", "user.name=t", "-c", "user.email=t@t", "commit", "-qm", "copy"]):
        run(["git", *command], directory, env)
    project["first_run"] = dvc("repro", project=project)
    return project


def test_repro_runs_every_stage_and_writes_every_output(project):
    assert set(stages_run(project["first_run"])) == STAGES
    directory = project["dir"]
    for output in ["data/raw/train-images-idx3-ubyte", "data/prepared/test.npz", "models/model.keras",
                   "reports/metrics.json", "reports/predictions.csv", "reports/confusion_matrix.png",
                   "reports/misclassified.png", "reports/class_balance.png", "reports/training_curves.png",
                   "models/model.tflite",
                   "reports/report.md", "reports/train/plots/metrics/eval/accuracy.tsv"]:
        assert (directory / output).stat().st_size > 0, output
    metrics = json.loads((directory / "reports/metrics.json").read_text())
    assert 0 <= metrics["test"]["accuracy"] <= 1
    assert "test.accuracy" in dvc("metrics", "show", project=project)


def test_predict_runs_the_exported_model(project, tmp_path):
    cv2.imwrite(str(tmp_path / "seven.png"), photo_of_digit(7))
    output = run([sys.executable, "-m", "digits.cli", "predict", str(tmp_path / "seven.png")], project["dir"], project["env"])
    assert output.startswith("The Handwritten Digit is recognised as: ")


def test_second_repro_runs_nothing(project):
    assert stages_run(dvc("repro", project=project)) == []


def test_damaged_raw_data_is_restored_with_the_same_metrics(project):
    metrics = (project["dir"] / "reports/metrics.json").read_text()
    labels = project["dir"] / "data/raw/t10k-labels-idx1-ubyte"
    original = labels.read_bytes()
    labels.chmod(0o644)  # DVC may link outputs from its cache read-only
    labels.write_bytes(original[:-10])
    # DVC restores the damaged output from its cache (or reruns download); nothing downstream changes.
    assert set(stages_run(dvc("repro", project=project))) <= {"download"}
    assert labels.read_bytes() == original
    assert (project["dir"] / "reports/metrics.json").read_text() == metrics
    assert stages_run(dvc("repro", project=project)) == []


def test_changing_epochs_reruns_train_export_evaluate_report(project):
    set_param(project, "train", "epochs", 2)
    assert sorted(stages_run(dvc("repro", project=project))) == ["evaluate", "export", "report", "train"]
    assert len((project["dir"] / "reports/train/plots/metrics/train/loss.tsv").read_text().splitlines()) == 3


def test_changing_a_report_setting_reruns_only_report(project):
    set_param(project, "report", "top_confusions", 3)
    assert stages_run(dvc("repro", project=project)) == ["report"]
