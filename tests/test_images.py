import struct
import zlib

import cv2
import numpy as np
import pytest

from digits.images import ImageError, list_images, read_grayscale


def png_header_only(width, height):
    """A PNG whose header claims width x height; the pixel data is absent."""
    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)) + chunk(b"IEND", b"")


def test_colour_image_is_read_as_grey(tmp_path):
    colour = np.zeros((30, 30, 3), np.uint8)
    colour[..., 2] = 200
    cv2.imwrite(str(tmp_path / "c.png"), colour)
    grey = read_grayscale(tmp_path / "c.png")
    assert grey.shape == (30, 30) and grey.dtype == np.uint8


@pytest.mark.parametrize(
    "name, content, message",
    [
        ("missing.png", None, "file not found"),
        ("empty.png", b"", "empty file"),
        ("text.jpg", b"hello, not an image", "not an image"),
        ("tiny.png", cv2.imencode(".png", np.zeros((1, 1), np.uint8))[1].tobytes(), "1x1 pixels is too small"),
        ("large.png", png_header_only(12000, 10000), "12000x10000 pixels, more than the 100 megapixels allowed"),
        ("bomb.png", png_header_only(50000, 50000), "more than the 100 megapixels allowed"),
        ("corrupt.png", png_header_only(100, 100), "corrupt or truncated image"),
    ],
)
def test_bad_files_are_one_clear_error(tmp_path, name, content, message):
    if content is not None:
        (tmp_path / name).write_bytes(content)
    with pytest.raises(ImageError, match=message) as error:
        read_grayscale(tmp_path / name)
    assert str(error.value).startswith(str(tmp_path / name))


def test_folders_expand_to_sorted_images(tmp_path):
    for name in ("b.png", "a.JPG", "notes.txt"):
        (tmp_path / name).write_bytes(b"x")
    assert list_images([str(tmp_path)]) == [str(tmp_path / "a.JPG"), str(tmp_path / "b.png")]
