import io
import json
import re
import shlex
import sys
from pathlib import Path

import cv2
import numpy as np
import pytest

from digits.calibration import Calibration, calibration_path, file_sha256, save_calibration
from digits.models import build_model
from tests.test_images import png_header_only
from tests.test_models import params_with
from tests.test_photo import photo_of_digit, row_of_digits


@pytest.fixture(scope="module")
def model_path(tmp_path_factory):
    # An untrained model: these tests check the command's behaviour, not the model's accuracy.
    path = tmp_path_factory.mktemp("model") / "model.keras"
    build_model(params_with(hidden_units=(8,))).save(path)
    write_calibration(path)
    return str(path)


def write_calibration(model_path, temperature=1.0, min_confidence=0.9, min_digit_mass=0.5):
    """A calibration file for the model, with these values (the calibrate stage fits them from data)."""
    save_calibration(calibration_path(model_path), Calibration(temperature, min_confidence, min_digit_mass, file_sha256(model_path)))


@pytest.fixture
def good_image(tmp_path):
    path = tmp_path / "seven.png"
    cv2.imwrite(str(path), photo_of_digit(7))
    return str(path)


SURE = ("--min-confidence", "0", "--min-digit-mass", "0")  # every answer a digit, whatever the untrained model says


def test_predict_prints_the_notebook_sentence(run_cli, model_path, good_image):
    status, out, err = run_cli("predict", *SURE, "--model", model_path, good_image)
    assert status == 0 and err == ""
    assert out.startswith("The Handwritten Digit is recognised as: ") and "confidence" in out


@pytest.mark.parametrize("options, answer, sentence", [
    (SURE, "digit", "The Handwritten Digit is recognised as: "),
    (("--min-confidence", "1", "--min-digit-mass", "0"), "unsure", "Not sure: "),
    (("--min-digit-mass", "1"), "not_a_digit", "This does not look like a digit"),
])
def test_each_kind_of_answer_exits_0_with_its_sentence(run_cli, model_path, good_image, options, answer, sentence):
    status, out, err = run_cli("predict", "--json", *options, "--model", model_path, good_image)
    record = json.loads(out)
    assert status == 0 and err == "" and record["answer"] == answer
    # Scripts written before the answer field keep working: digit, confidence and top3 are always there.
    assert record["digit"] in range(10) and 0 <= record["confidence"] <= 1 and len(record["top3"]) == 3
    status, out, _ = run_cli("predict", *options, "--model", model_path, good_image)
    assert status == 0 and out.startswith(sentence)


def test_thresholds_come_from_the_calibration_file(run_cli, tmp_path, good_image):
    path = tmp_path / "model.keras"
    build_model(params_with(hidden_units=(8,))).save(path)
    answers = []
    for min_confidence in (0.0, 1.0):
        write_calibration(path, min_confidence=min_confidence, min_digit_mass=0.0)
        answers.append(json.loads(run_cli("predict", "--json", "--model", str(path), good_image)[1])["answer"])
    assert answers == ["digit", "unsure"]


def test_missing_or_stale_calibration_is_one_clear_line(run_cli, tmp_path, good_image):
    path = tmp_path / "model.keras"
    build_model(params_with(hidden_units=(8,))).save(path)
    status, out, err = run_cli("predict", "--model", str(path), good_image)
    assert status == 1 and out == ""
    assert err == f"digits: error: {tmp_path / 'model.calibration.json'}: missing; the model {path} has no calibration (run `dvc repro`)\n"
    write_calibration(path)
    build_model(params_with(hidden_units=(9,))).save(path)  # retrained since
    status, out, err = run_cli("predict", "--model", str(path), good_image)
    assert status == 1 and out == "" and err.count("\n") == 1
    assert "fitted to another version of" in err and "stale" in err


def test_a_threshold_outside_0_to_1_is_refused(run_cli, model_path, good_image):
    status, out, err = run_cli("predict", "--min-confidence", "1.5", "--model", model_path, good_image)
    assert status == 1 and out == ""
    assert err == "digits: error: --min-confidence 1.5: expected a probability from 0 to 1\n"


def test_json_lines_parse(run_cli, model_path, good_image):
    status, out, _ = run_cli("predict", "--json", "--model", model_path, good_image, good_image)
    rows = [json.loads(line) for line in out.splitlines()]
    assert status == 0 and len(rows) == 2
    assert rows[0]["image"] == good_image and rows[0]["digit"] in range(10)
    assert 0 <= rows[0]["confidence"] <= 1 and len(rows[0]["top3"]) == 3


def test_confidence_is_the_mean_over_the_views(run_cli, model_path, good_image):
    from digits.photo import prepare_digit
    from digits.predictor import load_predictor

    status, out, _ = run_cli("predict", "--json", "--model", model_path, good_image)
    probabilities = load_predictor(model_path)(prepare_digit(good_image, views=True))
    mean = probabilities.mean(axis=0)
    record = json.loads(out)
    # The fixture's calibration has temperature 1: calibrated and averaged probabilities are the same.
    assert status == 0 and record["digit"] == int(mean.argmax())
    assert record["confidence"] == pytest.approx(mean.max(), abs=1e-4)
    # The views disagree on an untrained model, so averaging is not the same as reading one view.
    assert not np.allclose(probabilities[0], mean)


def test_multi_reads_a_number(run_cli, model_path, tmp_path):
    cv2.imwrite(str(tmp_path / "row.png"), row_of_digits([2, 0, 2, 4]))
    status, out, _ = run_cli("predict", "--multi", "--json", "--model", model_path, str(tmp_path / "row.png"))
    record = json.loads(out)
    assert status == 0 and len(record["digits"]) == 4
    assert record["number"] == "".join(map(str, record["digits"]))


def test_a_number_read_as_one_digit_gets_a_hint_to_add_multi(run_cli, model_path, tmp_path, good_image):
    cv2.imwrite(str(tmp_path / "row.png"), row_of_digits([2, 0, 2, 4]))
    refuse = ("--min-digit-mass", "1")  # every answer "not a digit", whatever the untrained model says
    status, out, _ = run_cli("predict", "--json", *refuse, "--model", model_path, str(tmp_path / "row.png"), good_image)
    row, seven = map(json.loads, out.splitlines())
    assert status == 0 and row["answer"] == "not_a_digit" and row["several_digits"] == 4
    assert "several_digits" not in seven  # one digit: nothing to hint
    status, out, _ = run_cli("predict", *refuse, "--model", model_path, str(tmp_path / "row.png"))
    assert out.strip() == "This does not look like a digit (4 digits side by side? Add --multi to read them as a number)"
    # Answered as a digit, or read with --multi: no hint.
    for options in (SURE, ("--multi", *refuse)):
        _, out, _ = run_cli("predict", "--json", *options, "--model", model_path, str(tmp_path / "row.png"))
        assert "several_digits" not in json.loads(out)


def test_debug_dir_gets_the_steps(run_cli, model_path, good_image, tmp_path):
    status, _, _ = run_cli("predict", "--debug-dir", str(tmp_path / "debug"), "--model", model_path, good_image)
    assert status == 0 and len(list((tmp_path / "debug").glob("seven-*.png"))) == 6


@pytest.mark.parametrize("where, message", [("a-file.txt", "a file, not a folder"),
                                             ("a-file.txt/steps", "cannot create it (Not a directory)")])
def test_a_debug_dir_that_cannot_be_made_is_one_line(run_cli, model_path, good_image, tmp_path, where, message):
    (tmp_path / "a-file.txt").write_text("notes")
    status, out, err = run_cli("predict", "--debug-dir", str(tmp_path / where), "--model", model_path, good_image)
    assert status == 1 and out == ""
    assert err == f"digits: error: --debug-dir {tmp_path / where}: {message}\n"
    assert (tmp_path / "a-file.txt").read_text() == "notes"


def test_an_image_piped_in_as_dash_reads_as_the_file_does(run_cli, model_path, good_image, tmp_path, monkeypatch):
    cv2.imwrite(str(tmp_path / "row.png"), row_of_digits([2, 0, 2, 4]))
    for image in (good_image, str(tmp_path / "row.png")):
        _, from_file, _ = run_cli("predict", "--json", "--model", model_path, image)
        monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(Path(image).read_bytes())))
        status, piped, _ = run_cli("predict", "--json", "--model", model_path, "-")
        assert status == 0 and json.loads(piped) == {**json.loads(from_file), "image": "-"}
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(b"")))
    status, _, err = run_cli("predict", "--model", model_path, "-")
    assert status == 1 and err == "digits: error: stdin: empty file\n"


def test_a_folder_is_read_in_parallel_in_name_order(run_cli, model_path, tmp_path):
    folder = tmp_path / "photos"
    folder.mkdir()
    for index in range(40):
        cv2.imwrite(str(folder / f"{index:02d}.png"), photo_of_digit(index % 10, size=(120, 120), height=60))
    status, out, _ = run_cli("predict", "--json", "--model", model_path, str(folder))
    images = [json.loads(line)["image"] for line in out.splitlines()]
    assert status == 0 and images == [str(folder / f"{index:02d}.png") for index in range(40)]


def write_bad_inputs(tmp_path):
    (tmp_path / "empty.png").write_bytes(b"")
    (tmp_path / "text.png").write_text("not an image")
    (tmp_path / "corrupt.png").write_bytes(png_header_only(100, 100))
    (tmp_path / "huge.png").write_bytes(png_header_only(12000, 10000))
    cv2.imwrite(str(tmp_path / "tiny.png"), np.zeros((1, 1), np.uint8))
    cv2.imwrite(str(tmp_path / "blank.png"), np.full((60, 60), 245, np.uint8))
    return {
        str(tmp_path / "missing.png"): "file not found",
        str(tmp_path / "empty.png"): "empty file",
        str(tmp_path / "text.png"): "not an image",
        str(tmp_path / "corrupt.png"): "corrupt or truncated image",
        str(tmp_path / "huge.png"): "more than the 100 megapixels allowed",
        str(tmp_path / "tiny.png"): "too small to hold a digit",
        str(tmp_path / "blank.png"): "no digit found",
    }


def test_bad_inputs_are_one_line_each_and_the_good_one_is_answered(run_cli, model_path, good_image, tmp_path):
    bad = write_bad_inputs(tmp_path)
    status, out, err = run_cli("predict", *SURE, "--model", model_path, *bad, good_image)
    assert status == 1
    assert "Traceback" not in err
    lines = err.splitlines()
    assert len(lines) == len(bad)
    for line, (path, reason) in zip(lines, bad.items()):
        assert line.startswith(f"digits: error: {path}: ") and reason in line
    assert out.startswith(f"{good_image}: The Handwritten Digit is recognised as: ")


def test_bad_inputs_in_json_have_an_error_field(run_cli, model_path, good_image, tmp_path):
    bad = write_bad_inputs(tmp_path)
    status, out, _ = run_cli("predict", "--json", "--model", model_path, *bad, good_image)
    rows = [json.loads(line) for line in out.splitlines()]
    assert status == 1
    assert [("error" in row) for row in rows] == [True] * len(bad) + [False]


@pytest.mark.parametrize("name, content, message", [
    ("model.tflite", None, "no trained model; run `dvc repro` in the project first"),
    ("model.tflite", b"garbage", "not a readable LiteRT model"),
    ("model.onnx", b"garbage", "a model must be a .tflite or .keras file"),
    ("models", "folder", "a folder; a model is a .tflite or .keras file"),
])
def test_missing_or_unreadable_model_is_one_line(run_cli, good_image, tmp_path, name, content, message):
    if content == "folder":
        (tmp_path / name).mkdir()
    elif content is not None:
        (tmp_path / name).write_bytes(content)
    status, out, err = run_cli("predict", "--model", str(tmp_path / name), good_image)
    assert status == 1 and out == ""
    assert err.startswith(f"digits: error: {tmp_path / name}: ") and message in err and len(err.splitlines()) == 1


def test_outside_the_project_says_where_it_looked_for_the_model(run_cli, good_image, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    status, out, err = run_cli("predict", good_image)
    assert status == 1 and out == ""
    assert err == f"digits: error: models/model.tflite (looked in {tmp_path}): no trained model; " \
        "run `dvc repro` in the project first, or pass --model PATH\n"


def test_readmes_examples_print_what_the_pipelines_model_prints(run_cli, monkeypatch):
    from tests.conftest import ROOT

    if not (ROOT / "models/model.tflite").exists():
        pytest.skip("README's examples are read with the trained model: run `dvc repro` first")
    block = re.search(r"## Predicting your own images\n\n```\n(.*?)```", (ROOT / "README.md").read_text(), re.S).group(1)
    examples = [(command, output) for command, output in re.findall(r"^\$ (digits [^#\n]*?) *(?:#.*)?\n((?:[^$].*\n)*)", block, re.M) if output]
    assert len(examples) == 3
    monkeypatch.chdir(ROOT)
    confidence = re.compile(r"\(confidence ([0-9.]+)%\)")
    for command, shown in examples:
        status, out, err = run_cli(*shlex.split(command)[1:])
        assert status == 0 and confidence.sub("", out) == confidence.sub("", shown), command
        # Another CPU or TensorFlow build gives the same model to within a few hundredths of a point, not the same bits.
        for printed, written in zip(confidence.findall(out), confidence.findall(shown)):
            assert abs(float(printed) - float(written)) <= 0.5, command
