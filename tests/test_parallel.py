import io
import os
import sys

import pytest

from digits import parallel
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


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


@pytest.mark.parametrize("fewest", [1, 50])
def test_a_named_run_shows_progress_on_a_terminal_only_and_erases_it(monkeypatch, fewest):
    monkeypatch.setattr(parallel, "PROGRESS_AFTER", 0)
    terminal = Terminal()
    monkeypatch.setattr(sys, "stderr", terminal)
    assert on_every_core(pid_and_square, [1, 2, 3], fewest=fewest, progress="squaring")[2][1] == 9
    shown = terminal.getvalue()
    assert "squaring:" in shown and "/3 " in shown
    assert shown.endswith("\r")  # erased: blanked, the cursor back at the line's start

    monkeypatch.setattr(sys, "stderr", io.StringIO())  # not a terminal: nothing
    on_every_core(pid_and_square, [1, 2, 3], fewest=fewest, progress="squaring")
    assert sys.stderr.getvalue() == ""
