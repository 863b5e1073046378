"""Download MNIST's four IDX files into data/raw, verified, from the first source that works.

dvc.yaml: python stages/download.py data/raw
Environment: DIGITS_MNIST_MIRROR (a URL or directory tried first), DIGITS_CACHE_DIR,
DIGITS_MNIST_SPEC (a JSON description of another MNIST-format data set; see docs/pipeline.md).
"""

import argparse
import os
import sys

from digits.download import MNIST, download_mnist, load_spec
from digits.errors import run_main


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("raw_dir", help="where the four IDX files are written")
    args = parser.parse_args(argv)

    spec_path = os.environ.get("DIGITS_MNIST_SPEC")
    spec = load_spec(spec_path) if spec_path else MNIST
    source = download_mnist(args.raw_dir, spec, mirror=os.environ.get("DIGITS_MNIST_MIRROR"))
    print(f"download: {'MNIST' if spec == MNIST else spec_path} from {source} -> {args.raw_dir}")
    return 0


if __name__ == "__main__":
    sys.exit(run_main("download", main))
