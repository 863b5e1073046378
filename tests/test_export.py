import numpy as np
import pytest

from digits import export
from digits.errors import DigitsError
from digits.export import export_litert
from digits.models import build_model
from digits.predictor import LITERT_BATCH, load_predictor
from tests.conftest import synthetic_mnist
from tests.test_models import params_with


@pytest.fixture(scope="module")
def model():
    return build_model(params_with(model="cnn", filters=(4, 8), hidden_units=(8,), dropout=0.2))


def test_litert_model_predicts_as_keras_does(model, tmp_path):
    images, _ = synthetic_mnist(50, seed=3)
    agreement = export_litert(model, tmp_path / "m.tflite", images)
    assert agreement == 1.0
    litert = load_predictor(tmp_path / "m.tflite")
    np.testing.assert_allclose(litert(images), model.predict(images, verbose=0), atol=1e-5)
    assert litert(images[:1]).shape == (1, 10)  # the input is resized to each batch


def test_litert_reads_more_images_than_one_call_takes(model, tmp_path):
    images, _ = synthetic_mnist(LITERT_BATCH * 2 + 7, seed=4)
    export_litert(model, tmp_path / "m.tflite", images[:50])
    together = load_predictor(tmp_path / "m.tflite")(images)
    assert together.shape == (len(images), 10)
    np.testing.assert_allclose(together, model.predict(images, verbose=0), atol=1e-5)


def test_disagreeing_export_leaves_no_file(model, tmp_path, monkeypatch):
    # A converted model that answers 0, 1, 2, ... whatever the image.
    monkeypatch.setattr(export, "litert_predictor", lambda path: lambda images: np.eye(10)[np.arange(len(images)) % 10])
    images, _ = synthetic_mnist(50, seed=3)
    with pytest.raises(DigitsError, match="agrees with the Keras model on only"):
        export_litert(model, tmp_path / "m.tflite", images)
    assert list(tmp_path.iterdir()) == []


def test_unreadable_model_is_one_error(tmp_path):
    (tmp_path / "m.tflite").write_bytes(b"not a flatbuffer")
    with pytest.raises(DigitsError, match="m.tflite: not a readable LiteRT model"):
        load_predictor(tmp_path / "m.tflite")
