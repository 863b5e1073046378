import json

import cv2
import numpy as np
import pytest

from tests.test_models import params_with
from digits.models import build_model
from tests.test_images import photo_of_digit


@pytest.fixture(scope="module")
def model_path(tmp_path_factory):
    # An untrained model: these tests check the command's behaviour, not the model's accuracy.
    path = tmp_path_factory.mktemp("model") / "model.keras"
    build_model(params_with(hidden_units=(8,))).save(path)
    return str(path)


@pytest.fixture
def good_image(tmp_path):
    path = tmp_path / "seven.png"
    cv2.imwrite(str(path), photo_of_digit(7))
    return str(path)


def test_predict_prints_the_notebook_sentence(run_cli, model_path, good_image):
    status, out, err = run_cli("predict", "--model", model_path, good_image)
    assert status == 0 and err == ""
    assert out.startswith("The Handwritten Digit is recognised as: ") and "confidence" in out


def test_json_lines_parse(run_cli, model_path, good_image):
    status, out, _ = run_cli("predict", "--json", "--model", model_path, good_image, good_image)
    rows = [json.loads(line) for line in out.splitlines()]
    assert status == 0 and len(rows) == 2
    assert rows[0]["image"] == good_image and rows[0]["digit"] in range(10)
    assert 0 <= rows[0]["confidence"] <= 1 and len(rows[0]["top3"]) == 3


def write_bad_inputs(tmp_path):
    (tmp_path / "empty.png").write_bytes(b"")
    (tmp_path / "text.png").write_text("not an image")
    cv2.imwrite(str(tmp_path / "blank.png"), np.full((60, 60), 245, np.uint8))
    return {
        str(tmp_path / "missing.png"): "file not found",
        str(tmp_path / "empty.png"): "empty file",
        str(tmp_path / "text.png"): "not an image OpenCV can decode",
        str(tmp_path / "blank.png"): "no digit found",
    }


def test_bad_inputs_are_one_line_each_and_the_good_one_is_answered(run_cli, model_path, good_image, tmp_path):
    bad = write_bad_inputs(tmp_path)
    status, out, err = run_cli("predict", "--model", model_path, *bad, good_image)
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


def test_missing_model_says_what_to_run(run_cli, good_image, tmp_path):
    status, out, err = run_cli("predict", "--model", str(tmp_path / "model.keras"), good_image)
    assert status == 1 and out == ""
    assert err.strip() == f"digits: error: {tmp_path / 'model.keras'}: no trained model; run `dvc repro` first"
