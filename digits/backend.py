"""TensorFlow and Keras, imported quietly: every module that needs them imports them from here."""

import os

from digits.quiet import native_stderr_hidden, verbose

if not verbose():
    # Later C++ INFO and WARNING lines (the LiteRT converter's, say); errors still show.
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

# The start-up lines come before TensorFlow reads TF_CPP_MIN_LOG_LEVEL: absl's "All log messages
# before absl::InitializeLog()", the CUDA stub, the CPU-feature note, and at the first device
# query "failed call to cuInit" on a machine with no GPU. So both the import and that query run here.
with native_stderr_hidden():
    import keras
    import tensorflow as tf

    tf.config.list_physical_devices()

__all__ = ["keras", "tf"]
