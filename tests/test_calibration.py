import json

import numpy as np
import pytest

from digits.calibration import (Calibration, answer_kinds, calibrate, calibration_path, confidence_for_risk, digit_mass,
                                file_sha256, fit_calibration, fit_temperature, load_calibration, number_answer,
                                save_calibration)
from digits.errors import DigitsError


def overconfident(count: int, temperature: float, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Probabilities that become calibrated when divided by `temperature`: labels drawn from the calibrated ones."""
    rng = np.random.default_rng(seed)
    logits = rng.normal(0, 3, (count, 10))
    calibrated = np.exp(logits) / np.exp(logits).sum(axis=1, keepdims=True)
    labels = np.array([rng.choice(10, p=p) for p in calibrated])
    sharp = np.exp(logits / temperature)
    return sharp / sharp.sum(axis=1, keepdims=True), labels


def test_fit_temperature_recovers_the_temperature_that_made_the_data():
    probabilities, labels = overconfident(4000, temperature=0.5)
    assert fit_temperature(probabilities, labels) == pytest.approx(2.0, rel=0.1)


def test_calibrate_keeps_the_ranking_and_sums_to_one():
    probabilities, _ = overconfident(50, temperature=0.5)
    calibrated = calibrate(probabilities, 2.0)
    assert np.allclose(calibrated.sum(axis=1), 1)
    assert (calibrated.argmax(axis=1) == probabilities.argmax(axis=1)).all()
    assert (calibrated.max(axis=1) < probabilities.max(axis=1)).all()  # softened


def test_confidence_for_risk_answers_the_most_with_at_most_that_risk():
    # Top probabilities 0.9 ... 0.5; the two least confident answers are wrong.
    calibrated = np.zeros((5, 10))
    calibrated[:, 0] = [0.9, 0.8, 0.7, 0.6, 0.5]
    labels = np.array([0, 0, 0, 1, 1])
    assert confidence_for_risk(calibrated, labels, 0.0) == 0.7
    assert confidence_for_risk(calibrated, labels, 0.25) == 0.6  # 1 wrong in 4
    labels[0] = 1  # even the surest is wrong
    assert confidence_for_risk(calibrated, labels, 0.0) == 1.0


def test_the_three_answers():
    calibration = Calibration(1.0, min_confidence=0.9, min_digit_mass=0.6, model_sha256="")
    sure, torn, flat = np.full(10, 0.005), np.full(10, 0.01), np.full(10, 0.1)
    sure[3], torn[3], torn[8] = 0.955, 0.5, 0.42
    assert digit_mass(np.stack([torn]))[0] == pytest.approx(0.92)
    assert answer_kinds(np.stack([sure, torn, flat]), calibration) == ["digit", "unsure", "not_a_digit"]
    assert number_answer(["digit", "digit"]) == "digit"
    assert number_answer(["digit", "not_a_digit"]) == "unsure"
    assert number_answer(["not_a_digit", "not_a_digit"]) == "not_a_digit"


def test_fit_calibration_meets_its_risk_on_the_data_it_was_fitted_on():
    probabilities, labels = overconfident(3000, temperature=0.4, seed=1)
    calibration = fit_calibration(probabilities, labels, risk=0.05, not_a_digit_share=0.01, model_sha256="x")
    calibrated = calibrate(probabilities, calibration.temperature)
    answers = np.array(answer_kinds(probabilities, calibration))
    answered = answers == "digit"
    assert 0 < answered.mean() < 1
    assert np.mean(calibrated.argmax(axis=1)[answered] != labels[answered]) <= 0.05
    assert np.mean(answers == "not_a_digit") == pytest.approx(0.01, abs=0.002)


def test_load_calibration_checks_it_belongs_to_the_model(tmp_path):
    model = tmp_path / "model.tflite"
    model.write_bytes(b"first model")
    with pytest.raises(DigitsError, match="model.calibration.json: missing; the model .* has no calibration"):
        load_calibration(model)
    saved = Calibration(1.5, 0.9, 0.5, file_sha256(model))
    save_calibration(calibration_path(model), saved)
    assert load_calibration(model) == saved
    model.write_bytes(b"retrained model")
    with pytest.raises(DigitsError, match="fitted to another version of .*model.tflite \\(stale\\); run `dvc repro`"):
        load_calibration(model)
    calibration_path(model).write_text(json.dumps({"temperature": 1}))
    with pytest.raises(DigitsError, match="not a calibration file"):
        load_calibration(model)
    # Written before the format was marked (its min_digit_mass was after the temperature): refitted, not read.
    older = {"temperature": 0.4, "min_confidence": 0.9, "min_digit_mass": 0.88, "model_sha256": file_sha256(model)}
    calibration_path(model).write_text(json.dumps(older))
    with pytest.raises(DigitsError, match="written by another version of digits \\(calibration format 1, this one reads 2\\); "
                                          "run `dvc repro` to refit it"):
        load_calibration(model)


def test_a_keras_model_beside_the_litert_calibration_is_pointed_to_the_tflite(tmp_path):
    litert, keras_model = tmp_path / "model.tflite", tmp_path / "model.keras"
    litert.write_bytes(b"exported")
    keras_model.write_bytes(b"trained")
    save_calibration(calibration_path(litert), Calibration(1.0, 0.9, 0.5, file_sha256(litert)))
    with pytest.raises(DigitsError, match="fitted to the LiteRT export, not to .*model.keras; pass --model .*model.tflite"):
        load_calibration(keras_model)


def test_views_made_on_every_core_are_those_made_in_order():
    from digits.calibration import views_of_mnist_digits
    from digits.photo import mnist_views
    from tests.conftest import synthetic_mnist

    images, _ = synthetic_mnist(600, seed=5)  # enough to use worker processes
    parallel = views_of_mnist_digits(images)
    assert len(parallel) == 600
    assert all((views == mnist_views(image)).all() for views, image in zip(parallel, images))
