import os

import pytest

from digits.quiet import native_stderr_hidden


def test_native_output_is_hidden(capfd, monkeypatch):
    monkeypatch.delenv("DIGITS_VERBOSE", raising=False)
    with native_stderr_hidden():
        os.write(2, b"I0000 cudart_stub.cc:31] Could not find cuda drivers\n")
    os.write(2, b"after\n")
    assert capfd.readouterr().err == "after\n"


def test_hidden_output_is_shown_when_the_block_fails(capfd, monkeypatch):
    monkeypatch.delenv("DIGITS_VERBOSE", raising=False)
    with pytest.raises(ImportError), native_stderr_hidden():
        os.write(2, b"why the import failed\n")
        raise ImportError("broken install")
    assert capfd.readouterr().err == "why the import failed\n"


def test_verbose_shows_everything(capfd, monkeypatch):
    monkeypatch.setenv("DIGITS_VERBOSE", "1")
    with native_stderr_hidden():
        os.write(2, b"I0000 cpu_feature_guard.cc:227] ...\n")
    assert capfd.readouterr().err == "I0000 cpu_feature_guard.cc:227] ...\n"
