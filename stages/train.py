"""Train the model chosen in params.yaml on the train split, logging each epoch with dvclive.

dvc.yaml: python stages/train.py data/prepared/train.npz data/prepared/validation.npz data/prepared/non_digits.npz
          data/prepared/font_digits.npz models/model.keras reports/train
"""

import argparse
import sys
from pathlib import Path

import numpy as np

# digits.* first: it imports TensorFlow quietly (digits/backend.py) before dvclive.keras would.
from digits.data import load_images, load_split
from digits.errors import run_main
from digits.files import atomic_path
from digits.models import build_model
from digits.params import load_params
from digits.training import distribution_strategy, make_deterministic, train_model, use_threads, with_non_digits
from dvclive import Live
from dvclive.keras import DVCLiveCallback


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("train_split", type=Path)
    parser.add_argument("validation_split", type=Path)
    parser.add_argument("non_digits", type=Path, help="images taught as no digit when train.outlier_exposure > 0")
    parser.add_argument("font_digits", type=Path, help="typeset digits trained on beside the train split (may hold none)")
    parser.add_argument("model_path", type=Path)
    parser.add_argument("live_dir", type=Path, help="dvclive's metrics.json and per-epoch plots")
    args = parser.parse_args(argv)
    params = load_params("train")

    # Load the data before seeding, so that nothing else draws from the seeded generators.
    train, validation = load_split(args.train_split), load_split(args.validation_split)
    font_digits = load_split(args.font_digits)
    train = (np.concatenate([train[0], font_digits[0]]), np.concatenate([train[1], font_digits[1]]))
    if params.outlier_exposure > 0:
        train = with_non_digits(train, load_images(args.non_digits))
    use_threads(params.intra_op_threads)
    make_deterministic(params.seed)
    # Variables made in the strategy's scope are mirrored on each device (params: train.distribute).
    with distribution_strategy(params.distribute).scope():
        model = build_model(params)
        # Train; dvclive writes train/ and eval/ loss and accuracy after every epoch.
        live = Live(str(args.live_dir), dvcyaml=None, save_dvc_exp=False)
        history = train_model(model, train, validation, params, callbacks=[DVCLiveCallback(live=live)])

    with atomic_path(args.model_path) as temporary:
        model.save(temporary)
    print(
        f"train: {len(train[0])} images ({len(font_digits[0])} typeset digits), {params.epochs} epochs, "
        f"val_accuracy {history.history['val_accuracy'][-1]:.4f} -> {args.model_path}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(run_main("train", main))
