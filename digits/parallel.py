"""Run one function over many items on every core: image preparation is CPU-bound Python and OpenCV."""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor

import cv2

PROGRESS_AFTER = 1.0  # seconds before a progress bar shows: a quick run prints nothing


def on_every_core(function: Callable, items: list, fewest: int, progress: str | None = None) -> list:
    """[function(item) for item in items], in worker processes when there are at least `fewest` items
    (below that, starting the processes costs more than it saves) and more than one core.

    With `progress`, a bar of that name on stderr when it is a terminal and the work takes more
    than PROGRESS_AFTER seconds; it is erased at the end.
    """
    def counted(results):
        if not progress or not sys.stderr.isatty():
            return results
        # Imported here: tqdm takes about 25 ms to import, a tenth of reading one photo (`digits predict`).
        from tqdm import tqdm

        return tqdm(results, total=len(items), desc=progress, unit="image", delay=PROGRESS_AFTER, leave=False)

    cores = os.cpu_count() or 1
    if len(items) < fewest or cores == 1:
        return [function(item) for item in counted(items)]
    # Each worker takes whole items; OpenCV's own threads would only contend with them.
    # (Set before forking: changing it inside a forked child can deadlock.)
    cv2.setNumThreads(1)
    with ProcessPoolExecutor() as pool:
        return list(counted(pool.map(function, items, chunksize=max(1, min(16, len(items) // (8 * cores))))))
