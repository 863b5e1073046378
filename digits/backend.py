"""TensorFlow and Keras, imported quietly: every module that needs them imports them from here."""

import contextlib
import os
import sys
from collections.abc import Iterator

from digits.quiet import native_stderr_hidden, verbose

# Keras imports these at start-up when they are installed (seaborn brings the first two), each in a
# `try: import ... except ImportError`, for features this project never asks of it: image galleries,
# pandas DataFrames as training data, notebook file editing. Together 1.0-2.0 s of the 5-8 s import
# on 2 cores, 5-10 % of the default train stage (docs/benchmarks.md). During the import they look
# uninstalled; afterwards they import as usual (digits.plots imports pyplot itself).
SKIPPED_AT_IMPORT = ("matplotlib", "pandas", "IPython")


@contextlib.contextmanager
def modules_hidden(names: tuple[str, ...]) -> Iterator[None]:
    """Within the block, `import name` raises ImportError for each name not imported yet."""
    hidden = [name for name in names if name not in sys.modules]
    sys.modules.update(dict.fromkeys(hidden, None))  # None in sys.modules makes import raise ImportError
    try:
        yield
    finally:
        for name in hidden:
            if sys.modules.get(name, ...) is None:
                del sys.modules[name]


if not verbose():
    # Later C++ INFO and WARNING lines (the LiteRT converter's, say); errors still show.
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

# The start-up lines come before TensorFlow reads TF_CPP_MIN_LOG_LEVEL: absl's "All log messages
# before absl::InitializeLog()", the CUDA stub, the CPU-feature note, and at the first device
# query "failed call to cuInit" on a machine with no GPU. So both the import and that query run here.
with native_stderr_hidden(), modules_hidden(SKIPPED_AT_IMPORT):
    import keras
    import tensorflow as tf

    tf.config.list_physical_devices()

__all__ = ["keras", "tf"]
