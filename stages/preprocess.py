"""Parse the raw IDX files, split validation off the training set, store compact uint8 arrays.

dvc.yaml: python stages/preprocess.py data/raw data/prepared reports/class_balance.png
"""

import argparse
import sys
from pathlib import Path

from digits.data import save_split, split_validation
from digits.errors import run_main
from digits.idx import read_idx_pair
from digits.params import load_params
from digits.plots import plot_class_balance, save_figure


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("raw_dir", type=Path)
    parser.add_argument("prepared_dir", type=Path)
    parser.add_argument("balance_figure", type=Path)
    args = parser.parse_args(argv)
    params = load_params("preprocess")

    # Read and check the canonical files.
    train_images, train_labels = read_idx_pair(args.raw_dir / "train-images-idx3-ubyte", args.raw_dir / "train-labels-idx1-ubyte")
    test_images, test_labels = read_idx_pair(args.raw_dir / "t10k-images-idx3-ubyte", args.raw_dir / "t10k-labels-idx1-ubyte")

    # Hold out the validation split; the test split is kept apart for evaluate alone.
    train, validation = split_validation(train_images, train_labels, params.validation_size, params.seed)
    splits = {"train": train, "validation": validation, "test": (test_images, test_labels)}
    for name, (images, labels) in splits.items():
        save_split(args.prepared_dir / f"{name}.npz", images, labels)

    save_figure(plot_class_balance({name: labels for name, (_, labels) in splits.items()}), args.balance_figure)
    sizes = ", ".join(f"{len(labels)} {name}" for name, (_, labels) in splits.items())
    print(f"preprocess: {sizes} -> {args.prepared_dir}")
    return 0


if __name__ == "__main__":
    sys.exit(run_main("preprocess", main))
