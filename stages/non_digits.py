"""Draw the images that are not digits (letters, scribbles, shapes, textures, ...) for outlier exposure.

dvc.yaml: python stages/non_digits.py data/prepared/non_digits.npz
"""

import argparse
import sys
from pathlib import Path

from digits.data import save_images
from digits.errors import run_main
from digits.params import load_params
from digits.synthetic import non_digits


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("output", type=Path)
    args = parser.parse_args(argv)
    params = load_params("non_digits")

    save_images(args.output, non_digits(params.count, params.seed, params.kinds))
    print(f"non_digits: {params.count} images ({', '.join(params.kinds)}) -> {args.output}")
    return 0


if __name__ == "__main__":
    sys.exit(run_main("non_digits", main))
