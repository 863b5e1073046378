import struct
import zlib

import cv2
import numpy as np
import pytest
from PIL import Image

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


def strokes_on_nothing(shade, mode="RGBA"):
    """A bar of `shade` grey, opaque, on a fully transparent 60x60 image (transparent pixels stored black)."""
    alpha = np.zeros((60, 60), np.uint8)
    alpha[10:50, 25:35] = 255
    grey = np.where(alpha > 0, shade, 0).astype(np.uint8)
    if mode == "LA":
        return Image.fromarray(np.dstack([grey, alpha]), "LA")
    if mode == "P":  # palette entry 0 transparent, 1 the strokes' shade
        image = Image.fromarray((alpha > 0).astype(np.uint8), "P")
        image.putpalette([0, 0, 0, shade, shade, shade])
        image.info["transparency"] = 0
        return image
    return Image.fromarray(np.dstack([grey, grey, grey, alpha]), "RGBA")


@pytest.mark.parametrize("suffix, mode", [(".png", "RGBA"), (".png", "LA"), (".png", "P"), (".webp", "RGBA"), (".tiff", "RGBA")])
@pytest.mark.parametrize("shade, paper", [(0, 255), (255, 0)], ids=["dark-strokes", "light-strokes"])
def test_strokes_on_a_transparent_image_stand_out_from_the_paper_they_are_laid_on(tmp_path, suffix, mode, shade, paper):
    path = tmp_path / f"drawing{suffix}"
    strokes_on_nothing(shade, mode).save(path, **({"lossless": True} if suffix == ".webp" else {}))
    grey = read_grayscale(path)
    assert grey[30, 30] == shade and grey[5, 5] == paper and grey[30, 45] == paper


def test_a_half_transparent_brush_still_draws(tmp_path):
    image = np.zeros((60, 60, 4), np.uint8)
    image[10:50, 25:35, 3] = 100  # black strokes at 40 % opacity; the rest transparent
    cv2.imwrite(str(tmp_path / "faint.png"), image)
    grey = read_grayscale(tmp_path / "faint.png")
    assert grey[30, 30] == round(255 * (1 - 100 / 255)) and grey[5, 5] == 255


def test_a_sixteen_bit_transparent_drawing_is_read(tmp_path):
    image = np.zeros((60, 60, 4), np.uint16)
    image[10:50, 25:35, 3] = 65535  # black strokes, opaque; the rest transparent
    cv2.imwrite(str(tmp_path / "deep.png"), image)
    grey = read_grayscale(tmp_path / "deep.png")
    assert grey.dtype == np.uint8 and grey[30, 30] == 0 and grey[5, 5] == 255


def test_a_transparent_margin_takes_the_pictures_own_paper(tmp_path):
    picture = np.full((60, 60, 4), 200, np.uint8)  # light grey paper ...
    picture[..., 3] = 255  # ... opaque ...
    picture[20:40, 28:32, :3] = 30  # ... with dark ink on it
    picture[:, :8, 3] = 0  # and a transparent margin on the left
    cv2.imwrite(str(tmp_path / "scan.png"), picture)
    grey = read_grayscale(tmp_path / "scan.png")
    assert grey[30, 2] == 200 and grey[30, 30] == 30


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


def test_a_reduced_decode_keeps_the_shorter_side_legible(tmp_path):
    # A JPEG 3000 x 16 px decoded at 1/8 would be 2 px wide: at most 1/2 keeps 8 px.
    cv2.imwrite(str(tmp_path / "strip.jpg"), np.full((3000, 16), 200, np.uint8))
    assert read_grayscale(tmp_path / "strip.jpg", min_side=320).shape == (1500, 8)
