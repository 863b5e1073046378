"""digits: handwritten-digit recognition (MNIST) as a reproducible DVC pipeline.

The package is deliberately empty at import time: stages import only the modules they
need, and dvc.yaml lists exactly those modules as each stage's dependencies.
"""

import os

# TensorFlow's C++ start-up chatter (CPU features, missing CUDA) hides the stages' own output;
# warnings and errors from Python still show. A user can set the variable to override this.
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
