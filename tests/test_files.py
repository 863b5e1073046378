import os
import stat

import pytest

from digits.errors import DigitsError
from digits.files import atomic_path, write_text_atomic


def test_a_failed_write_keeps_the_previous_file_and_leaves_no_temporary(tmp_path):
    target = tmp_path / "metrics.json"
    write_text_atomic(target, "old")
    with pytest.raises(RuntimeError):
        with atomic_path(target) as temporary:
            temporary.write_text("half of the new")
            raise RuntimeError("killed mid-write")
    assert target.read_text() == "old"
    assert os.listdir(tmp_path) == ["metrics.json"]


def test_the_temporary_keeps_the_suffix_and_the_result_is_readable_by_others(tmp_path):
    with atomic_path(tmp_path / "model.keras") as temporary:
        assert temporary.suffix == ".keras" and temporary.parent == tmp_path
        temporary.write_bytes(b"x")
    mode = stat.S_IMODE((tmp_path / "model.keras").stat().st_mode)
    umask = os.umask(0)
    os.umask(umask)
    assert mode == 0o666 & ~umask


@pytest.mark.parametrize("target", ["notes.txt/report.md", "notes.txt/plots/curve.png"])
def test_writing_under_a_file_is_one_clear_error_and_the_file_is_kept(tmp_path, target):
    (tmp_path / "notes.txt").write_text("mine")
    with pytest.raises(DigitsError, match=f"cannot write it \\({tmp_path / 'notes.txt'} is a file, not a folder\\)"):
        write_text_atomic(tmp_path / target, "report")
    assert (tmp_path / "notes.txt").read_text() == "mine"
