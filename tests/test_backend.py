import importlib
import sys

import pytest

from digits.backend import SKIPPED_AT_IMPORT, modules_hidden


def test_a_hidden_module_cannot_be_imported_in_the_block_and_can_after():
    sys.modules.pop("tabnanny", None)
    with modules_hidden(("tabnanny",)):
        with pytest.raises(ImportError):
            importlib.import_module("tabnanny")
    assert importlib.import_module("tabnanny").__name__ == "tabnanny"


def test_a_module_already_imported_stays_importable():
    import json

    with modules_hidden(("json",)):
        assert importlib.import_module("json") is json


def test_importing_the_backend_leaves_the_skipped_modules_importable():
    # digits.backend was imported above; seaborn's figures need pandas and matplotlib afterwards.
    for name in SKIPPED_AT_IMPORT:
        assert sys.modules.get(name, ...) is not None
    importlib.import_module("pandas")
    importlib.import_module("matplotlib.pyplot")
