"""Fit the model's confidence to how often it is right, and the thresholds of its three answers.

dvc.yaml: python stages/calibrate.py models/model.tflite data/prepared/validation.npz models/model.calibration.json

Validation digits only, read as `digits predict` reads images (views averaged): as they are, and
photographed (digits.synthetic) then prepared as a photo. The file written is tied to the model.
"""

import argparse
import sys
from pathlib import Path

import numpy as np

from digits.calibration import calibrate, file_sha256, fit_calibration, read_as_predict_does, save_calibration
from digits.data import load_split
from digits.errors import run_main
from digits.evaluation import expected_calibration_error
from digits.params import load_params
from digits.predictor import load_predictor


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("model_path", type=Path)
    parser.add_argument("validation_split", type=Path)
    parser.add_argument("calibration_path", type=Path)
    args = parser.parse_args(argv)
    params = load_params("calibrate")

    images, labels = load_split(args.validation_split)
    clean, photos, photographed = read_as_predict_does(load_predictor(args.model_path), images, params.photos, params.seed)
    both, both_labels = np.concatenate([clean, photos]), np.concatenate([labels, labels[photographed]])
    calibration = fit_calibration(both, both_labels, params.risk, params.not_a_digit_share, file_sha256(args.model_path))
    save_calibration(args.calibration_path, calibration)

    before = expected_calibration_error(both_labels, both)
    after = expected_calibration_error(both_labels, calibrate(both, calibration.temperature))
    print(
        f"calibrate: {len(images)} validation digits and {len(photographed)} photographed; temperature "
        f"{calibration.temperature:.3f}, ECE {before:.4f} -> {after:.4f}; \"digit\" from confidence "
        f"{calibration.min_confidence:.3f}, \"not_a_digit\" below digit mass {calibration.min_digit_mass:.3f} "
        f"-> {args.calibration_path}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(run_main("calibrate", main))
