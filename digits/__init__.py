"""digits: handwritten-digit recognition (MNIST) as a reproducible DVC pipeline.

The package is deliberately empty at import time: stages import only the modules they
need, and dvc.yaml lists exactly those modules as each stage's dependencies.
"""
