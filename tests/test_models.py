import dataclasses

import keras
import numpy as np
import pytest
import yaml

from digits.errors import DigitsError
from digits.models import build_model, load_model
from digits.params import load_params
from digits.training import learning_rate, make_deterministic, train_model
from tests.conftest import ROOT, synthetic_mnist

PRESETS = yaml.safe_load((ROOT / "benchmarks/presets.yaml").read_text())
ALLOWED_LAYERS = {"InputLayer", "Rescaling", "Reshape", "Flatten", "Conv2D", "BatchNormalization", "ReLU", "Dropout", "Dense"}


def params_with(**overrides):
    return dataclasses.replace(load_params("train", ROOT / "params.yaml"), **overrides)


def preset_params(name):
    overrides = {dotted.split(".")[1]: value for dotted, value in (PRESETS[name] or {}).items() if dotted.startswith("train.")}
    overrides = {key: tuple(value) if isinstance(value, list) else value for key, value in overrides.items()}
    return params_with(**overrides)


def test_default_mlp_is_the_notebooks_network():
    model = build_model(params_with())
    # 784*50+50, 50*50+50, 50*10+10 weights: the notebook's network.
    assert model.count_params() == 42310
    probabilities = model.predict(np.zeros((2, 28, 28), np.uint8), verbose=0)
    assert probabilities.shape == (2, 10)
    np.testing.assert_allclose(probabilities.sum(axis=1), 1, rtol=1e-5)


def test_model_scales_raw_pixels_itself():
    model = build_model(params_with())
    assert model.inputs[0].dtype == "uint8"
    assert isinstance(model.layers[1], keras.layers.Rescaling)


@pytest.mark.parametrize("name", list(PRESETS))
def test_every_preset_builds_a_digit_classifier(name):
    params = preset_params(name)
    model = build_model(params)
    assert model.output_shape == (None, 10)
    assert 10_000 < model.count_params() < 3_000_000
    if params.model == "cnn":
        assert any(isinstance(layer, keras.layers.Conv2D) for layer in model.layers)


@pytest.mark.parametrize("model", ["mlp", "cnn"])
def test_a_few_steps_lower_the_loss(model):
    make_deterministic(0)
    images, labels = synthetic_mnist(256, seed=0)
    params = params_with(model=model, hidden_units=(32,), filters=(8, 16), epochs=3, learning_rate=0.003,
                         batch_norm=True, dropout=0.1, schedule="cosine", warmup_epochs=0.5, label_smoothing=0.1)
    history = train_model(build_model(params), (images, labels), (images[:64], labels[:64]), params, [])
    assert history.history["loss"][-1] < history.history["loss"][0]


def test_weight_decay_shrinks_the_weights():
    images, labels = synthetic_mnist(256, seed=0)

    def weight_norm(weight_decay):
        make_deterministic(0)
        params = params_with(model="mlp", hidden_units=(16,), epochs=5, batch_size=32, schedule="constant",
                             weight_decay=weight_decay)
        model = build_model(params)
        train_model(model, (images, labels), (images[:64], labels[:64]), params, [])
        return sum(float(np.sum(np.square(w))) for w in model.get_weights())

    # Same seed, same batches: only the decay differs.
    assert weight_norm(0.5) < 0.99 * weight_norm(0.0)


def test_models_hold_no_augmentation_layers():
    # Augmentation happens in the training input pipeline (digits.augment), never in the model.
    params = params_with(model="cnn", augment_shift=0.1, augment_rotation=15, augment_zoom=0.1)
    model = build_model(params)
    assert all(layer.__class__.__name__ in ALLOWED_LAYERS for layer in model.layers), [l.__class__.__name__ for l in model.layers]


def test_cosine_schedule_warms_up_then_decays_to_zero():
    schedule = learning_rate(params_with(schedule="cosine", learning_rate=0.01, warmup_epochs=1, epochs=4), 10)
    rates = [float(schedule(step)) for step in (0, 5, 10, 25, 40)]
    assert rates[0] == 0 and rates[1] == pytest.approx(0.005) and rates[2] == pytest.approx(0.01)
    assert rates[2] > rates[3] > rates[4] and rates[4] == pytest.approx(0, abs=1e-6)


def test_saved_model_loads_in_safe_mode(tmp_path):
    model = build_model(params_with(model="cnn", filters=(4,), hidden_units=(8,), dropout=0.2))
    model.save(tmp_path / "m.keras")
    loaded = load_model(tmp_path / "m.keras")
    sample = np.full((1, 28, 28), 128, np.uint8)
    np.testing.assert_allclose(loaded.predict(sample, verbose=0), model.predict(sample, verbose=0), rtol=1e-6)


@pytest.mark.parametrize("name, message", [("m.h5", "only .keras models"), ("missing.keras", "run `dvc repro` first")])
def test_load_model_refuses(tmp_path, name, message):
    with pytest.raises(DigitsError, match=message):
        load_model(tmp_path / name)


def test_preset_keys_all_exist_in_params_yaml():
    params = yaml.safe_load((ROOT / "params.yaml").read_text())
    for name, overrides in PRESETS.items():
        for dotted in overrides or {}:
            section, key = dotted.split(".")
            assert key in params[section], f"preset {name}: {dotted} is not in params.yaml"


def test_readme_shows_each_preset_as_a_dvc_exp_run_line():
    readme = (ROOT / "README.md").read_text()
    for name, overrides in PRESETS.items():
        line = "dvc exp run" + "".join(f" -S {set_argument(key, value)}" for key, value in (overrides or {}).items())
        assert line in readme, f"README lacks the line for preset {name}: {line}"


def set_argument(key, value):
    """How README writes `-S key=value`: lists without spaces or quotes and quoted for the shell, booleans in lower case."""
    text = str(value).replace(" ", "").replace("'", "").replace("True", "true").replace("False", "false")
    return f"'{key}={text}'" if isinstance(value, list) else f"{key}={text}"
