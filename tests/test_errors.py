import subprocess
import sys

from digits.errors import DigitsError, run_main


def test_a_digits_error_is_one_line_and_exit_1(capsys):
    def main() -> int:
        raise DigitsError("params.yaml: train.epochs must be >= 1, got 0")

    assert run_main("train", main) == 1
    assert capsys.readouterr().err == "train: error: params.yaml: train.epochs must be >= 1, got 0\n"


def test_objects_are_frozen_before_the_final_collections_at_exit():
    # atexit runs handlers last-registered first, so this one reports after digits.errors' freeze.
    code = "import atexit, gc; atexit.register(lambda: print(gc.get_freeze_count())); import digits.errors"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert int(result.stdout) > 1000
