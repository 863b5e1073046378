"""The stage scripts as a user runs them: bad params, missing inputs, interruption, determinism."""

import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import yaml

from digits.data import save_images, save_split
from digits.synthetic import font_digits, non_digits
from tests.conftest import ROOT, synthetic_mnist


def run_stage(name, *args, cwd, timeout=300):
    return subprocess.run([sys.executable, str(ROOT / "stages" / f"{name}.py"), *map(str, args)],
                          cwd=cwd, capture_output=True, text=True, timeout=timeout)


@pytest.fixture
def workdir(tmp_path):
    """params.yaml (small training) and prepared synthetic splits in a fresh folder."""
    params = yaml.safe_load((ROOT / "params.yaml").read_text())
    params["train"].update(epochs=2, hidden_units=[16])
    (tmp_path / "params.yaml").write_text(yaml.safe_dump(params))
    images, labels = synthetic_mnist(400, seed=0)
    save_split(tmp_path / "train.npz", images[:300], labels[:300])
    save_split(tmp_path / "validation.npz", images[300:], labels[300:])
    save_images(tmp_path / "non_digits.npz", non_digits(40, seed=0, kinds=("letter", "scribble", "shape", "texture")))
    save_split(tmp_path / "font_digits.npz", *font_digits(0, seed=0))
    return tmp_path


def train(workdir, model="model.keras", live="live"):
    return run_stage("train", "train.npz", "validation.npz", "non_digits.npz", "font_digits.npz", model, live, cwd=workdir)


def set_param(workdir, section, key, value):
    params = yaml.safe_load((workdir / "params.yaml").read_text())
    params[section][key] = value
    (workdir / "params.yaml").write_text(yaml.safe_dump(params))


@pytest.mark.parametrize("key, value, message", [
    ("epoch", 3, "unknown key train.epoch"),
    ("epochs", "ten", "train.epochs is 'ten'; expected a whole number >= 1"),
    ("learning_rate", -0.1, "train.learning_rate is -0.1; expected a number > 0.0"),
    ("model", "resnet", "train.model is 'resnet'; expected one of mlp, cnn"),
])
def test_bad_params_stop_the_stage_with_one_line_and_no_output(workdir, key, value, message):
    set_param(workdir, "train", key, value)
    result = train(workdir)
    assert result.returncode == 1 and "Traceback" not in result.stderr
    # The last line (TensorFlow may log its own start-up lines before it).
    assert result.stderr.strip().splitlines()[-1].startswith(f"train: error: params.yaml: {message}")
    assert not (workdir / "model.keras").exists() and not (workdir / "live").exists()


def test_train_learns_the_typeset_digits_beside_the_split_and_the_non_digits(workdir):
    save_split(workdir / "font_digits.npz", *font_digits(30, seed=0))
    result = train(workdir)
    assert result.returncode == 0, result.stderr
    assert "train: 370 images (30 typeset digits)" in result.stdout  # 300 digits + 30 typeset + 40 non-digits
    set_param(workdir, "train", "outlier_exposure", 0.0)
    assert "train: 330 images (30 typeset digits)" in train(workdir).stdout


def test_missing_input_says_what_to_run(workdir):
    (workdir / "train.npz").unlink()
    result = train(workdir)
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert "train.npz: not found; run `dvc repro` to create it" in result.stderr


def test_outside_the_project_says_where_to_run(tmp_path):
    result = run_stage("evaluate", "m.keras", "m.tflite", "t.npz", "a", "b", "c", "d", "e", "f", cwd=tmp_path)
    assert result.returncode == 1 and "params.yaml: not found (run from the project's root directory)" in result.stderr


def test_same_params_give_identical_metrics_and_weights(workdir):
    for name in ("a", "b"):
        assert train(workdir, f"{name}.keras", f"live-{name}").returncode == 0
    assert (workdir / "live-a/metrics.json").read_text() == (workdir / "live-b/metrics.json").read_text()
    assert weights(workdir / "a.keras") == weights(workdir / "b.keras")
    set_param(workdir, "train", "seed", 7)
    assert train(workdir, "c.keras", "live-c").returncode == 0
    assert weights(workdir / "c.keras") != weights(workdir / "a.keras")


def weights(path: Path) -> list:
    import keras

    return [w.tolist() for w in keras.models.load_model(path, compile=False).get_weights()]


def start_long_training(workdir):
    """Start the train stage and return once it is in the middle of training (an epoch has ended)."""
    process = subprocess.Popen([sys.executable, str(ROOT / "stages/train.py"), "train.npz", "validation.npz", "non_digits.npz",
                                "font_digits.npz", "model.keras", "live"],
                               cwd=workdir, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                               # A shell's background jobs ignore SIGINT, and children inherit that.
                               preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    for line in process.stdout:
        if "val_accuracy" in line:
            return process
    raise AssertionError(f"training ended early: {process.stderr.read()}")


def test_killed_stage_leaves_the_previous_output_and_the_next_run_recovers(workdir):
    assert train(workdir).returncode == 0
    before = (workdir / "model.keras").read_bytes()
    set_param(workdir, "train", "epochs", 50)
    process = start_long_training(workdir)
    process.send_signal(signal.SIGKILL)
    process.wait()
    assert (workdir / "model.keras").read_bytes() == before
    assert not [p for p in workdir.iterdir() if p.name.startswith(".model.keras")]
    set_param(workdir, "train", "epochs", 2)
    assert train(workdir).returncode == 0


def test_ctrl_c_stops_training_promptly_with_a_message(workdir):
    set_param(workdir, "train", "epochs", 200)
    process = start_long_training(workdir)
    start = time.perf_counter()
    process.send_signal(signal.SIGINT)
    _, err = process.communicate(timeout=30)
    assert process.returncode == 130 and "train: interrupted" in err and "Traceback" not in err
    assert time.perf_counter() - start < 10
    assert not (workdir / "model.keras").exists()
