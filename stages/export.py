"""Convert the trained Keras model to LiteRT, checking on the validation split that both agree.

dvc.yaml: python stages/export.py models/model.keras data/prepared/validation.npz models/model.tflite
"""

import argparse
import sys
from pathlib import Path

from digits.data import load_split
from digits.errors import run_main
from digits.export import export_litert
from digits.models import load_model


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("model_path", type=Path)
    parser.add_argument("validation_split", type=Path)
    parser.add_argument("litert_path", type=Path)
    args = parser.parse_args(argv)

    model = load_model(args.model_path)
    images, _ = load_split(args.validation_split)
    agreement = export_litert(model, args.litert_path, images)
    print(f"export: LiteRT and Keras agree on {agreement:.2%} of {len(images)} validation images -> {args.litert_path}")
    return 0


if __name__ == "__main__":
    sys.exit(run_main("export", main))
