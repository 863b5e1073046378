import shutil

import pytest
import yaml

from digits.params import ParamsError, TrainParams, load_params
from tests.conftest import ROOT


@pytest.fixture
def params_file(tmp_path):
    path = tmp_path / "params.yaml"
    shutil.copy(ROOT / "params.yaml", path)
    return path


def edit(path, section, key, value):
    params = yaml.safe_load(path.read_text())
    if value is DELETE:
        del params[section][key]
    else:
        params[section][key] = value
    path.write_text(yaml.safe_dump(params))


DELETE = object()


def test_project_params_load():
    params = load_params("train", ROOT / "params.yaml")
    assert isinstance(params, TrainParams)
    assert params.hidden_units == (50, 50) and isinstance(params.learning_rate, float)


@pytest.mark.parametrize(
    "section, key, value, message",
    [
        ("train", "epoch", 3, "unknown key train.epoch; allowed: model, hidden_units"),
        ("train", "epochs", "ten", "train.epochs is 'ten'; expected a whole number >= 1"),
        ("train", "epochs", 2.5, "train.epochs is 2.5; expected a whole number >= 1"),
        ("train", "epochs", 0, "train.epochs is 0; expected a whole number >= 1"),
        ("train", "epochs", True, "train.epochs is True"),
        ("train", "batch_size", -1, "train.batch_size is -1"),
        ("train", "learning_rate", 0, "train.learning_rate is 0; expected a number > 0.0"),
        ("train", "learning_rate", "1e-3", "train.learning_rate is '1e-3'; expected a number"),
        ("train", "model", "resnet", "train.model is 'resnet'; expected one of mlp"),
        ("train", "hidden_units", [], "train.hidden_units is []; expected a non-empty list"),
        ("train", "hidden_units", [50, 0], "train.hidden_units is 0"),
        ("train", "seed", DELETE, "train.seed is missing"),
        ("non_digits", "kinds", ["letter", "star"], "non_digits.kinds is 'star'; expected one of letter, scribble, shape"),
        ("non_digits", "kinds", [], "non_digits.kinds is []; expected a non-empty list, each one of letter"),
        ("non_digits", "kinds", "letter", "non_digits.kinds is 'letter'; expected a non-empty list"),
        ("preprocess", "validation_size", 0, "preprocess.validation_size is 0"),
        ("evaluate", "misclassified_shown", 101, "evaluate.misclassified_shown is 101; expected a whole number >= 1 and <= 100"),
    ],
)
def test_bad_values_name_the_key(params_file, section, key, value, message):
    edit(params_file, section, key, value)
    with pytest.raises(ParamsError, match=message.replace("[", r"\[").replace("(", r"\(")):
        load_params(section, params_file)


def test_unknown_section_is_refused(params_file):
    params_file.write_text(params_file.read_text() + "\ntrian:\n  epochs: 3\n")
    with pytest.raises(ParamsError, match="unknown section 'trian'"):
        load_params("train", params_file)


def test_missing_file_says_where_to_run(tmp_path):
    with pytest.raises(ParamsError, match="not found .run from the project's root directory"):
        load_params("train", tmp_path / "params.yaml")
