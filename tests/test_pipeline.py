"""End to end: the real `dvc repro` on a copy of the project, fed a small synthetic data set from a local mirror."""

import json
import re
import subprocess
import sys
import time

import cv2

from tests.conftest import clone_project, dvc, git, run, set_param, stages_run
from tests.test_photo import photo_of_digit

STAGES = {"download", "preprocess", "non_digits", "font_digits", "train", "export", "calibrate", "evaluate", "report"}


def test_repro_runs_every_stage_and_writes_every_output(project):
    assert set(stages_run(project["first_run"])) == STAGES
    directory = project["dir"]
    for output in ["data/raw/train-images-idx3-ubyte", "data/prepared/test.npz", "models/model.keras",
                   "reports/metrics.json", "reports/predictions.csv", "reports/confusion_matrix.png",
                   "reports/misclassified.png", "reports/class_balance.png", "reports/training_curves.png",
                   "models/model.tflite", "models/model.calibration.json", "data/prepared/non_digits.npz", "data/prepared/font_digits.npz",
                   "reports/calibration.png", "reports/calibration/reliability.csv", "reports/calibration/risk_coverage.csv",
                   "reports/report.md", "reports/train/plots/metrics/eval/accuracy.tsv"]:
        assert (directory / output).stat().st_size > 0, output
    metrics = json.loads((directory / "reports/metrics.json").read_text())
    assert 0 <= metrics["test"]["accuracy"] <= 1 and 0 <= metrics["test"]["ece"] <= 1
    assert "test.accuracy" in dvc("metrics", "show", project=project)


def test_repro_prints_only_the_projects_own_lines(project):
    # TensorFlow's start-up lines look like "I0000 00:00:... cudart_stub.cc:31] ..." or name absl or CUDA.
    noise = [line for line in project["first_run"].splitlines()
             if re.match(r"[IWEF]\d{4} ", line) or re.search(r"absl|cuda|cuInit|oneDNN|SavedModel|MLIR", line, re.I)]
    assert noise == []
    assert "train: " in project["first_run"] and "export: " in project["first_run"]


def test_a_bad_param_says_how_to_restore_what_dvc_removed(project, tmp_path):
    clone = clone_project(project, tmp_path / "bad-param")
    set_param(clone, "train", "epochs", "ten")
    failed = subprocess.run([sys.executable, "-m", "dvc", "repro"], cwd=clone["dir"], env=clone["env"],
                            capture_output=True, text=True)
    message = next(line for line in failed.stderr.splitlines() if line.startswith("train: error: "))
    assert failed.returncode != 0 and "train.epochs is 'ten'" in message
    assert not (clone["dir"] / "models/model.keras").exists()  # what DVC does before the stage can refuse
    # Follow the message's own instructions, after undoing the change.
    git("checkout", "--", "params.yaml", project=clone)
    for command in re.findall(r"`((?:dvc|git) [^`]+)`", message):
        name, *args = command.split()
        git(*args, project=clone) if name == "git" else dvc(*args, project=clone)
    assert (clone["dir"] / "models/model.keras").exists()
    assert "up to date" in dvc("status", project=clone)


def test_predict_runs_the_exported_model(project, tmp_path):
    cv2.imwrite(str(tmp_path / "seven.png"), photo_of_digit(7))
    output = run([sys.executable, "-m", "digits.cli", "predict", str(tmp_path / "seven.png")], project["dir"], project["env"])
    assert output.startswith(("The Handwritten Digit is recognised as: ", "Not sure: ", "This does not look")) and len(output.splitlines()) == 1
    # -v brings back what LiteRT says when it starts.
    output = run([sys.executable, "-m", "digits.cli", "-v", "predict", str(tmp_path / "seven.png")], project["dir"], project["env"])
    assert "XNNPACK" in output


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


def test_changing_epochs_reruns_train_and_what_follows(project):
    set_param(project, "train", "epochs", 2)
    assert sorted(stages_run(dvc("repro", project=project))) == ["calibrate", "evaluate", "export", "report", "train"]
    assert len((project["dir"] / "reports/train/plots/metrics/train/loss.tsv").read_text().splitlines()) == 3


def test_the_answer_thresholds_come_from_the_calibrate_params(project):
    calibration = project["dir"] / "models/model.calibration.json"
    before = json.loads(calibration.read_text())
    set_param(project, "calibrate", "not_a_digit_share", 0.2)
    # report reruns too if the metrics changed (on this tiny data set they may not).
    assert {"calibrate", "evaluate"} <= set(stages_run(dvc("repro", project=project))) <= {"calibrate", "evaluate", "report"}
    after = json.loads(calibration.read_text())
    assert after["min_digit_mass"] > before["min_digit_mass"] and after["temperature"] == before["temperature"]


def test_changing_a_report_setting_reruns_only_report(project):
    set_param(project, "report", "top_confusions", 3)
    assert stages_run(dvc("repro", project=project)) == ["report"]


def test_queued_sweep_runs_with_two_workers_from_a_clean_clone(project, tmp_path):
    clone = clone_project(project, tmp_path / "sweep")
    dvc("exp", "run", "--queue", "-S", "train.epochs=1,2", project=clone)
    dvc("queue", "start", "-j", "2", project=clone)
    deadline = time.monotonic() + 600
    while True:
        status = dvc("queue", "status", project=clone)
        if not re.search(r"\b(Queued|Running)\b", status) or time.monotonic() > deadline:
            break
        time.sleep(2)
    assert len(re.findall(r"\bSuccess\b", status)) == 2, status
    table = dvc("exp", "show", "--md", "--no-pager", project=clone)
    rows = [line for line in table.splitlines() if "train.epochs" not in line and line.startswith("|")]
    assert {"1", "2"} <= {cell.strip() for row in rows for cell in row.split("|")}, table
    assert "test.accuracy" in table


def test_a_fresh_clone_pulls_the_trained_model_from_a_remote_and_recomputes_nothing(project, tmp_path):
    sender = clone_project(project, tmp_path / "sender")
    dvc("remote", "add", "-d", "shared", str(tmp_path / "remote"), project=sender)
    git("commit", "-qam", "shared remote", project=sender)
    dvc("push", project=sender)

    receiver = clone_project(sender, tmp_path / "receiver", share_cache=False)
    dvc("pull", project=receiver)
    assert stages_run(dvc("repro", project=receiver)) == []
    assert "up to date" in dvc("status", project=receiver)
    cv2.imwrite(str(tmp_path / "seven.png"), photo_of_digit(7))
    output = run([sys.executable, "-m", "digits.cli", "predict", str(tmp_path / "seven.png")], receiver["dir"], receiver["env"])
    assert output.startswith(("The Handwritten Digit is recognised as: ", "Not sure: ", "This does not look like a digit"))
