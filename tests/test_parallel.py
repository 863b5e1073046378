import os

import pytest

from digits.parallel import on_every_core


def pid_and_square(number: int) -> tuple[int, int]:
    return os.getpid(), number * number


@pytest.mark.skipif((os.cpu_count() or 1) == 1, reason="one core: nothing runs in worker processes")
def test_many_items_run_in_worker_processes_and_come_back_in_order():
    results = on_every_core(pid_and_square, list(range(100)), fewest=50)
    assert [square for _, square in results] == [n * n for n in range(100)]
    assert os.getpid() not in {pid for pid, _ in results}


def test_few_items_run_here():
    results = on_every_core(pid_and_square, [1, 2, 3], fewest=50)
    assert results == [(os.getpid(), 1), (os.getpid(), 4), (os.getpid(), 9)]
