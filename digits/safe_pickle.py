"""Load a pickle that may contain nothing but NumPy arrays.

`pickle.load` runs whatever code the file names, so an ordinary unpickler is never used on
downloaded data. This one admits only the globals NumPy needs to rebuild an array; any other
global is refused before anything is constructed.
"""

from __future__ import annotations

import io
import pickle

import numpy as np

try:  # NumPy 2 moved the array internals to numpy._core; old pickles still name numpy.core.
    from numpy._core.multiarray import _reconstruct
except ImportError:  # pragma: no cover - NumPy 1.x
    from numpy.core.multiarray import _reconstruct

_ALLOWED_GLOBALS = {
    ("numpy.core.multiarray", "_reconstruct"): _reconstruct,
    ("numpy._core.multiarray", "_reconstruct"): _reconstruct,
    ("numpy", "ndarray"): np.ndarray,
    ("numpy", "dtype"): np.dtype,
}


class _NumpyOnlyUnpickler(pickle.Unpickler):
    def find_class(self, module: str, name: str) -> object:
        try:
            return _ALLOWED_GLOBALS[(module, name)]
        except KeyError:
            raise pickle.UnpicklingError(f"refusing to load {module}.{name}: only NumPy arrays are allowed") from None


def load_numpy_pickle(data: bytes) -> object:
    """Unpickle `data`, which may reference NumPy array constructors and nothing else.

    Python 2 pickles store byte strings that NumPy needs as raw bytes, hence latin-1.
    """
    return _NumpyOnlyUnpickler(io.BytesIO(data), encoding="latin1").load()
