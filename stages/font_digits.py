"""Typeset digits in OpenCV's plain Hershey faces, trained on beside MNIST's handwritten ones.

dvc.yaml: python stages/font_digits.py data/prepared/font_digits.npz
"""

import argparse
import sys
from pathlib import Path

from digits.data import save_split
from digits.errors import run_main
from digits.params import load_params
from digits.synthetic import font_digits


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("output", type=Path)
    args = parser.parse_args(argv)
    params = load_params("font_digits")

    save_split(args.output, *font_digits(params.count, params.seed))
    print(f"font_digits: {params.count} typeset digits -> {args.output}")
    return 0


if __name__ == "__main__":
    sys.exit(run_main("font_digits", main))
