"""REFERENCE COPY of the original notebook's training code, kept as written, for benchmarks only.

Not part of the project: benchmarks/train_presets.py times this whole process as the baseline.
One change, marked below: the notebook calls keras.datasets.mnist.load_data(), whose host is not
reachable on every machine, so the same 60,000 + 10,000 images are read from data/raw instead.
"""

import sys
from pathlib import Path

import keras
import numpy as np

# --- changed: data from data/raw (identical arrays to keras.datasets.mnist.load_data()) ---
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from digits.idx import read_idx_pair  # noqa: E402

raw = Path(sys.argv[1] if len(sys.argv) > 1 else "data/raw")
X_train, y_train = read_idx_pair(raw / "train-images-idx3-ubyte", raw / "train-labels-idx1-ubyte")
X_test, y_test = read_idx_pair(raw / "t10k-images-idx3-ubyte", raw / "t10k-labels-idx1-ubyte")
# --- end of change ---

X_train = X_train / 255
X_test = X_test / 255

model = keras.Sequential([
    keras.layers.Flatten(input_shape=(28, 28)),
    keras.layers.Dense(50, activation="relu"),
    keras.layers.Dense(50, activation="relu"),
    keras.layers.Dense(10, activation="sigmoid"),
])
model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
model.fit(X_train, y_train, epochs=10)

loss, accuracy = model.evaluate(X_test, y_test)
print(f"notebook test accuracy: {accuracy:.4f}")
y_predicted = model.predict(X_test)
y_predicted_labels = [np.argmax(i) for i in y_predicted]
print(f"notebook parameters: {model.count_params()}")
