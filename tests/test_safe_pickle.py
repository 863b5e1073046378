import os
import pickle

import numpy as np
import pytest

from digits.safe_pickle import load_numpy_pickle


def test_loads_numpy_arrays():
    arrays = ((np.arange(6, dtype=np.float32).reshape(2, 3), np.array([1, 2])), (np.zeros(2), np.ones(1)))
    loaded = load_numpy_pickle(pickle.dumps(arrays, protocol=4))
    np.testing.assert_array_equal(loaded[0][0], arrays[0][0])
    assert loaded[0][0].dtype == np.float32


class RunsCode:
    def __reduce__(self):
        return (os.system, ("echo pwned",))


@pytest.mark.parametrize(
    "payload",
    [RunsCode(), pickle.loads(pickle.dumps(np.float64(1.5))), {"set": {1, 2}}],
    ids=["os.system", "numpy-scalar", "builtins-set"],
)
def test_refuses_any_other_global(payload):
    with pytest.raises(pickle.UnpicklingError, match="refusing to load"):
        load_numpy_pickle(pickle.dumps(payload, protocol=2))
