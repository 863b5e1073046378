"""Write files atomically, so an interrupted stage never leaves a half-written output."""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path

from digits.errors import DigitsError


@contextlib.contextmanager
def atomic_path(path: str | os.PathLike) -> Iterator[Path]:
    """Yield a temporary path beside `path`; move it onto `path` only if the block succeeds.

    The temporary file keeps the target's suffix because some writers (Keras, matplotlib)
    choose the format from it. It lives in the same directory so the final rename is atomic.
    """
    path = Path(path)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=f".tmp{path.suffix}")
    except (FileExistsError, NotADirectoryError):
        blocking = next((parent for parent in path.parents if parent.exists() and not parent.is_dir()), path.parent)
        raise DigitsError(f"{path}: cannot write it ({blocking} is a file, not a folder)") from None
    except OSError as error:
        raise DigitsError(f"{path}: cannot write it ({error.strerror})") from None
    os.close(handle)
    temporary = Path(temporary)
    # mkstemp makes the file private (0600); give it the permissions an ordinary new file gets.
    umask = os.umask(0)
    os.umask(umask)
    os.chmod(temporary, 0o666 & ~umask)
    try:
        yield temporary
        os.replace(temporary, path)
    finally:
        temporary.unlink(missing_ok=True)


def write_bytes_atomic(path: str | os.PathLike, data: bytes) -> None:
    with atomic_path(path) as temporary:
        temporary.write_bytes(data)


def write_text_atomic(path: str | os.PathLike, text: str) -> None:
    with atomic_path(path) as temporary:
        temporary.write_text(text, encoding="utf-8")
