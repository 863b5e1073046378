import keras
import numpy as np
import pytest

from digits.errors import DigitsError
from digits.models import build_mlp, load_model
from digits.params import TrainParams
from digits.training import make_deterministic, train_model
from tests.conftest import synthetic_mnist


def test_mlp_matches_the_notebook():
    model = build_mlp((50, 50))
    # 784*50+50, 50*50+50, 50*10+10 weights: the notebook's network.
    assert model.count_params() == 42310
    probabilities = model.predict(np.zeros((2, 28, 28), np.uint8), verbose=0)
    assert probabilities.shape == (2, 10)
    np.testing.assert_allclose(probabilities.sum(axis=1), 1, rtol=1e-5)


def test_model_scales_raw_pixels_itself():
    model = build_mlp((8,))
    assert model.inputs[0].dtype == "uint8"
    assert isinstance(model.layers[1], keras.layers.Rescaling)


def test_a_few_steps_lower_the_loss():
    make_deterministic(0)
    images, labels = synthetic_mnist(256, seed=0)
    params = TrainParams(model="mlp", hidden_units=(32,), epochs=3, batch_size=32, learning_rate=0.003, seed=0)
    history = train_model(build_mlp(params.hidden_units), (images, labels), (images[:64], labels[:64]), params, [])
    assert history.history["loss"][-1] < history.history["loss"][0]


def test_saved_model_loads_in_safe_mode(tmp_path):
    model = build_mlp((4,))
    model.save(tmp_path / "m.keras")
    loaded = load_model(tmp_path / "m.keras")
    sample = np.full((1, 28, 28), 128, np.uint8)
    np.testing.assert_allclose(loaded.predict(sample, verbose=0), model.predict(sample, verbose=0))


@pytest.mark.parametrize("name, message", [("m.h5", "only .keras models"), ("missing.keras", "run `dvc repro` first")])
def test_load_model_refuses(tmp_path, name, message):
    with pytest.raises(DigitsError, match=message):
        load_model(tmp_path / name)
