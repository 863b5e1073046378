"""Load one section of params.yaml into a frozen dataclass, refusing anything unexpected.

DVC reruns a stage when a param it tracks changes, but a mistyped key would otherwise be
silently ignored; here every key must be known, of the right type and in range.
"""

from __future__ import annotations

import os
import typing
from dataclasses import dataclass, field, fields
from pathlib import Path

import yaml

from digits.errors import DigitsError


class ParamsError(DigitsError):
    """params.yaml is missing, unreadable, or has a key that is unknown, mistyped or out of range."""


@dataclass(frozen=True)
class PreprocessParams:
    validation_size: int = field(metadata={"min": 1})  # training images held out for validation
    seed: int = field(metadata={"min": 0})  # seed of the train/validation split


@dataclass(frozen=True)
class TrainParams:
    model: str = field(metadata={"choices": ("mlp", "cnn")})  # architecture
    hidden_units: tuple[int, ...] = field(metadata={"min": 1})  # units of each hidden Dense layer
    filters: tuple[int, ...] = field(metadata={"min": 1})  # cnn: filters of each conv block
    convs_per_block: int = field(metadata={"min": 1, "max": 4})  # cnn: 3x3 convolutions per block
    batch_norm: bool = field(metadata={})  # cnn: batch normalisation after each convolution
    dropout: float = field(metadata={"min": 0.0, "max": 0.9})  # cnn: dropout rate before each Dense layer
    augment_shift: float = field(metadata={"min": 0.0, "max": 0.5})  # random shift, fraction of the image
    augment_rotation: float = field(metadata={"min": 0.0, "max": 180.0})  # random rotation, degrees
    augment_zoom: float = field(metadata={"min": 0.0, "max": 0.5})  # random zoom, fraction
    augment_elastic: float = field(metadata={"min": 0.0, "max": 5.0})  # elastic distortion, px (RMS displacement)
    augment_pen: float = field(metadata={"min": 0.0, "max": 2.0})  # strokes thicker or thinner, px
    augment_blur: float = field(metadata={"min": 0.0, "max": 3.0})  # Gaussian blur, px (largest sigma)
    epochs: int = field(metadata={"min": 1})  # passes over the training images
    batch_size: int = field(metadata={"min": 1})  # images per gradient step
    learning_rate: float = field(metadata={"above": 0.0})  # Adam's (peak) step size
    schedule: str = field(metadata={"choices": ("constant", "cosine")})  # learning-rate schedule
    warmup_epochs: float = field(metadata={"min": 0.0})  # cosine: linear warm-up length, epochs
    label_smoothing: float = field(metadata={"min": 0.0, "max": 0.5})  # cross-entropy label smoothing
    weight_decay: float = field(metadata={"min": 0.0, "max": 1.0})  # decoupled weight decay, per unit of learning rate
    restore_best: bool = field(metadata={})  # keep the epoch with the best validation accuracy
    jit_compile: bool = field(metadata={})  # compile the training step with XLA
    distribute: str = field(metadata={"choices": ("auto", "mirrored", "off")})  # data parallelism over devices
    intra_op_threads: int = field(metadata={"min": 0})  # threads each TensorFlow op is split across (0 = one per core)
    outlier_exposure: float = field(metadata={"min": 0.0, "max": 5.0})  # weight of the non-digits' loss (0 = off)
    seed: int = field(metadata={"min": 0})  # seed of weight initialisation, shuffling, augmentation


@dataclass(frozen=True)
class NonDigitsParams:
    count: int = field(metadata={"min": 0})  # non-digit images made for outlier exposure
    kinds: tuple[str, ...] = field(metadata={"choices": ("letter", "scribble", "shape", "texture", "calligraphic", "figure")})  # drawn in turn
    seed: int = field(metadata={"min": 0})  # seed of their drawing


@dataclass(frozen=True)
class FontDigitsParams:
    count: int = field(metadata={"min": 0})  # typeset digits added to the training split
    seed: int = field(metadata={"min": 0})  # seed of their faces and pens


@dataclass(frozen=True)
class CalibrateParams:
    photos: int = field(metadata={"min": 0})  # photo-like validation digits made and read as `digits predict` reads a photo
    risk: float = field(metadata={"above": 0.0, "max": 1.0})  # answer "digit" where at most this share of such answers is wrong
    not_a_digit_share: float = field(metadata={"min": 0.0, "max": 1.0})  # validation digits answered "not_a_digit", at most
    seed: int = field(metadata={"min": 0})  # seed of the photo-like digits


@dataclass(frozen=True)
class EvaluateParams:
    misclassified_shown: int = field(metadata={"min": 1, "max": 100})  # digits in the misclassified grid


@dataclass(frozen=True)
class ReportParams:
    top_confusions: int = field(metadata={"min": 0})  # most frequent mistakes listed in report.md


SECTIONS = {"preprocess": PreprocessParams, "non_digits": NonDigitsParams, "font_digits": FontDigitsParams, "train": TrainParams,
            "calibrate": CalibrateParams, "evaluate": EvaluateParams, "report": ReportParams}


def read_params_file(path: str | os.PathLike = "params.yaml") -> dict:
    """Read params.yaml as a mapping of known sections."""
    try:
        params = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ParamsError(f"{path}: not found (run from the project's root directory)") from None
    except (OSError, yaml.YAMLError) as error:
        raise ParamsError(f"{path}: cannot read it ({str(error).splitlines()[0]})") from None
    if not isinstance(params, dict):
        raise ParamsError(f"{path}: expected a mapping of sections ({', '.join(SECTIONS)})")
    for section in params:
        if section not in SECTIONS:
            raise ParamsError(f"{path}: unknown section '{section}'; allowed: {', '.join(SECTIONS)}")
    return params


def load_params(section: str, path: str | os.PathLike = "params.yaml"):
    """Return params.yaml's `section` as its dataclass, or raise ParamsError naming the key at fault."""
    try:
        return _load_section(section, path)
    except ParamsError as error:
        stage = os.environ.get("DVC_STAGE")  # set by DVC for the stage it runs
        if stage is None:
            raise
        raise ParamsError(f"{error}; {_restore_hint(stage)}") from None


def _restore_hint(stage: str) -> str:
    """How to get back what `dvc repro` deleted: it removes a stage's outputs before running its command."""
    try:
        outs = yaml.safe_load((Path(os.environ.get("DVC_ROOT", ".")) / "dvc.yaml").read_text())["stages"][stage]["outs"]
    except (OSError, yaml.YAMLError, KeyError, TypeError):
        outs = []
    # Outputs with `cache: false` are kept in git, not in DVC's cache.
    in_git = [next(iter(out)) for out in outs if isinstance(out, dict) and next(iter(out.values())).get("cache") is False]
    restore = "`dvc checkout`" + (f" and `git checkout -- {' '.join(in_git)}`" if in_git else "")
    return f"DVC removed the stage's previous outputs before it ran: undo the change and run {restore} to get them back"


def _load_section(section: str, path: str | os.PathLike):
    cls = SECTIONS[section]
    values = read_params_file(path).get(section)
    if not isinstance(values, dict):
        raise ParamsError(f"{path}: section '{section}' is missing or not a mapping")
    names = [f.name for f in fields(cls)]
    for key in values:
        if key not in names:
            raise ParamsError(f"{path}: unknown key {section}.{key}; allowed: {', '.join(names)}")
    types = typing.get_type_hints(cls)
    checked = {}
    for f in fields(cls):
        if f.name not in values:
            raise ParamsError(f"{path}: {section}.{f.name} is missing")
        checked[f.name] = _check(values[f.name], types[f.name], f.metadata, f"{path}: {section}.{f.name}")
    return cls(**checked)


def _check(value: object, expected: type, rules: typing.Mapping, where: str) -> object:
    if typing.get_origin(expected) is tuple:
        item_type = typing.get_args(expected)[0]
        if not isinstance(value, list) or not value:
            raise ParamsError(f"{where} is {value!r}; expected a non-empty list, each {_describe(item_type, rules)}")
        return tuple(_check(item, item_type, rules, where) for item in value)
    ok_type = {
        bool: isinstance(value, bool),
        int: isinstance(value, int) and not isinstance(value, bool),
        float: isinstance(value, (int, float)) and not isinstance(value, bool),
        str: isinstance(value, str),
    }[expected]
    in_range = ok_type and (
        value in rules.get("choices", (value,))
        and value >= rules.get("min", value)
        and value <= rules.get("max", value)
        and ("above" not in rules or value > rules["above"])
    )
    if not in_range:
        raise ParamsError(f"{where} is {value!r}; expected {_describe(expected, rules)}")
    return float(value) if expected is float else value


def _describe(expected: type, rules: typing.Mapping) -> str:
    if "choices" in rules:
        return "one of " + ", ".join(rules["choices"])
    if expected is bool:
        return "true or false"
    text = {int: "a whole number", float: "a number", str: "a string"}[expected]
    bounds = [f">= {rules['min']}" if "min" in rules else "", f"> {rules['above']}" if "above" in rules else "",
              f"<= {rules['max']}" if "max" in rules else ""]
    return " ".join([text, " and ".join(b for b in bounds if b)]).strip()
