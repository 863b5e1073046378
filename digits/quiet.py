"""Keep native libraries' start-up messages off the terminal; DIGITS_VERBOSE=1 shows them.

TensorFlow and LiteRT write straight to file descriptor 2 from C++ (CUDA probes on a machine with
no GPU, CPU-feature notes, converter chatter), below anything Python's logging or warnings control.
"""

from __future__ import annotations

import contextlib
import os
import sys
import tempfile
from collections.abc import Iterator

VERBOSE = "DIGITS_VERBOSE"


def verbose() -> bool:
    return os.environ.get(VERBOSE, "") not in ("", "0")


@contextlib.contextmanager
def native_stderr_hidden() -> Iterator[None]:
    """Hold back what the block writes to stderr; show it only if the block raises (or DIGITS_VERBOSE is set)."""
    if verbose():
        yield
        return
    sys.stderr.flush()
    saved = os.dup(2)
    with tempfile.TemporaryFile() as held:
        os.dup2(held.fileno(), 2)
        try:
            yield
        except BaseException:
            _restore(saved)
            held.seek(0)
            sys.stderr.write(held.read().decode(errors="replace"))
            raise
        _restore(saved)


def _restore(saved: int) -> None:
    sys.stderr.flush()
    os.dup2(saved, 2)
    os.close(saved)
